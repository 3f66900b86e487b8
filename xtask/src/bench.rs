//! `cargo xtask bench`: the clients against curl on the same file, each in its own process.
//!
//! Every phase (an upload, a download) runs in a process of its own. Two times are kept: the
//! transfer as each client's own clock saw it (curl's `time_total`, the clients' `Instant`
//! around the call), which leaves process start-up out on both sides, and the whole process
//! from spawn to exit. Peak memory is the process's VmHWM.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{files_equal, prepare, proc_kb, run as run_cmd, write_file};

/// One phase (an upload or a download) of one client, in a process of its own.
struct Phase {
    /// The client's own clock around the transfer.
    own: Duration,
    /// The whole process, spawn to exit.
    wall: Duration,
    peak_kb: u64,
    /// What the client printed.
    stdout: String,
}

/// Runs `cmd`, polling its VmHWM until it exits; `own` reads the client's own time from what
/// it printed.
fn phase(cmd: &mut Command, own: impl Fn(&str) -> Result<f64, String>) -> Result<Phase, String> {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = proc_kb(pid, "VmHWM:") {
            peak = peak.max(kb);
        }
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(s) => break s,
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    let wall = start.elapsed();
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        use std::io::Read;
        let _ = out.read_to_string(&mut stdout);
    }
    if !status.success() {
        return Err(format!("{cmd:?} failed ({status}): {stdout}"));
    }
    let secs = own(&stdout)?;
    Ok(Phase {
        own: Duration::from_secs_f64(secs),
        wall,
        peak_kb: peak,
        stdout,
    })
}

/// curl's `time_total`, printed last.
fn curl_time(out: &str) -> Result<f64, String> {
    let last = out.rsplit('\n').next().unwrap_or_default().trim();
    last.parse()
        .map_err(|e| format!("curl's time_total {last:?}: {e}"))
}

/// A bench client's JSON line.
fn client_json(out: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(out.trim()).map_err(|e| format!("{e}: {out}"))
}

fn client_time(out: &str) -> Result<f64, String> {
    client_json(out)?["s"]
        .as_f64()
        .ok_or_else(|| format!("no time in {out}"))
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// Every phase of one client.
#[derive(Default)]
struct Samples {
    ups: Vec<Phase>,
    downs: Vec<Phase>,
}

impl Samples {
    fn own(v: &[Phase]) -> Duration {
        median(v.iter().map(|p| p.own).collect())
    }

    fn wall(v: &[Phase]) -> Duration {
        median(v.iter().map(|p| p.wall).collect())
    }

    fn peak_kb(&self) -> u64 {
        self.ups
            .iter()
            .chain(&self.downs)
            .map(|p| p.peak_kb)
            .max()
            .unwrap_or(0)
    }
}

/// `runs` paired rounds of one upload and one download of `mb` MB per client, over http or
/// https (the emulator's `--tls`, trusted with `--cacert` and `SSL_CERT_FILE`).
pub fn run(mb: u64, runs: usize, tls: bool) -> Result<(), String> {
    let (root, work) = prepare(&["zoho-emulator", "xtask"], "zoho-bench")?;
    let input = work.join("input.bin");
    write_file(&input, mb * 1_000_000)?;
    let emu = crate::bench_calls::start(&root, &work, tls, Some(&work.join("data")))?;
    let (base, token) = (emu.base.clone(), emu.token.clone());
    let curl = || {
        let mut c = Command::new("curl");
        emu.trust(&mut c);
        c
    };
    let url = format!("{base}/crm/v8/Leads/5725767000000010001/Attachments");
    let auth = format!("Authorization: Zoho-oauthtoken {token}");
    let client = root.join("target/release/xtask");
    // Interleave the clients in every round, delete what each uploaded, and flush dirty pages
    // (untimed) before every phase: otherwise 100 MB files pile up, the kernel throttles
    // writers, and whoever runs later pays for the others' writeback. Round 0 warms the
    // emulator, the page cache and the disk up and is not kept; each round starts with the
    // next client, so that none is always first after the warm-up or last before a flush.
    let names = ["curl", "blocking client (ureq)", "async client (reqwest)"];
    let mut all: Vec<Samples> = (0..3).map(|_| Samples::default()).collect();
    let flush = || run_cmd(&mut Command::new("sync")).map(|_| ());
    for i in 0..=runs {
        for j in 0..3 {
            let k = (i + j) % 3;
            let out = work.join(format!("out-{k}-{i}.bin"));
            flush()?;
            let (up, id) = if k == 0 {
                let up = phase(
                    curl()
                        .args(["-sS", "--fail-with-body", "-X", "POST", "-H", &auth, "-F"])
                        .arg(format!("file=@{}", input.display()))
                        .args(["-w", "\n%{time_total}"])
                        .arg(&url),
                    curl_time,
                )?;
                let body = up.stdout.rsplit_once('\n').map_or("", |(b, _)| b);
                let answer: serde_json::Value =
                    serde_json::from_str(body).map_err(|e| format!("{e}: {body}"))?;
                let id = answer["data"][0]["details"]["id"]
                    .as_str()
                    .map(str::to_owned);
                (up, id)
            } else {
                let kind = if k == 1 { "blocking" } else { "async" };
                let mut c = Command::new(&client);
                emu.trusted(&mut c);
                let up = phase(
                    c.args(["bench-client", kind, "upload", &base, &token, "-"])
                        .arg(&input),
                    client_time,
                )?;
                let id = client_json(&up.stdout)?["id"].as_str().map(str::to_owned);
                (up, id)
            };
            let id = id.ok_or_else(|| format!("{}: no attachment id", names[k]))?;
            flush()?;
            let down = if k == 0 {
                phase(
                    curl()
                        .args(["-sS", "--fail", "-H", &auth, "-w", "%{time_total}", "-o"])
                        .arg(&out)
                        .arg(format!("{url}/{id}")),
                    curl_time,
                )?
            } else {
                let kind = if k == 1 { "blocking" } else { "async" };
                let mut c = Command::new(&client);
                emu.trusted(&mut c);
                phase(
                    c.args(["bench-client", kind, "download", &base, &token, &id])
                        .arg(&out),
                    client_time,
                )?
            };
            if !files_equal(&input, &out)? {
                return Err(format!("{}: the downloaded file differs", names[k]));
            }
            let _ = std::fs::remove_file(&out);
            run_cmd(
                curl()
                    .args(["-sS", "--fail", "-X", "DELETE", "-H", &auth])
                    .arg(format!("{url}/{id}")),
            )?;
            if i > 0 {
                all[k].ups.push(up);
                all[k].downs.push(down);
            }
        }
    }
    drop(emu);
    let _ = std::fs::remove_dir_all(&work);

    // Every sample, so the spread behind each median is on record.
    let ms = |v: &[Phase]| {
        v.iter()
            .map(|p| format!("{:.0}", p.own.as_secs_f64() * 1e3))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("transfer times (ms, each side's own clock, in round order, after a warm-up round):");
    for (name, s) in names.iter().zip(&all) {
        println!("  {name:<24} upload   {}", ms(&s.ups));
        println!("  {:<24} download {}", "", ms(&s.downs));
    }
    let own_total = |s: &Samples| Samples::own(&s.ups) + Samples::own(&s.downs);
    let wall_total = |s: &Samples| Samples::wall(&s.ups) + Samples::wall(&s.downs);
    let (curl_own, curl_wall) = (own_total(&all[0]), wall_total(&all[0]));
    let scheme = if tls { "https" } else { "http" };
    println!(
        "{mb} MB file through zoho-emulator --data-dir (release) over {scheme}, median of {runs} runs:"
    );
    println!(
        "  {:<24} {:>9} {:>10} {:>8} {:>8} | {:>10} {:>8} | {:>9}",
        "", "transfer:", "", "", "", "process:", "", ""
    );
    println!(
        "  {:<24} {:>9} {:>10} {:>8} {:>8} | {:>10} {:>8} | {:>9}",
        "client",
        "upload s",
        "download s",
        "total s",
        "vs curl",
        "up+down s",
        "vs curl",
        "peak RSS"
    );
    for (name, s) in names.iter().zip(&all) {
        let (own, wall) = (own_total(s), wall_total(s));
        println!(
            "  {:<24} {:>9.3} {:>10.3} {:>8.3} {:>7.2}x | {:>10.3} {:>7.2}x | {:>5.1} MiB",
            name,
            Samples::own(&s.ups).as_secs_f64(),
            Samples::own(&s.downs).as_secs_f64(),
            own.as_secs_f64(),
            own.as_secs_f64() / curl_own.as_secs_f64(),
            wall.as_secs_f64(),
            wall.as_secs_f64() / curl_wall.as_secs_f64(),
            s.peak_kb() as f64 / 1024.0
        );
    }
    println!(
        "  transfer: each side's own clock (curl's time_total, the clients' Instant);\n  \
         process: spawn to exit, start-up included; peak RSS: the largest VmHWM of any phase.\n  \
         targets: within 1.1x of curl's time, under 32 MiB peak memory"
    );
    Ok(())
}

/// `xtask bench-client <blocking|async> upload BASE TOKEN INPUT` uploads INPUT;
/// `xtask bench-client <blocking|async> download BASE TOKEN ID OUTPUT` downloads attachment ID
/// to OUTPUT. Each prints its transfer time (`s`), the new id for an upload, and its own peak
/// memory as JSON.
pub fn client(args: &[String]) -> Result<(), String> {
    let [kind, phase, base, token, arg, path] = args else {
        return Err(String::from(
            "usage: xtask bench-client <blocking|async> upload BASE TOKEN - INPUT\n       \
             xtask bench-client <blocking|async> list BASE TOKEN CALLS -\n       \
             xtask bench-client <blocking|async> download BASE TOKEN ID OUTPUT",
        ));
    };
    let config = zoho_crm::ClientConfig::for_base_url(
        base.parse().map_err(|e| format!("{e}"))?,
        zoho_crm::Credentials::access_token(token.clone()),
    );
    let path = Path::new(path);
    let err = |e: zoho_crm::Error| e.to_string();
    let (took, id) = match (kind.as_str(), phase.as_str()) {
        ("blocking", phase) => {
            let crm = zoho_crm::blocking::Client::new(config).map_err(err)?;
            let a = crm
                .attachments("Leads", "5725767000000010001")
                .map_err(err)?;
            let t = Instant::now();
            let id = if phase == "list" {
                for _ in 0..calls(arg)? {
                    a.list().map_err(err)?;
                }
                None
            } else if phase == "upload" {
                Some(a.upload_file(path).map_err(err)?.id)
            } else {
                a.download_to_path(attachment_id(arg)?, path, &Default::default())
                    .map_err(err)?;
                None
            };
            (t.elapsed(), id)
        }
        ("async", phase) => {
            // Sequential small calls: a current-thread runtime (the advice in the async
            // transport's docs); a transfer: a multi-thread one, as most services run.
            let rt = match phase {
                "list" => tokio::runtime::Builder::new_current_thread(),
                _ => tokio::runtime::Builder::new_multi_thread(),
            }
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let crm = zoho_crm::Client::new(config).map_err(err)?;
                let a = crm
                    .attachments("Leads", "5725767000000010001")
                    .map_err(err)?;
                let t = Instant::now();
                let id = if phase == "list" {
                    for _ in 0..calls(arg)? {
                        a.list().await.map_err(err)?;
                    }
                    None
                } else if phase == "upload" {
                    Some(a.upload_file(path).await.map_err(err)?.id)
                } else {
                    a.download_to_path(attachment_id(arg)?, path, &Default::default())
                        .await
                        .map_err(err)?;
                    None
                };
                Ok::<_, String>((t.elapsed(), id))
            })?
        }
        (other, _) => return Err(format!("unknown client {other}")),
    };
    let peak = proc_kb(std::process::id(), "VmHWM:").unwrap_or(0);
    let id = id.map_or(String::new(), |id| format!(",\"id\":\"{id}\""));
    println!("{{\"s\":{},\"peak_kb\":{peak}{id}}}", took.as_secs_f64());
    Ok(())
}

fn calls(s: &str) -> Result<usize, String> {
    s.parse()
        .map_err(|e| format!("a number of calls, not {s:?}: {e}"))
}

fn attachment_id(s: &str) -> Result<zoho_crm::AttachmentId, String> {
    zoho_crm::AttachmentId::new(s).map_err(|e| e.to_string())
}
