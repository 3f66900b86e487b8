//! An email's attachment, as Zoho's v8 OpenAPI file describes its download
//! (`GET …/{module}/{record}/Emails/actions/download_attachments?user_id&message_id&id&name`, all
//! four mandatory, body typed `multipart/form-data` though it is the file's bytes): the answer
//! carries that type, so clients are checked against that reading. (A file-upload field's
//! file is `field_files.rs`.)
//!
//! Seeded on CRM Leads `5725767000000010001`, in the mailbox of user `5725767000000000001`,
//! email `c6085fae06cbd7b75001fc3e1ea1e7dac4f6b6ad9f9c0f4b1a3e1c6d2b5a4f3e` with attachment
//! `5725767000000600001` named `quote 42.pdf`.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, header};
use serde_json::json;

use crate::zoho::{self, err};

/// A seeded email attachment.
pub struct EmailAttachment {
    /// The record's module.
    pub module: &'static str,
    /// The record's id.
    pub record: &'static str,
    /// The mailbox's user.
    pub user_id: &'static str,
    /// The email.
    pub message_id: &'static str,
    /// The attachment's id.
    pub id: &'static str,
    /// The attachment's name.
    pub name: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

/// The seeded email attachments.
pub const EMAIL_ATTACHMENTS: &[EmailAttachment] = &[EmailAttachment {
    module: "Leads",
    record: "5725767000000010001",
    user_id: crate::api::USER_ID,
    message_id: "c6085fae06cbd7b75001fc3e1ea1e7dac4f6b6ad9f9c0f4b1a3e1c6d2b5a4f3e",
    id: "5725767000000600001",
    name: "quote 42.pdf",
    bytes: b"%PDF-1.4\n% the quote sent by email\n",
}];

fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn file(name: &str, content_type: &'static str, bytes: &'static [u8]) -> Response {
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    if let Ok(v) = HeaderValue::from_str(&zoho::content_disposition(name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `Emails/actions/download_attachments` for `record` of `module` (both already checked).
pub fn email_attachment(module: &str, record: &str, q: &[(String, String)]) -> Response {
    let mut given = Vec::new();
    for name in ["user_id", "message_id", "id", "name"] {
        match param(q, name) {
            Some(v) => given.push(v),
            None => return err::required_param(name),
        }
    }
    let found = EMAIL_ATTACHMENTS.iter().find(|e| {
        e.module == module
            && e.record == record
            && [e.user_id, e.message_id, e.id, e.name] == given[..]
    });
    match found {
        Some(e) => file(e.name, "multipart/form-data", e.bytes),
        None => err::invalid_data(
            "the email or its attachment was not found",
            json!({ "param": "id" }),
        ),
    }
}
