//! The `zoho` command against curl: start-up plus one list call, and a backup of small files
//! at concurrency 1, 4 and 10 against a sequential loop of one curl per file, over http and
//! https. Measured as in `bench_calls.rs` (wall and CPU from `wait4`, connections counted by
//! the emulator); peak RSS from GNU time in one more, untimed run (`wait4`'s figure for a
//! child of python includes the python it was forked from).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bench_calls::{Emu, Run, print_rows, start};

/// The Leads records the emulator seeds, which the backup's files are spread over.
const RECORDS: [&str; 3] = [
    "5725767000000010001",
    "5725767000000010002",
    "5725767000000010003",
];

/// Peak RSS of one run of `cmd` in KiB, from GNU time (`%M`), whose own copy is small.
fn peak_kb(cmd: &Command) -> Result<u64, String> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .output()
        .map_err(|e| format!("/usr/bin/time: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| format!("GNU time printed {err:?}"))
}

/// `zoho` with the emulator's token and a config directory of its own.
fn zoho(root: &Path, work: &Path, emu: &Emu) -> Command {
    let mut c = Command::new(root.join("target/release/zoho"));
    c.env("ZOHO_ACCESS_TOKEN", &emu.token)
        .env("ZOHO_CONFIG_DIR", work.join("zoho-config"))
        .arg("--base-url")
        .arg(&emu.base);
    emu.trusted(&mut c);
    c
}

fn curl(emu: &Emu) -> Command {
    let mut c = Command::new("curl");
    c.args(["-sS", "--fail", "-H"])
        .arg(format!("Authorization: Zoho-oauthtoken {}", emu.token));
    emu.trust(&mut c);
    c
}

/// Runs every command once per round, in turn, each after its directory (if any) is removed,
/// untimed; the peak RSS of each from one more run.
fn rounds(
    emu: &Emu,
    cmds: &mut [(Command, Option<PathBuf>)],
    rounds: usize,
) -> Result<Vec<Vec<Run>>, String> {
    let clear = |dir: &Option<PathBuf>| {
        if let Some(d) = dir {
            let _ = std::fs::remove_dir_all(d);
        }
    };
    let mut runs: Vec<Vec<Run>> = cmds.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds {
        for ((cmd, dir), r) in cmds.iter_mut().zip(&mut runs) {
            clear(dir);
            r.push(emu.measure(cmd)?);
        }
    }
    for ((cmd, dir), r) in cmds.iter().zip(&mut runs) {
        clear(dir);
        let kb = peak_kb(cmd)?;
        r.iter_mut().for_each(|run| run.peak_kb = kb);
    }
    Ok(runs)
}

/// Start-up plus one list call: one curl process against one `zoho attachments list`.
fn start_and_list(root: &Path, work: &Path, emu: &Emu, n: usize) -> Result<(), String> {
    // The fields the CLI asks for by default.
    let url = format!(
        "{}/crm/v8/Leads/{}/Attachments?fields=id,File_Name,Size,Created_Time,Modified_Time,Owner,Parent_Id,Created_By,Modified_By,$link_url,$type,$file_id",
        emu.base, RECORDS[0]
    );
    let mut c = curl(emu);
    c.args(["-o", "/dev/null"]).arg(&url);
    let mut z = zoho(root, work, emu);
    z.args(["attachments", "list", "Leads", RECORDS[0]]);
    let runs = rounds(emu, &mut [(c, None), (z, None)], n)?;
    println!("    start-up and one list call, {n} paired rounds:");
    print_rows(&["curl", "zoho attachments list"], &runs, 1, "run");
    Ok(())
}

/// Uploads `files` small files spread over [`RECORDS`], with one curl per 100 (`next`).
fn seed_files(emu: &Emu, work: &Path, files: usize) -> Result<(), String> {
    let file = work.join("small.txt");
    std::fs::write(&file, vec![b'z'; 2048]).map_err(|e| e.to_string())?;
    // `next` resets every option, the certificate to trust too.
    let cacert = emu
        .cert
        .as_ref()
        .map_or(String::new(), |c| format!("cacert = \"{}\"\n", c.display()));
    let mut done = 0;
    while done < files {
        let transfers: Vec<String> = (done..files.min(done + 100))
            .map(|k| {
                format!(
                    "{cacert}header = \"Authorization: Zoho-oauthtoken {}\"\nurl = \"{}/crm/v8/Leads/{}/Attachments\"\nform = \"file=@{}\"\noutput = \"/dev/null\"\nsilent\nshow-error\nfail\n",
                    emu.token,
                    emu.base,
                    RECORDS[k % RECORDS.len()],
                    file.display()
                )
            })
            .collect();
        let cfg = transfers.join("next\n");
        let path = work.join("seed.cfg");
        std::fs::write(&path, cfg).map_err(|e| e.to_string())?;
        crate::run(Command::new("curl").arg("-K").arg(&path))?;
        done = files.min(done + 100);
    }
    Ok(())
}

/// The attachment ids of every record, for the curl loop.
fn ids(emu: &Emu) -> Result<Vec<(String, String)>, String> {
    let mut all = Vec::new();
    for record in RECORDS {
        for page in 1.. {
            let out = crate::run(curl(emu).arg(format!(
                "{}/crm/v8/Leads/{record}/Attachments?fields=id&per_page=200&page={page}",
                emu.base
            )))?;
            let v: serde_json::Value =
                serde_json::from_str(&out).map_err(|e| format!("{e}: {out}"))?;
            for item in v["data"].as_array().into_iter().flatten() {
                if let Some(id) = item["id"].as_str() {
                    all.push((record.to_owned(), id.to_owned()));
                }
            }
            if v["info"]["more_records"] != true {
                break;
            }
        }
    }
    Ok(all)
}

/// A backup of `files` small files: one curl per file in a shell loop against `zoho backup` at
/// concurrency 1, 4 and 10, into directories on the repository's disk.
fn backup(root: &Path, work: &Path, emu: &Emu, files: usize, n: usize) -> Result<(), String> {
    seed_files(emu, work, files)?;
    let ids = ids(emu)?;
    if ids.len() != files {
        return Err(format!("seeded {files} files, listed {}", ids.len()));
    }
    let out = root.join("target/bench-backup");
    let list = work.join("ids.txt");
    let lines: String = ids.iter().map(|(r, id)| format!("{r}/{id}\n")).collect();
    std::fs::write(&list, lines).map_err(|e| e.to_string())?;
    // The loop a script would write: one curl per file (which makes the record's directory).
    let cacert = emu
        .cert
        .as_ref()
        .map_or(String::new(), |c| format!("--cacert '{}'", c.display()));
    let script = format!(
        "set -e; while IFS=/ read -r rec id; do curl -sS --fail --create-dirs {cacert} \
         -H 'Authorization: Zoho-oauthtoken {t}' -o '{o}/curl/'\"$rec/$id\" \
         '{b}/crm/v8/Leads/'\"$rec\"'/Attachments/'\"$id\"; done < '{l}'",
        o = out.display(),
        t = emu.token,
        b = emu.base,
        l = list.display()
    );
    let mut sh = Command::new("sh");
    sh.args(["-c", &script]);
    let mut cmds = vec![(sh, Some(out.join("curl")))];
    for concurrency in [1, 4, 10] {
        let dir = out.join(format!("zoho-{concurrency}"));
        let mut z = zoho(root, work, emu);
        z.args(["backup", "Leads"])
            .args(RECORDS)
            .arg("--out")
            .arg(&dir)
            .args(["--concurrency", &concurrency.to_string()]);
        cmds.push((z, Some(dir)));
    }
    let runs = rounds(emu, &mut cmds, n)?;
    println!(
        "    backup of {files} files of 2 KiB over {} records, {n} paired rounds:",
        RECORDS.len()
    );
    print_rows(
        &[
            "curl, one per file",
            "zoho backup -c 1",
            "zoho backup -c 4",
            "zoho backup -c 10",
        ],
        &runs,
        files,
        "file",
    );
    let _ = std::fs::remove_dir_all(&out);
    Ok(())
}

/// Both parts, over http and https.
pub fn run(files: usize, n: usize) -> Result<(), String> {
    let (root, work) = crate::prepare(&["zoho-emulator", "zoho-cli"], "zoho-bench-cli")?;
    println!("the zoho command against curl:");
    for tls in [false, true] {
        let emu = start(&root, &work, tls, None)?;
        println!("  over {}:", if tls { "https" } else { "http" });
        start_and_list(&root, &work, &emu, n * 4)?;
        backup(&root, &work, &emu, files, n)?;
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
