//! Every operation with exactly the scopes it declares (`zoho_core::scopes::needed` of its
//! request) passes the emulator's scope checks; with one of them removed it fails with
//! `OAUTH_SCOPE_MISMATCH`, and the error names the scopes the call needed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zoho_blocking_transport::Transport;
use zoho_core::auth::Credentials;
use zoho_core::bytes::Bytes;
use zoho_core::ops::{Attachments, Photo};
use zoho_core::{Api, BaseUrl, ClientConfig, Error, ErrorCode, Operation};
use zoho_emulator::Emulator;

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0A, 0x49, 0x44, 0x41, 0x54,
    0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0D, 0x0A, 0x2D, 0xB4, 0, 0, 0, 0, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn transport(emu: &Emulator, scopes: &[String]) -> Transport {
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let token = emu.token_with_scopes(&scopes);
    let base = BaseUrl::new(emu.base_url()).unwrap();
    Transport::new(ClientConfig::for_base_url(
        base,
        Credentials::access_token(token),
    ))
    .unwrap()
}

/// Runs `call` with exactly `scopes`, then with each one left out.
fn check(
    emu: &Emulator,
    what: &str,
    scopes: Vec<String>,
    call: &dyn Fn(&Transport) -> Result<(), Error>,
) {
    assert!(!scopes.is_empty(), "{what}: no scopes declared");
    call(&transport(emu, &scopes)).unwrap_or_else(|e| panic!("{what} with {scopes:?}: {e}"));
    for left_out in 0..scopes.len() {
        let mut fewer = scopes.clone();
        let missing = fewer.remove(left_out);
        let e = call(&transport(emu, &fewer)).expect_err(what);
        assert_eq!(
            e.code(),
            Some(&ErrorCode::OauthScopeMismatch),
            "{what} without {missing}: {e}"
        );
        assert!(
            e.to_string().contains(&missing),
            "{what}: the error names {missing}: {e}"
        );
    }
}

fn needed(req: Result<zoho_core::http::Request<zoho_core::Body>, Error>) -> Vec<String> {
    zoho_core::scopes::needed(&req.unwrap())
}

#[test]
fn every_operation_passes_with_exactly_its_scopes_and_names_a_missing_one() {
    let emu = Emulator::start(Default::default()).unwrap();
    let base = BaseUrl::new(emu.base_url()).unwrap();
    let all = transport(
        &emu,
        &["ZohoCRM.modules.ALL".into(), "ZohoBigin.modules.ALL".into()],
    );
    for (api, module, record, photo_module, photo_record) in [
        (
            Api::CRM,
            "Deals",
            "5725767000000040001",
            "Leads",
            "5725767000000010001",
        ),
        (
            Api::Bigin(Default::default()),
            "Contacts",
            "5725768000000010001",
            "Contacts",
            "5725768000000010001",
        ),
    ] {
        let a = Attachments::parse(api, module, record).unwrap();
        let up = || a.upload("s.txt", 3);
        let source = || {
            [zoho_blocking_transport::Source::Bytes(Bytes::from_static(
                b"abc",
            ))]
        };
        check(&emu, "list", needed(a.list().request(&base)), &|t| {
            t.execute(&a.list()).map(|_| ())
        });
        check(&emu, "upload", needed(up().request(&base)), &|t| {
            t.execute_with(&up(), &source()).map(|_| ())
        });
        let link = || a.upload_link("https://www.zoho.com");
        check(&emu, "link", needed(link().request(&base)), &|t| {
            t.execute(&link()).map(|_| ())
        });
        let id = all.execute_with(&up(), &source()).unwrap().id;
        let d = a.download(id.clone());
        check(
            &emu,
            "download",
            needed(zoho_core::Download::request(&d, &base)),
            &|t| {
                t.download(&d, &mut Vec::new(), &Default::default())
                    .map(|_| ())
            },
        );
        // Deletes: each try deletes a fresh attachment.
        let fresh = || all.execute_with(&up(), &source()).unwrap().id;
        check(
            &emu,
            "delete",
            needed(a.delete(fresh()).request(&base)),
            &|t| t.execute(&a.delete(fresh())).map(|_| ()),
        );
        let p = Photo::parse(api, photo_module, photo_record).unwrap();
        let photo = || p.upload("face.png", PNG.len() as u64);
        let png = || {
            [zoho_blocking_transport::Source::Bytes(Bytes::from_static(
                PNG,
            ))]
        };
        check(&emu, "photo upload", needed(photo().request(&base)), &|t| {
            t.execute_with(&photo(), &png()).map(|_| ())
        });
        check(
            &emu,
            "photo download",
            needed(zoho_core::Download::request(&p.download(), &base)),
            &|t| {
                t.download(&p.download(), &mut Vec::new(), &Default::default())
                    .map(|_| ())
            },
        );
    }
    let files = || zoho_core::ops::files::UploadFiles::new(Default::default()).file("f.txt", 3);
    let source = || {
        [zoho_blocking_transport::Source::Bytes(Bytes::from_static(
            b"abc",
        ))]
    };
    check(
        &emu,
        "file store upload",
        needed(files().request(&base)),
        &|t| t.execute_with(&files(), &source()).map(|_| ()),
    );
}
