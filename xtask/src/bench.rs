//! `cargo xtask bench`: the clients against curl on the same file, each in its own process.
//!
//! Times are each client's own timer around the transfer (curl's `time_total`, the clients'
//! `Instant` around the call), so process start is left out on both sides; peak memory is the
//! whole process's VmHWM.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Guard, files_equal, prepare, proc_kb, run as run_cmd, start_emulator, write_file};

/// One measured process: its peak resident memory (kB) and what it printed.
struct Measured {
    peak_kb: u64,
    stdout: String,
}

/// Runs `cmd`, polling its VmHWM until it exits.
fn measure(cmd: &mut Command) -> Result<Measured, String> {
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
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        use std::io::Read;
        let _ = out.read_to_string(&mut stdout);
    }
    if !status.success() {
        return Err(format!("{cmd:?} failed ({status}): {stdout}"));
    }
    Ok(Measured {
        peak_kb: peak,
        stdout,
    })
}

/// curl's own `time_total` (seconds): like the clients' timers, it leaves out process start.
fn curl_secs(s: &str) -> Result<Duration, String> {
    s.trim()
        .parse::<f64>()
        .map(Duration::from_secs_f64)
        .map_err(|e| format!("curl's time_total {s:?}: {e}"))
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

struct Row {
    name: &'static str,
    upload: Duration,
    download: Duration,
    peak_kb: u64,
}

pub fn run(mb: u64, runs: usize) -> Result<(), String> {
    let (root, work) = prepare(&["zoho-emulator", "xtask"], "zoho-bench")?;
    let input = work.join("input.bin");
    write_file(&input, mb * 1_000_000)?;
    let (emulator, base, token): (Guard, String, String) =
        start_emulator(&root, &work.join("data"))?;
    let url = format!("{base}/crm/v8/Leads/5725767000000010001/Attachments");
    let auth = format!("Authorization: Zoho-oauthtoken {token}");
    let client = root.join("target/release/xtask");
    // Interleave the clients in every round, delete what each uploaded, and flush dirty pages
    // (untimed) before every step: otherwise 100 MB files pile up, the kernel throttles
    // writers, and whoever runs later pays for the others' writeback.
    let names = ["curl", "blocking client (ureq)", "async client (reqwest)"];
    let mut times: Vec<(Vec<Duration>, Vec<Duration>, u64)> = vec![(Vec::new(), Vec::new(), 0); 3];
    let flush = || run_cmd(&mut Command::new("sync")).map(|_| ());
    for i in 0..runs {
        for (k, slot) in times.iter_mut().enumerate() {
            let out = work.join(format!("out-{k}-{i}.bin"));
            flush()?;
            let (up, down, peak, id) = if k == 0 {
                let up = measure(
                    Command::new("curl")
                        .args(["-sS", "--fail-with-body", "-X", "POST", "-H", &auth, "-F"])
                        .arg(format!("file=@{}", input.display()))
                        .args(["-w", "\n%{time_total}"])
                        .arg(&url),
                )?;
                let (body, up_s) = up.stdout.rsplit_once('\n').ok_or("no curl timing")?;
                let answer: serde_json::Value =
                    serde_json::from_str(body).map_err(|e| format!("{e}: {body}"))?;
                let id = answer["data"][0]["details"]["id"]
                    .as_str()
                    .ok_or("no id")?
                    .to_owned();
                flush()?;
                let down = measure(
                    Command::new("curl")
                        .args(["-sS", "--fail", "-H", &auth, "-w", "%{time_total}", "-o"])
                        .arg(&out)
                        .arg(format!("{url}/{id}")),
                )?;
                (
                    curl_secs(up_s)?,
                    curl_secs(&down.stdout)?,
                    up.peak_kb.max(down.peak_kb),
                    id,
                )
            } else {
                let kind = if k == 1 { "blocking" } else { "async" };
                let m = measure(
                    Command::new(&client)
                        .args(["bench-client", kind, &base, &token])
                        .arg(&input)
                        .arg(&out),
                )?;
                let v: serde_json::Value = serde_json::from_str(m.stdout.trim())
                    .map_err(|e| format!("{e}: {}", m.stdout))?;
                let secs = |k: &str| Duration::from_secs_f64(v[k].as_f64().unwrap_or(0.0));
                let id = v["id"].as_str().ok_or("no id")?.to_owned();
                (
                    secs("upload_s"),
                    secs("download_s"),
                    m.peak_kb.max(v["peak_kb"].as_u64().unwrap_or(0)),
                    id,
                )
            };
            if !files_equal(&input, &out)? {
                return Err(format!("{}: the downloaded file differs", names[k]));
            }
            let _ = std::fs::remove_file(&out);
            run_cmd(
                Command::new("curl")
                    .args(["-sS", "--fail", "-X", "DELETE", "-H", &auth])
                    .arg(format!("{url}/{id}")),
            )?;
            slot.0.push(up);
            slot.1.push(down);
            slot.2 = slot.2.max(peak);
        }
    }
    // Every sample, so the spread behind each median is on record.
    let ms = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.0}", d.as_secs_f64() * 1e3))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("samples (ms, in run order):");
    for (name, (ups, downs, _)) in names.iter().zip(&times) {
        println!("  {name:<24} upload   {}", ms(ups));
        println!("  {:<24} download {}", "", ms(downs));
    }
    let rows: Vec<Row> = names
        .iter()
        .zip(times)
        .map(|(name, (ups, downs, peak_kb))| Row {
            name,
            upload: median(ups),
            download: median(downs),
            peak_kb,
        })
        .collect();
    drop(emulator);
    let _ = std::fs::remove_dir_all(&work);

    let curl_total = rows[0].upload + rows[0].download;
    println!("{mb} MB file through zoho-emulator --data-dir (release), median of {runs} runs:");
    println!(
        "  {:<24} {:>10} {:>10} {:>10} {:>9} {:>11}",
        "client", "upload s", "download s", "total s", "vs curl", "peak RSS"
    );
    for r in &rows {
        let total = r.upload + r.download;
        println!(
            "  {:<24} {:>10.3} {:>10.3} {:>10.3} {:>8.2}x {:>7.1} MiB",
            r.name,
            r.upload.as_secs_f64(),
            r.download.as_secs_f64(),
            total.as_secs_f64(),
            total.as_secs_f64() / curl_total.as_secs_f64(),
            r.peak_kb as f64 / 1024.0
        );
    }
    println!("  targets: within 1.1x of curl's time, under 32 MiB peak memory");
    Ok(())
}

/// `xtask bench-client <blocking|async> BASE TOKEN INPUT OUTPUT`: uploads INPUT, downloads it
/// to OUTPUT, and prints the phase times and its own peak memory as JSON.
pub fn client(args: &[String]) -> Result<(), String> {
    let [kind, base, token, input, output] = args else {
        return Err(String::from(
            "usage: xtask bench-client <blocking|async> BASE TOKEN INPUT OUTPUT",
        ));
    };
    let config = zoho_crm::ClientConfig::for_base_url(
        base.parse().map_err(|e| format!("{e}"))?,
        zoho_crm::Credentials::access_token(token.clone()),
    );
    let (input, output) = (Path::new(input), Path::new(output));
    let (up, down, id) = match kind.as_str() {
        "blocking" => {
            let crm = zoho_crm::blocking::Client::new(config).map_err(|e| e.to_string())?;
            let a = crm
                .attachments("Leads", "5725767000000010001")
                .map_err(|e| e.to_string())?;
            let t0 = Instant::now();
            let id = a.upload_file(input).map_err(|e| e.to_string())?.id;
            let up = t0.elapsed();
            flush_untimed();
            let t1 = Instant::now();
            a.download_to_path(id.clone(), output, &Default::default())
                .map_err(|e| e.to_string())?;
            (up, t1.elapsed(), id)
        }
        "async" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let crm = zoho_crm::Client::new(config).map_err(|e| e.to_string())?;
                let a = crm
                    .attachments("Leads", "5725767000000010001")
                    .map_err(|e| e.to_string())?;
                let t0 = Instant::now();
                let id = a.upload_file(input).await.map_err(|e| e.to_string())?.id;
                let up = t0.elapsed();
                flush_untimed();
                let t1 = Instant::now();
                a.download_to_path(id.clone(), output, &Default::default())
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>((up, t1.elapsed(), id))
            })?
        }
        other => return Err(format!("unknown client {other}")),
    };
    let peak = proc_kb(std::process::id(), "VmHWM:").unwrap_or(0);
    println!(
        "{{\"upload_s\":{},\"download_s\":{},\"peak_kb\":{peak},\"id\":\"{id}\"}}",
        up.as_secs_f64(),
        down.as_secs_f64()
    );
    Ok(())
}

/// Flushes dirty pages between phases, as the curl runs get between their two processes.
fn flush_untimed() {
    let _ = Command::new("sync").status();
}
