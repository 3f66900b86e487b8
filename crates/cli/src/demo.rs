//! `zoho demo`: starts the emulator in this process and runs a whole attachment and photo
//! lifecycle through the SDK, on CRM and on Bigin, printing each step. Exits 0 only if every
//! step succeeded.

use std::path::Path;

use serde_json::json;
use zoho_blocking_transport::{Attachments, DownloadOptions, Photo, Transport};
use zoho_core::auth::Credentials;
use zoho_core::{Api, ClientConfig};

use crate::Global;
use crate::fail::Failure;

struct Steps<'a> {
    g: &'a Global,
    ok: usize,
    failed: usize,
}

impl Steps<'_> {
    fn step<T>(&mut self, product: &str, what: &str, r: Result<T, String>) -> Option<T> {
        let (mark, detail, value) = match r {
            Ok(v) => {
                self.ok += 1;
                ("ok", None, Some(v))
            }
            Err(e) => {
                self.failed += 1;
                ("FAILED", Some(e), None)
            }
        };
        // A closed stdout stops nothing here: the demo runs to its end and cleans up.
        let _ = if self.g.json {
            crate::fail::print_line(format_args!(
                "{}",
                json!({ "product": product, "step": what, "ok": detail.is_none(), "error": detail })
            ))
        } else {
            match detail {
                None => crate::fail::print_line(format_args!("  [{mark}] {what}")),
                Some(d) => crate::fail::print_line(format_args!("  [{mark}] {what}: {d}")),
            }
        };
        value
    }
}

pub fn run(g: &Global) -> Result<(), Failure> {
    let emu = zoho_emulator::Emulator::start(zoho_emulator::Config::default())
        .map_err(|e| Failure::io("cannot start the emulator", e))?;
    let work = std::env::temp_dir().join(format!("zoho-demo-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| Failure::io("cannot create a work directory", e))?;
    if !g.json {
        out!(
            "Started a local Zoho emulator at {} (no Zoho account needed).",
            emu.base_url()
        );
    }
    // Log in the way a real client does: a refresh token traded for an access token.
    let base = emu
        .base_url()
        .parse()
        .map_err(|e: zoho_core::InputError| Failure::usage(e.to_string()))?;
    let config = ClientConfig::for_base_url(
        base,
        Credentials::refresh_token(
            zoho_emulator::CLIENT_ID,
            zoho_emulator::CLIENT_SECRET,
            zoho_emulator::REFRESH_TOKEN,
        ),
    );
    let t = Transport::new(config)?;
    let mut s = Steps {
        g,
        ok: 0,
        failed: 0,
    };
    for (product, api, module, record) in [
        ("Zoho CRM", Api::CRM, "Leads", "5725767000000010001"),
        ("Zoho Bigin", Api::BIGIN, "Contacts", "5725768000000010001"),
    ] {
        if !g.json {
            out!(
                "\n{product} ({}), {module} record {record}:",
                api.version_str()
            );
        }
        lifecycle(&mut s, &t, &work, product, api, module, record);
    }
    let stats = emu.stats();
    let _ = std::fs::remove_dir_all(&work);
    if g.json {
        out!(
            "{}",
            json!({ "steps_ok": s.ok, "steps_failed": s.failed, "api_requests": stats.api_requests, "token_requests": stats.token_requests })
        );
    } else {
        out!(
            "\n{} of {} steps succeeded ({} API calls, {} token request).",
            s.ok,
            s.ok + s.failed,
            stats.api_requests,
            stats.token_requests
        );
    }
    if s.failed > 0 {
        return Err(Failure::partial(format!(
            "{} demo step(s) failed.",
            s.failed
        )));
    }
    Ok(())
}

fn lifecycle(
    s: &mut Steps<'_>,
    t: &Transport,
    work: &Path,
    product: &str,
    api: Api,
    module: &str,
    record: &str,
) {
    let e = |e: zoho_core::Error| e.to_string();
    let Some(ops) = s.step(
        product,
        "open the record's attachments",
        zoho_core::ops::Attachments::parse(api, module, record).map_err(|x| x.to_string()),
    ) else {
        return;
    };
    let a = Attachments::new(t, ops);
    s.step(
        product,
        "list attachments (none yet)",
        a.list().map_err(e).and_then(|p| {
            if p.attachments.is_empty() {
                Ok(())
            } else {
                Err(format!("{} found", p.attachments.len()))
            }
        }),
    );
    let content = format!("Quote for {product}: 3 x widget, 42.00\n").into_bytes();
    let file = work.join(format!(
        "quote-{}.txt",
        api.product().to_string().replace(' ', "-").to_lowercase()
    ));
    if let Err(x) = std::fs::write(&file, &content) {
        s.step(product, "write a local file", Err::<(), _>(x.to_string()));
        return;
    }
    let Some(up) = s.step(
        product,
        &format!(
            "upload {} ({} bytes)",
            file.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            content.len()
        ),
        a.upload_file(&file).map_err(e),
    ) else {
        return;
    };
    let link = s.step(
        product,
        "attach a link (https://www.zoho.com)",
        a.upload_link("https://www.zoho.com", Some("Zoho"))
            .map_err(e),
    );
    s.step(
        product,
        "list attachments (the file and the link)",
        a.list().map_err(e).and_then(|p| {
            if p.attachments.len() == 2 {
                Ok(())
            } else {
                Err(format!("{} found", p.attachments.len()))
            }
        }),
    );
    // Both products write the same names in the demo's scratch directory.
    let replace = DownloadOptions {
        overwrite: true,
        ..Default::default()
    };
    let back = work.join("downloaded.txt");
    s.step(
        product,
        "download the file and compare the bytes",
        a.download_to_path(up.id.clone(), &back, &replace)
            .map_err(e)
            .and_then(|_| std::fs::read(&back).map_err(|x| x.to_string()))
            .and_then(|got| {
                if got == content {
                    Ok(())
                } else {
                    Err(String::from("the bytes differ"))
                }
            }),
    );
    let mut ids = vec![up.id];
    ids.extend(link.map(|l| l.id));
    s.step(
        product,
        "delete both in one call",
        a.delete_many(ids).map_err(e).and_then(|r| {
            if r.iter().all(|x| x.outcome.is_deleted()) {
                Ok(())
            } else {
                Err(String::from("some were not deleted"))
            }
        }),
    );
    let Some(photo_ops) = s.step(
        product,
        "open the record's photo",
        zoho_core::ops::Photo::parse(api, module, record).map_err(|x| x.to_string()),
    ) else {
        return;
    };
    let p = Photo::new(t, photo_ops);
    let png = work.join("face.png");
    let image = b"\x89PNG\r\n\x1a\n demo image bytes".to_vec();
    if std::fs::write(&png, &image).is_err() {
        return;
    }
    s.step(
        product,
        "upload a photo",
        p.upload_file(&png).map(|_| ()).map_err(e),
    );
    let replace = DownloadOptions {
        overwrite: true,
        ..Default::default()
    };
    let back = work.join("face-back.png");
    s.step(
        product,
        "download the photo and compare the bytes",
        p.download_to_path(&back, &replace)
            .map_err(e)
            .and_then(|_| std::fs::read(&back).map_err(|x| x.to_string()))
            .and_then(|got| {
                if got == image {
                    Ok(())
                } else {
                    Err(String::from("the bytes differ"))
                }
            }),
    );
    s.step(
        product,
        "delete the photo",
        p.delete().map(|_| ()).map_err(e),
    );
}
