//! The OAuth scopes a request needs, read from the request itself (product, path, method), so
//! that every operation declares its scopes by the request it builds, and a
//! `OAUTH_SCOPE_MISMATCH` answer can name them.
//!
//! The rules (zoho-api-facts §0, §2, §3.2; the emulator checks the same): `{Product}.modules.ALL`
//! grants every module call; otherwise a module call needs `{Product}.modules.{Module}.{OP}`,
//! and an attachment call `{Product}.modules.attachments.{OP}` as well; the file store needs
//! `ZohoCRM.files.{OP}` (or `ZohoFiles.files.ALL`). `OP` is `READ` for GET, `CREATE` for POST,
//! `UPDATE` for PUT or PATCH, `DELETE` for DELETE.

use http::{Method, Request};

use crate::body::Body;

/// The narrowest scopes that let `req` through (`{Product}.modules.ALL` covers any of them).
pub fn needed(req: &Request<Body>) -> Vec<String> {
    let op = match *req.method() {
        Method::GET | Method::HEAD => "READ",
        Method::POST => "CREATE",
        Method::PUT | Method::PATCH => "UPDATE",
        Method::DELETE => "DELETE",
        _ => "ALL",
    };
    let parts: Vec<&str> = req
        .uri()
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let prefix = match parts.first() {
        Some(&"crm") => "ZohoCRM",
        Some(&"bigin") => "ZohoBigin",
        _ => return Vec::new(),
    };
    match parts.get(2..).unwrap_or_default() {
        ["files", ..] => vec![format!("{prefix}.files.{op}")],
        [family @ ("users" | "org"), ..] => vec![format!("{prefix}.{family}.READ")],
        [module, _record, kind, ..] if kind.eq_ignore_ascii_case("attachments") => vec![
            format!("{prefix}.modules.{module}.{op}"),
            format!("{prefix}.modules.attachments.{op}"),
        ],
        [module, _record, kind, ..] if kind.eq_ignore_ascii_case("photo") => {
            vec![format!("{prefix}.modules.{module}.{op}")]
        }
        [module, ..] => vec![format!("{prefix}.modules.{module}.{op}")],
        [] => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ops::{Attachments, Photo};
    use crate::{Api, AttachmentId, BaseUrl, BiginVersion, CrmVersion, Operation};

    fn of(req: Result<Request<Body>, crate::Error>) -> Vec<String> {
        needed(&req.unwrap())
    }

    #[test]
    fn each_operation_needs_its_module_and_family_scopes() {
        let base = BaseUrl::new("https://www.zohoapis.com").unwrap();
        let a = Attachments::parse(Api::CRM, "Deals", "4150868000002728001").unwrap();
        let id = || AttachmentId::new("4150868000002728012").unwrap();
        let both = |op: &str| {
            vec![
                format!("ZohoCRM.modules.Deals.{op}"),
                format!("ZohoCRM.modules.attachments.{op}"),
            ]
        };
        assert_eq!(of(a.list().request(&base)), both("READ"));
        assert_eq!(of(a.upload("a.txt", 3).request(&base)), both("CREATE"));
        assert_eq!(
            of(a.upload_link("https://x.example").request(&base)),
            both("CREATE")
        );
        assert_eq!(
            of(crate::Download::request(&a.download(id()), &base)),
            both("READ")
        );
        assert_eq!(of(a.delete(id()).request(&base)), both("DELETE"));
        let p = Photo::parse(Api::Bigin(BiginVersion::default()), "Contacts", "1").unwrap();
        assert_eq!(
            of(p.upload("f.png", 3).request(&base)),
            ["ZohoBigin.modules.Contacts.CREATE"]
        );
        assert_eq!(
            of(crate::Download::request(&p.download(), &base)),
            ["ZohoBigin.modules.Contacts.READ"]
        );
        let files = crate::ops::files::UploadFiles::new(CrmVersion::default()).file("a.txt", 1);
        assert_eq!(of(files.request(&base)), ["ZohoCRM.files.CREATE"]);
    }
}
