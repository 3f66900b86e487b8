//! `cargo xtask bench-calls [calls] [rounds]`: `calls` sequential attachment-list calls (default
//! 1000) in one process, for curl (every URL in one invocation, so it reuses its connection),
//! the blocking client and the async client (current-thread runtime), over http and https
//! (the emulator's `--tls`, its certificate trusted with `--cacert` and `SSL_CERT_FILE`).
//!
//! Paired rounds: in every round each client runs once, in turn. Each run is a process whose
//! wall time, CPU time (user + system, from `wait4`) and peak RSS are taken; the emulator
//! counts the connections each run opened. Reports medians with min–max.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::bench_parse::spread;
use crate::{Guard, prepare};

/// Runs `argv[1:]` and prints its wall time, user and system CPU time (from `wait4`'s rusage,
/// to the microsecond, where GNU time rounds to 10 ms) and peak RSS in KiB, on its last line.
const RUSAGE: &str = "import os, sys, time, subprocess
t = time.monotonic()
sys.stdout.flush()
p = subprocess.Popen(sys.argv[1:])
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t
if status != 0:
    sys.exit('exit status %d' % status)
print(wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss)";

/// One run of one client.
pub(crate) struct Run {
    pub wall: f64,
    pub cpu: f64,
    pub peak_kb: u64,
    pub connections: u64,
}

/// With two CPUs or more and util-linux's `taskset`, this process (and so every client it
/// starts) runs on CPU 0 and the emulator on CPU 1, as the issue measured: otherwise each side
/// takes the other's core at times, the largest spread in the transfer figures. Decided once,
/// and said on stderr.
fn pinned() -> bool {
    static PINNED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PINNED.get_or_init(|| {
        let two = std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
        let pid = std::process::id().to_string();
        let done = two
            && Command::new("taskset")
                .args(["-a", "-p", "-c", "0", &pid])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        eprintln!(
            "== {}",
            if done {
                "clients on CPU 0, the emulator on CPU 1"
            } else {
                "clients and the emulator not pinned (one CPU, or no taskset)"
            }
        );
        done
    })
}

/// A release emulator over http or https, in memory or with a data directory.
pub(crate) struct Emu {
    _guard: Guard,
    pub base: String,
    pub token: String,
    admin: String,
    pub cert: Option<PathBuf>,
}

pub(crate) fn start(
    root: &Path,
    work: &Path,
    tls: bool,
    data_dir: Option<&Path>,
) -> Result<Emu, String> {
    let emulator = root.join("target/release/zoho-emulator");
    let mut cmd = if pinned() {
        let mut c = Command::new("taskset");
        c.args(["-c", "1"]).arg(emulator);
        c
    } else {
        Command::new(emulator)
    };
    cmd.args(["--port", "0"]);
    if let Some(dir) = data_dir {
        cmd.arg("--data-dir").arg(dir);
    }
    if tls {
        cmd.arg("--tls")
            .arg("--tls-cert")
            .arg(work.join("emulator.pem"));
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start the emulator: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let guard = Guard(child);
    let mut v = std::collections::HashMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if line.starts_with("export ") {
            break;
        }
        if let Some((k, val)) = line.split_once('=') {
            v.insert(k.to_owned(), val.to_owned());
        }
    }
    let get = |k: &str| {
        v.get(k)
            .cloned()
            .ok_or(format!("the emulator printed no {k}"))
    };
    Ok(Emu {
        base: get("base_url")?,
        token: get("access_token")?,
        admin: get("admin_token")?,
        cert: v.get("tls_cert").map(PathBuf::from),
        _guard: guard,
    })
}

impl Emu {
    /// Adds `--cacert` for an https emulator.
    pub(crate) fn trust(&self, curl: &mut Command) {
        if let Some(c) = &self.cert {
            curl.arg("--cacert").arg(c);
        }
    }

    /// Sets `SSL_CERT_FILE` for an https emulator, for our clients.
    pub(crate) fn trusted(&self, cmd: &mut Command) {
        if let Some(c) = &self.cert {
            cmd.env("SSL_CERT_FILE", c);
        }
    }

    fn connections(&self) -> Result<u64, String> {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--fail", "-H"])
            .arg(format!("Authorization: Bearer {}", self.admin));
        if let Some(c) = &self.cert {
            cmd.arg("--cacert").arg(c);
        }
        let out = crate::run(cmd.arg(format!("{}/__emulator/stats", self.base)))?;
        let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| format!("{e}: {out}"))?;
        v["connections"]
            .as_u64()
            .ok_or_else(|| format!("no connections in {out}"))
    }

    /// Runs `cmd` under [`RUSAGE`]; the connections it opened are the growth of the emulator's
    /// count, less the one the second count itself opens.
    pub(crate) fn measure(&self, cmd: &mut Command) -> Result<Run, String> {
        let before = self.connections()?;
        let mut timed = Command::new("python3");
        timed
            .args(["-c", RUSAGE])
            .arg(cmd.get_program())
            .args(cmd.get_args())
            .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .stdout(Stdio::piped());
        let out = timed.output().map_err(|e| format!("python3: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            return Err(format!(
                "{cmd:?} failed: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        // A bench client prints its own peak RSS (VmHWM) first: wait4's maxrss includes the
        // copy of python the child was forked from.
        let own_kb = text
            .lines()
            .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()?["peak_kb"].as_u64());
        let text = text.lines().last().unwrap_or_default().to_owned();
        let f: Vec<f64> = text
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        let [wall, user, sys, kb] = f[..] else {
            return Err(format!("GNU time printed {text:?}"));
        };
        Ok(Run {
            wall,
            cpu: user + sys,
            peak_kb: own_kb.unwrap_or(kb as u64),
            connections: (self.connections()? - before).saturating_sub(1),
        })
    }
}

/// Uploads `n` small attachments to the listed record, so that each list call reads a page.
fn seed(emu: &Emu, work: &Path, n: usize) -> Result<(), String> {
    let file = work.join("seed.txt");
    std::fs::write(&file, b"a small attachment for the list calls\n").map_err(|e| e.to_string())?;
    for _ in 0..n {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--fail", "-o", "/dev/null", "-H"])
            .arg(format!("Authorization: Zoho-oauthtoken {}", emu.token))
            .arg("-F")
            .arg(format!("file=@{}", file.display()));
        if let Some(c) = &emu.cert {
            cmd.arg("--cacert").arg(c);
        }
        crate::run(cmd.arg(format!(
            "{}/crm/v8/Leads/5725767000000010001/Attachments",
            emu.base
        )))?;
    }
    Ok(())
}

/// Attachments on the listed record: a page of 10 (about 7 KB).
const SEEDED: usize = 10;

/// Every run of every client, over http and https, and the report.
pub fn run(calls: usize, rounds: usize) -> Result<(), String> {
    let (root, work) = prepare(&["zoho-emulator", "xtask"], "zoho-bench-calls")?;
    let client = root.join("target/release/xtask");
    let names = ["curl", "blocking client (ureq)", "async client (reqwest)"];
    println!(
        "{calls} sequential list calls (a page of {SEEDED} attachments) in one process, {rounds} paired rounds (median, min-max):"
    );
    for tls in [false, true] {
        let emu = start(&root, &work, tls, None)?;
        seed(&emu, &work, SEEDED)?;
        let url = format!(
            "{}/crm/v8/Leads/5725767000000010001/Attachments?fields=id,File_Name,Size,Created_Time,Modified_Time,Owner,Parent_Id,Created_By,Modified_By,$link_url,$type,$file_id",
            emu.base
        );
        let config = curl_config(&emu, work.join("curl.cfg"), &url, calls)?;
        let mut runs: Vec<Vec<Run>> = (0..3).map(|_| Vec::new()).collect();
        for _ in 0..rounds {
            for (k, r) in runs.iter_mut().enumerate() {
                let mut cmd = if k == 0 {
                    let mut c = Command::new("curl");
                    c.arg("-K").arg(&config);
                    if let Some(cert) = &emu.cert {
                        c.arg("--cacert").arg(cert);
                    }
                    c
                } else {
                    let kind = if k == 1 { "blocking" } else { "async" };
                    let mut c = Command::new(&client);
                    c.args(["bench-client", kind, "list", &emu.base, &emu.token])
                        .arg(calls.to_string())
                        .arg("-");
                    if let Some(cert) = &emu.cert {
                        c.env("SSL_CERT_FILE", cert);
                    }
                    c
                };
                r.push(emu.measure(&mut cmd)?);
            }
        }
        let scheme = if tls { "https" } else { "http" };
        println!("  over {scheme}:");
        print_rows(&names, &runs, calls, "call");
        let [c, b, a] = instructions(&emu, &work, &client, &url)?;
        println!(
            "    instructions per call (callgrind, 51 calls less 1): curl {c}, blocking {b} ({:.2}x), async {a} ({:.2}x)",
            b as f64 / c as f64,
            a as f64 / c as f64
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// Medians (min–max) of a field over runs, in the field's unit.
fn med(v: &[Run], f: fn(&Run) -> f64) -> [f64; 3] {
    spread(
        v.iter()
            .map(|r| std::time::Duration::from_secs_f64(f(r)))
            .collect(),
    )
    .map(|us| us / 1e6)
}

/// One line per client: wall and CPU per `unit` against the first (curl), connections, peak RSS.
pub(crate) fn print_rows(names: &[&str], runs: &[Vec<Run>], per: usize, unit: &str) {
    let per_op = |secs: f64| secs * 1e6 / per as f64;
    let curl_wall = med(&runs[0], |r| r.wall)[0];
    let curl_cpu = med(&runs[0], |r| r.cpu)[0];
    for (name, r) in names.iter().zip(runs) {
        let w = med(r, |r| r.wall);
        let c = med(r, |r| r.cpu);
        let conns = r.iter().map(|r| r.connections).max().unwrap_or(0);
        let peak = r.iter().map(|r| r.peak_kb).max().unwrap_or(0);
        println!(
            "    {name:<26} wall {:.3} s ({:.3}-{:.3}) {:.2}x | CPU {:.0} µs/{unit} ({:.0}-{:.0}) {:.2}x | connections {conns} | peak RSS {:.1} MiB",
            w[0],
            w[1],
            w[2],
            w[0] / curl_wall,
            per_op(c[0]),
            per_op(c[1]),
            per_op(c[2]),
            c[0] / curl_cpu,
            peak as f64 / 1024.0
        );
    }
}

/// A curl config that gets `url` `calls` times in one process (one connection, reused).
fn curl_config(emu: &Emu, path: PathBuf, url: &str, calls: usize) -> Result<PathBuf, String> {
    let mut cfg = format!(
        "header = \"Authorization: Zoho-oauthtoken {}\"\nsilent\nshow-error\nfail\n",
        emu.token
    );
    for _ in 0..calls {
        cfg.push_str(&format!("url = \"{url}\"\noutput = \"/dev/null\"\n"));
    }
    std::fs::write(&path, cfg).map_err(|e| e.to_string())?;
    Ok(path)
}

/// Instructions per list call under valgrind's callgrind, which counts the same on a busy
/// machine: curl, the blocking client and the async client, each as the count of 51 calls less
/// that of 1, over 50 (start-up cancels out).
fn instructions(emu: &Emu, work: &Path, client: &Path, url: &str) -> Result<[u64; 3], String> {
    let count = |k: usize, calls: usize| -> Result<u64, String> {
        let mut cmd = crate::bench_parse::callgrind();
        if k == 0 {
            let cfg = curl_config(emu, work.join(format!("cg-{calls}.cfg")), url, calls)?;
            cmd.arg("curl").arg("-K").arg(cfg);
            emu.trust(&mut cmd);
        } else {
            let kind = if k == 1 { "blocking" } else { "async" };
            cmd.arg(client)
                .args(["bench-client", kind, "list", &emu.base, &emu.token])
                .arg(calls.to_string())
                .arg("-");
            emu.trusted(&mut cmd);
        }
        crate::bench_parse::collected(&mut cmd)
    };
    let per = |k| -> Result<u64, String> { Ok(count(k, 51)?.saturating_sub(count(k, 1)?) / 50) };
    Ok([per(0)?, per(1)?, per(2)?])
}
