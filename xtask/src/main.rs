//! `cargo xtask ci`: format check, clippy with warnings denied, and the test suite, in the order
//! CI runs them. Exits non-zero on the first failure.

use std::process::{Command, ExitCode};

const CHECKS: &[(&str, &[&str])] = &[
    ("format", &["fmt", "--all", "--", "--check"]),
    (
        "clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    ),
    ("tests", &["test", "--workspace", "--locked"]),
];

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "ci" => ci(),
        _ => {
            eprintln!("usage: cargo xtask ci\n\n  ci    fmt --check, clippy -D warnings, tests");
            ExitCode::from(2)
        }
    }
}

fn ci() -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| String::from("cargo"));
    for (name, args) in CHECKS {
        eprintln!("== xtask ci: {name}: cargo {}", args.join(" "));
        match Command::new(&cargo).args(*args).status() {
            Ok(s) if s.success() => {}
            Ok(s) => {
                eprintln!("== xtask ci: {name} failed ({s})");
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("== xtask ci: could not run cargo: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    eprintln!("== xtask ci: all checks passed");
    ExitCode::SUCCESS
}
