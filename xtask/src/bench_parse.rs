//! Typed parse of a 200-item attachment page against a `serde_json::Value` parse of the same
//! bytes, in process: the page is the CRM list fixture's item 200 times (ids and names varied).

use std::hint::black_box;
use std::time::{Duration, Instant};

use zoho_crm::zoho_core::bytes::Bytes;
use zoho_crm::zoho_core::http::Response;
use zoho_crm::zoho_core::operation::Operation;
use zoho_crm::zoho_core::ops::RecordRef;
use zoho_crm::zoho_core::ops::attachments::ListAttachments;

/// Medians (with min and max) of typed and `Value` parses, in microseconds per page.
pub struct ParseFigures {
    pub bytes: usize,
    pub typed: [f64; 3],
    pub value: [f64; 3],
}

/// Builds the release xtask; its path.
fn release(root: &std::path::Path) -> Result<std::path::PathBuf, String> {
    let (_, scratch) = crate::prepare(&["xtask"], "bench-parse")?;
    let _ = std::fs::remove_dir_all(scratch);
    Ok(root.join("target/release/xtask"))
}

/// Prints the timed figures and the instruction counts, from a release build: a debug xtask
/// (`cargo xtask` is one) hands the report to the release one.
pub fn report(root: &std::path::Path) -> Result<(), String> {
    if cfg!(debug_assertions) {
        let exe = release(root)?;
        let out = crate::run(std::process::Command::new(exe).arg("bench-parse"))?;
        print!("{out}");
        return Ok(());
    }
    let f = run(root, 15, 200)?;
    println!(
        "typed parse of a 200-item page ({} bytes): {:.0} µs (min {:.0}, max {:.0}); serde_json::Value: {:.0} µs (min {:.0}, max {:.0}); ratio {:.2}",
        f.bytes,
        f.typed[0],
        f.typed[1],
        f.typed[2],
        f.value[0],
        f.value[1],
        f.value[2],
        f.typed[0] / f.value[0]
    );
    let [t, v, vs] = instructions(root)?;
    println!(
        "instructions per page (callgrind): typed {t}, serde_json::Value {v}; ratio {:.2} (a Value read from the page as &str, UTF-8 checked once as the typed parse does: {vs}, ratio {:.2})",
        t as f64 / v as f64,
        t as f64 / vs as f64
    );
    Ok(())
}

/// The two parses of the page: typed (as the list operation reads it) and `serde_json::Value`.
type Parse = Box<dyn Fn() -> Result<(), String>>;

fn parsers(root: &std::path::Path) -> Result<(usize, Parse, Parse), String> {
    let body = page(root)?;
    let op = ListAttachments::new(RecordRef::new(
        zoho_crm::zoho_core::Api::CRM,
        zoho_crm::zoho_core::ModuleName::new("Leads").map_err(|e| e.to_string())?,
        zoho_crm::RecordId::new("4150868000002728001").map_err(|e| e.to_string())?,
    ));
    let len = body.len();
    let b = body.clone();
    let typed = move || -> Result<(), String> {
        let resp = Response::builder()
            .status(200)
            .header("content-type", "application/json;charset=UTF-8")
            .body(b.clone())
            .map_err(|e| e.to_string())?;
        let page = op.response(resp).map_err(|e| e.to_string())?;
        if page.attachments.len() != 200 {
            return Err(format!("parsed {} items, not 200", page.attachments.len()));
        }
        black_box(page);
        Ok(())
    };
    let value = move || -> Result<(), String> {
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        black_box(v);
        Ok(())
    };
    Ok((len, Box::new(typed), Box::new(value)))
}

/// `iters` parses of one kind (`typed` or `value`), for callgrind to count.
pub fn parse_loop(root: &std::path::Path, kind: &str, iters: u32) -> Result<(), String> {
    let (_, typed, value) = parsers(root)?;
    let f = match kind {
        "typed" => typed,
        "value" => value,
        "value-str" => {
            let body = page(root)?;
            Box::new(move || {
                let text = std::str::from_utf8(&body).map_err(|e| e.to_string())?;
                let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
                black_box(v);
                Ok(())
            })
        }
        _ => return Err(String::from("bench-parse-loop typed|value|value-str N")),
    };
    (0..iters).try_for_each(|_| f())
}

/// Instructions per page parse, typed and `Value`, counted by valgrind's callgrind: the count
/// of 21 parses less that of 1, over 20 (start-up and the page's making cancel out). The
/// release xtask is built for it and run by its path: this process's own file may have been
/// replaced by that build (a report run from an older build), or be a debug one.
pub fn instructions(root: &std::path::Path) -> Result<[u64; 3], String> {
    let exe = release(root)?;
    let count = |kind: &str, iters: u32| -> Result<u64, String> {
        let mut cmd = callgrind();
        cmd.arg(&exe)
            .args(["bench-parse-loop", kind, &iters.to_string()])
            .env("ZOHO_BENCH_ROOT", root);
        collected(&mut cmd)
    };
    let per = |kind: &str| -> Result<u64, String> {
        Ok(count(kind, 21)?.saturating_sub(count(kind, 1)?) / 20)
    };
    Ok([per("typed")?, per("value")?, per("value-str")?])
}

/// `valgrind --tool=callgrind`, its profile thrown away: only the total count is read.
pub(crate) fn callgrind() -> std::process::Command {
    let mut cmd = std::process::Command::new("valgrind");
    cmd.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"]);
    cmd
}

/// Runs a [`callgrind`] command; the instructions it counted.
pub(crate) fn collected(cmd: &mut std::process::Command) -> Result<u64, String> {
    let out = cmd.output().map_err(|e| format!("valgrind: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {err}"));
    }
    err.lines()
        .find_map(|l| {
            l.split_once("Collected : ")
                .map(|(_, n)| n.trim().to_owned())
        })
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no callgrind count in: {err}"))
}

/// `rounds` paired rounds of `iters` parses each (typed, then `Value`, alternating order).
pub fn run(root: &std::path::Path, rounds: usize, iters: u32) -> Result<ParseFigures, String> {
    let (bytes, typed, value) = parsers(root)?;
    typed()?; // warm up, and check the page parses
    value()?;
    let (mut t, mut v) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let time = |f: &dyn Fn() -> Result<(), String>| -> Result<Duration, String> {
            let start = Instant::now();
            for _ in 0..iters {
                f()?;
            }
            Ok(start.elapsed() / iters)
        };
        if round % 2 == 0 {
            t.push(time(&typed)?);
            v.push(time(&value)?);
        } else {
            v.push(time(&value)?);
            t.push(time(&typed)?);
        }
    }
    Ok(ParseFigures {
        bytes,
        typed: spread(t),
        value: spread(v),
    })
}

/// Median, min and max in microseconds.
pub fn spread(mut xs: Vec<Duration>) -> [f64; 3] {
    xs.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    match (xs.first(), xs.get(xs.len() / 2), xs.last()) {
        (Some(&lo), Some(&mid), Some(&hi)) => [us(mid), us(lo), us(hi)],
        _ => [0.0; 3],
    }
}

/// The fixture's one item, 200 times, as Zoho sends a full page.
fn page(root: &std::path::Path) -> Result<Bytes, String> {
    let path = root.join("crates/core/tests/fixtures/crm/list_ok.http");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json = text
        .split_once("\n\n")
        .map(|(_, b)| b)
        .ok_or("no body in the fixture")?;
    let v: serde_json::Value = serde_json::from_str(json.trim()).map_err(|e| e.to_string())?;
    let item = v["data"][0].clone();
    let items: Vec<serde_json::Value> = (0..200u64)
        .map(|i| {
            let mut it = item.clone();
            it["id"] = (4150868000002728012u64 + i).to_string().into();
            it["File_Name"] = format!("Screen Shot 2020-07-24 at 6.12.{i:02} PM.png").into();
            it
        })
        .collect();
    let page = serde_json::json!({"data": items, "info": {"per_page": 200, "count": 200, "page": 1, "more_records": true}});
    Ok(Bytes::from(
        serde_json::to_vec(&page).map_err(|e| e.to_string())?,
    ))
}
