//! The CRM and Bigin API: attachments, record photos, the CRM file store, and the users and org
//! calls Zoho's SDKs make at start-up. One dispatcher reads the path so that every error comes
//! out in Zoho's shape and order: URL (404), token (401), method (400), module (400), scope
//! (401), record (400), then the operation's own checks.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};

use crate::modules::{self, Lookup, Product};
use crate::oauth::{self, Need, Op};
use crate::store::{Attachment, BlobWriter, Photo, StoredFile, attachment_key, lock, record_key};
use crate::zoho::{self, err, iso, now_secs, success_item};
use crate::{App, faults};

/// The emulator's one user.
pub const USER_ID: &str = "5725767000000000001";
/// Its name.
pub const USER_NAME: &str = "Emulator Admin";
/// Its e-mail.
pub const USER_EMAIL: &str = "admin@emulator.zoho.local";

enum Route {
    Attachments {
        module: String,
        record: String,
    },
    Attachment {
        module: String,
        record: String,
        id: String,
    },
    Photo {
        module: String,
        record: String,
    },
    Files,
    Users,
    Org,
    /// A module's records (`records.rs`).
    Records {
        module: String,
    },
    /// `settings/modules` and `settings/fields` (`settings.rs`).
    SettingsModules,
    SettingsFields,
    /// One record: its file-upload and image-upload fields (`field_files.rs`).
    Record {
        module: String,
        record: String,
    },
    /// A file-upload field's file (`field_files.rs`), or an email's attachment
    /// (`record_files.rs`).
    FieldAttachment {
        module: String,
        record: String,
    },
    EmailAttachment {
        module: String,
        record: String,
    },
}

fn decode(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

fn route(product: Product, segs: &[String]) -> Option<Route> {
    let s = |i: usize| segs.get(i).map(String::as_str);
    match (segs.len(), s(2), s(4)) {
        (3, Some("files"), _) if product == Product::Crm => Some(Route::Files),
        (3, Some("users"), _) if product == Product::Crm => Some(Route::Users),
        (3, Some("org"), _) if product == Product::Crm => Some(Route::Org),
        // Any other name is a module: unknown ones get INVALID_MODULE, as from Zoho.
        (3, Some(m), _) if !matches!(m, "files" | "users" | "org" | "settings") => {
            Some(Route::Records {
                module: m.to_owned(),
            })
        }
        (4, Some("settings"), _) if segs[3] == "modules" => Some(Route::SettingsModules),
        (4, Some("settings"), _) if segs[3] == "fields" => Some(Route::SettingsFields),
        (4, Some(m), _)
            if product == Product::Crm && !matches!(m, "files" | "users" | "org" | "settings") =>
        {
            Some(Route::Record {
                module: m.to_owned(),
                record: segs[3].clone(),
            })
        }
        (5, _, Some(a)) if a.eq_ignore_ascii_case("attachments") => Some(Route::Attachments {
            module: segs[2].clone(),
            record: segs[3].clone(),
        }),
        (6, _, Some(a)) if a.eq_ignore_ascii_case("attachments") => Some(Route::Attachment {
            module: segs[2].clone(),
            record: segs[3].clone(),
            id: segs[5].clone(),
        }),
        (6, _, Some("actions"))
            if product == Product::Crm && segs[5] == "download_fields_attachment" =>
        {
            Some(Route::FieldAttachment {
                module: segs[2].clone(),
                record: segs[3].clone(),
            })
        }
        (7, _, Some("Emails"))
            if product == Product::Crm
                && segs[5] == "actions"
                && segs[6] == "download_attachments" =>
        {
            Some(Route::EmailAttachment {
                module: segs[2].clone(),
                record: segs[3].clone(),
            })
        }
        // `Attachments` and `photo` alike, whatever their case.
        (5, _, Some(p)) if p.eq_ignore_ascii_case("photo") => Some(Route::Photo {
            module: segs[2].clone(),
            record: segs[3].clone(),
        }),
        _ => None,
    }
}

/// Query parameters.
fn query(req: &Request) -> Vec<(String, String)> {
    req.uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
}

/// Every request outside `/oauth` and `/__emulator`.
///
/// The body is parked in a slot that upload handlers take it from; whatever is left there when
/// the answer is ready (an early error, an injected fault) is read and dropped first, as a
/// front proxy's lingering close does, so that a client still sending can read the answer
/// instead of meeting a reset connection.
pub async fn dispatch(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    {
        let mut recent = lock(&app.recent);
        if recent.len() >= crate::RECENT_REQUESTS {
            recent.pop_front();
        }
        recent.push_back(format!("{} {}", parts.method, parts.uri));
    }
    let slot = std::sync::Mutex::new(Some(body));
    let (mut resp, left) = match faults::charge_credit(&app) {
        Err(refused) => (refused, Some(0)),
        Ok(left) => (
            handle(&app, Request::from_parts(parts, Body::empty()), &slot).await,
            left,
        ),
    };
    if let Some(left) = left {
        resp.headers_mut()
            .insert("x-api-credits-remaining", http::HeaderValue::from(left));
    }
    let unread = lock(&slot).take();
    if let Some(body) = unread {
        let mut stream = body.into_data_stream();
        while let Some(Ok(_)) = stream.next().await {}
    }
    resp
}

async fn handle(app: &Arc<App>, req: Request, body: &std::sync::Mutex<Option<Body>>) -> Response {
    let mut segs: Vec<String> = req
        .uri()
        .path()
        .trim_matches('/')
        .split('/')
        .map(decode)
        .collect();
    // `/dc/{dc}/...`: the API of one data centre.
    let dc = match segs.first().map(String::as_str) {
        Some("dc") => match segs.get(1).map(|d| d.to_ascii_lowercase()) {
            Some(d) if crate::DATA_CENTRES.contains(&d.as_str()) => {
                segs.drain(..2);
                Some(d)
            }
            _ => return err::invalid_url_pattern(),
        },
        _ => None,
    };
    let Some(product) = segs.first().and_then(|p| Product::parse(p)) else {
        return err::invalid_url_pattern();
    };
    let _in_flight = match faults::before(app).await {
        Ok(g) => g,
        Err(injected) => return injected,
    };
    let version = segs.get(1).and_then(|v| modules::version(product, v));
    let (Some(version), Some(route)) = (version, route(product, &segs)) else {
        return err::invalid_url_pattern();
    };
    let scopes = match oauth::check_token(app, req.headers(), dc.as_deref()) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let method = req.method().clone();
    let ctx = Ctx {
        app,
        product,
        version,
        scopes: &scopes,
        body,
    };
    match route {
        Route::Users if method == Method::GET => {
            ctx.need(&Need::Users).map_or_else(|e| e, |()| users())
        }
        Route::Org if method == Method::GET => ctx.need(&Need::Org).map_or_else(|e| e, |()| org()),
        Route::Files => match method {
            Method::GET => match ctx.need(&Need::Files(Op::Read)) {
                Ok(()) => get_file(&ctx, &query(&req)).await,
                Err(e) => e,
            },
            Method::POST => match ctx.need(&Need::Files(Op::Create)) {
                Ok(()) => upload_files(&ctx, req).await,
                Err(e) => e,
            },
            _ => err::invalid_method(),
        },
        Route::SettingsModules | Route::SettingsFields if method != Method::GET => {
            err::invalid_method()
        }
        Route::SettingsModules => ctx
            .need(&Need::Settings("modules"))
            .map_or_else(|e| e, |()| crate::settings::modules(product)),
        Route::SettingsFields => ctx
            .need(&Need::Settings("fields"))
            .map_or_else(|e| e, |()| crate::settings::fields(product, &query(&req))),
        Route::Users | Route::Org => err::invalid_method(),
        Route::FieldAttachment { .. } | Route::EmailAttachment { .. } if method != Method::GET => {
            err::invalid_method()
        }
        Route::FieldAttachment { module, record } => match ctx.record(&module, &record, Op::Read) {
            Ok(t) => crate::field_files::download(app, &t.key, &query(&req)).await,
            Err(e) => e,
        },
        Route::Record { module, record } => {
            let op = match method {
                Method::GET => Op::Read,
                Method::PUT => Op::Update,
                _ => return err::invalid_method(),
            };
            match ctx.record(&module, &record, op) {
                Ok(t) if method == Method::GET => {
                    crate::field_files::get(app, t.module, &t.key, &query(&req))
                }
                Ok(t) => {
                    let body = lock(ctx.body).take();
                    crate::field_files::update(app, &t.key, t.locked, body).await
                }
                Err(e) => e,
            }
        }
        Route::EmailAttachment { module, record } => {
            match ctx.target(&module, &record, false, Op::Read) {
                Ok(t) => crate::record_files::email_attachment(t.module, &t.id, &query(&req)),
                Err(e) => e,
            }
        }
        Route::Records { module } if method == Method::GET => {
            crate::records::list(app, product, version, &scopes, &module, &query(&req))
        }
        Route::Records { .. } => err::invalid_method(),
        Route::Attachments { module, record } => {
            let op = match method {
                Method::GET => Op::Read,
                Method::POST => Op::Create,
                Method::DELETE => Op::Delete,
                _ => return err::invalid_method(),
            };
            let target = match ctx.target(&module, &record, false, op) {
                Ok(t) => t,
                Err(e) => return e,
            };
            match op {
                Op::Read => list(&ctx, &target, &req),
                Op::Create => upload(&ctx, &target, req).await,
                Op::Delete | Op::Update => delete_many(&ctx, &target, &query(&req)),
            }
        }
        Route::Attachment { module, record, id } => {
            let op = match method {
                Method::GET => Op::Read,
                Method::DELETE => Op::Delete,
                _ => return err::invalid_method(),
            };
            let target = match ctx.target(&module, &record, false, op) {
                Ok(t) => t,
                Err(e) => return e,
            };
            match op {
                Op::Read => download(&ctx, &target, &id).await,
                _ => delete_one(&ctx, &target, &id),
            }
        }
        Route::Photo { module, record } => {
            let op = match method {
                Method::GET => Op::Read,
                Method::POST => Op::Create,
                Method::DELETE => Op::Delete,
                _ => return err::invalid_method(),
            };
            let target = match ctx.target(&module, &record, true, op) {
                Ok(t) => t,
                Err(e) => return e,
            };
            match op {
                Op::Read => download_photo(&ctx, &target).await,
                Op::Create => upload_photo(&ctx, &target, req).await,
                Op::Delete | Op::Update => delete_photo(&ctx, &target),
            }
        }
    }
}

struct Ctx<'a> {
    app: &'a App,
    product: Product,
    version: u8,
    scopes: &'a [String],
    /// The request body, until an upload handler takes it.
    body: &'a std::sync::Mutex<Option<Body>>,
}

/// The record an operation acts on.
struct Target {
    module: &'static str,
    key: String,
    id: String,
    name: String,
    locked: bool,
}

impl Ctx<'_> {
    fn need(&self, need: &Need<'_>) -> Result<(), Response> {
        if oauth::grants(self.scopes, self.product, need) {
            Ok(())
        } else {
            Err(err::scope_mismatch())
        }
    }

    /// A record of any module, for calls on the record itself (its module scope only).
    fn record(&self, module: &str, record: &str, op: Op) -> Result<Target, Response> {
        let Some(module) = modules::canonical(self.product, module) else {
            return Err(err::invalid_module());
        };
        self.need(&Need::Photo { module, op })?;
        self.load(module, record).ok_or_else(err::invalid_record)
    }

    /// The record `record` of `module` (canonical), if it exists.
    fn load(&self, module: &'static str, record: &str) -> Option<Target> {
        let key = record_key(self.product, module, record);
        let st = lock(&self.app.state);
        let r = st.records.get(&key)?;
        Some(Target {
            module,
            id: r.id.clone(),
            name: r.name.clone(),
            locked: r.locked,
            key,
        })
    }

    fn target(&self, module: &str, record: &str, photo: bool, op: Op) -> Result<Target, Response> {
        let module = match modules::lookup(self.product, self.version, module, photo) {
            Lookup::Unknown => return Err(err::invalid_module()),
            Lookup::NotSupported => return Err(err::module_not_supported()),
            Lookup::Supported(m) => m,
        };
        let need = if photo {
            Need::Photo { module, op }
        } else {
            Need::Attachments { module, op }
        };
        self.need(&need)?;
        self.load(module, record).ok_or_else(|| {
            if photo {
                err::invalid_data("the id given seems to be invalid", json!({ "id": record }))
            } else {
                err::invalid_record()
            }
        })
    }
}

pub(crate) fn user() -> Value {
    json!({ "name": USER_NAME, "id": USER_ID, "email": USER_EMAIL })
}

fn attachment_json(a: &Attachment, record_name: &str) -> Value {
    json!({
        "Owner": user(),
        "Modified_Time": iso(a.modified),
        "File_Name": a.file_name,
        "Created_Time": iso(a.created),
        "Size": a.size.to_string(),
        "Parent_Id": { "name": record_name, "id": a.record_id },
        "$editable": true,
        "$file_id": a.file_id,
        "$type": if a.link_url.is_some() { "Link URL" } else { "Attachment" },
        "$se_module": a.module,
        "Modified_By": user(),
        "$state": "save",
        "id": a.id,
        "Created_By": user(),
        "$link_url": a.link_url,
    })
}

// ---------------------------------------------------------------------------------------------
// List

fn list(ctx: &Ctx<'_>, t: &Target, req: &Request) -> Response {
    let q = query(req);
    let required = ctx.product == Product::Crm && ctx.version >= 30;
    let (fields, per_page, page) = match crate::records::paging(&q, required) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    let since = match req.headers().get(header::IF_MODIFIED_SINCE) {
        None => None,
        Some(v) => match v.to_str().ok().and_then(zoho::parse_iso) {
            Some(s) => Some(s),
            None => {
                return err::invalid_data(
                    "the If-Modified-Since header is invalid",
                    json!({ "header": "If-Modified-Since" }),
                );
            }
        },
    };
    let ids: Option<Vec<&str>> = param(&q, "ids").map(|v| v.split(',').map(str::trim).collect());
    let mut st = lock(&ctx.app.state);
    let mut offset = (page - 1).saturating_mul(per_page);
    let mut per_page = per_page;
    let v8 = ctx.product == Product::Crm && ctx.version >= 80;
    if v8 && let Some(token) = param(&q, "page_token") {
        match st.page_tokens.get(token) {
            Some((key, off, pp)) if *key == t.key => {
                offset = *off;
                per_page = *pp;
            }
            _ => {
                return err::invalid_data(
                    "the page token given seems to be invalid or expired",
                    json!({ "param": "page_token" }),
                );
            }
        }
    }
    let all: Vec<&Attachment> = st
        .attachments
        .values()
        .filter(|a| a.product == ctx.product && a.module == t.module && a.record_id == t.id)
        .filter(|a| ids.as_ref().is_none_or(|ids| ids.contains(&a.id.as_str())))
        .collect();
    if all.is_empty() {
        return zoho::empty(StatusCode::NO_CONTENT);
    }
    let all: Vec<&Attachment> = match since {
        Some(s) => all.into_iter().filter(|a| a.modified > s).collect(),
        None => all,
    };
    if all.is_empty() {
        return zoho::empty(StatusCode::NOT_MODIFIED);
    }
    let total = all.len();
    let items: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(per_page)
        .map(|a| {
            let full = attachment_json(a, &t.name);
            if fields.is_empty() {
                return full;
            }
            let Value::Object(map) = full else {
                return full;
            };
            Value::Object(
                map.into_iter()
                    // Only what was asked, `$` fields too (`$link_url` tells a link from a
                    // file only when asked for), and `id` always.
                    .filter(|(k, _)| k == "id" || fields.contains(&k.as_str()))
                    .collect(),
            )
        })
        .collect();
    if items.is_empty() {
        return zoho::empty(StatusCode::NO_CONTENT);
    }
    let info = st.page_info(&t.key, offset, per_page, items.len(), total, v8);
    zoho::json(StatusCode::OK, &json!({ "data": items, "info": info }))
}

// ---------------------------------------------------------------------------------------------
// Multipart reading

/// Why a streamed part was refused.
enum PartError {
    TooLarge,
    BlockedType,
    NotAnImage,
    Broken,
    /// A file part beyond the endpoint's number of files.
    TooManyFiles(usize),
    /// A text field longer than [`MAX_TEXT_FIELD`].
    FieldTooLong(String),
    /// More than [`MAX_TEXT_FIELDS`] text fields.
    TooManyFields,
}

/// Longest text field of a multipart upload kept (a link, a title): beyond it the upload is
/// refused with 400 INVALID_DATA naming the field and the `maximum_length`, the shape of
/// Zoho's answer for an over-long field, and the rest of the body is read and dropped, so memory
/// stays flat whatever the client sends. Zoho documents no figure; 64 KiB is far above a URL.
pub const MAX_TEXT_FIELD: usize = 64 * 1024;

/// Most text fields in one upload (the endpoints read two at most).
const MAX_TEXT_FIELDS: usize = 32;

/// A file part stored as a blob.
struct StoredPart {
    blob: String,
    file_name: String,
    content_type: String,
    size: u64,
}

type Parts = multer::Multipart<'static>;

/// The multipart body of the request, taken from the slot.
fn multipart(req: &Request, ctx: &Ctx<'_>) -> Option<Parts> {
    let ct = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let boundary = multer::parse_boundary(ct).ok()?;
    let body = lock(ctx.body).take()?;
    Some(multer::Multipart::new(body.into_data_stream(), boundary))
}

/// Reads and discards the rest of a multipart body, so that the client can read our answer.
async fn drain(mut mp: Parts) {
    while let Ok(Some(mut field)) = mp.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

/// Streams one file part into a new blob, enforcing `max` bytes and the type rules.
async fn store_part(
    app: &App,
    field: &mut multer::Field<'static>,
    file_name: String,
    max: u64,
    blocked: &[String],
    image_only: bool,
) -> Result<StoredPart, PartError> {
    let declared = field.content_type().map(ToString::to_string);
    // `a.exe.` and `a.exe ` are `a.exe` on Windows.
    let ext = file_name
        .trim_end_matches(['.', ' '])
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    if ext.is_some_and(|e| blocked.iter().any(|b| b.eq_ignore_ascii_case(&e))) {
        while let Ok(Some(_)) = field.chunk().await {}
        return Err(PartError::BlockedType);
    }
    let key = lock(&app.state).new_secret("blob");
    let mut w: BlobWriter = app.blobs.writer(key).await.map_err(|_| PartError::Broken)?;
    let mut size = 0u64;
    let mut head: Vec<u8> = Vec::new();
    let mut refused = None;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => {
                refused = Some(PartError::Broken);
                break;
            }
        };
        size += chunk.len() as u64;
        if refused.is_some() {
            continue; // draining
        }
        if head.len() < 16 {
            head.extend_from_slice(&chunk[..chunk.len().min(16 - head.len())]);
        }
        if size > max {
            refused = Some(PartError::TooLarge);
            continue;
        }
        if w.write(&chunk).await.is_err() {
            refused = Some(PartError::Broken);
        }
    }
    let sniffed = sniff_image(&head);
    if refused.is_none() && image_only && sniffed.is_none() {
        refused = Some(PartError::NotAnImage);
    }
    if let Some(e) = refused {
        app.blobs.abort(w).await;
        return Err(e);
    }
    let blob = w.key().to_owned();
    app.blobs.finish(w).await.map_err(|_| PartError::Broken)?;
    let content_type = match (image_only, sniffed, declared) {
        (true, Some(s), _) => s.to_owned(),
        (_, _, Some(d)) => d,
        _ => String::from("application/octet-stream"),
    };
    Ok(StoredPart {
        blob,
        file_name,
        content_type,
        size,
    })
}

fn sniff_image(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if head.starts_with(b"BM") {
        Some("image/bmp")
    } else {
        None
    }
}

fn part_error(e: PartError, too_large: StatusCode) -> Response {
    match e {
        PartError::TooLarge => err::file_too_large(too_large),
        PartError::BlockedType => err::invalid_file_type(),
        PartError::NotAnImage => err::invalid_data("The image format is invalid.", json!({})),
        PartError::Broken => err::invalid_data("the request body could not be read", json!({})),
        PartError::TooManyFiles(1) => err::invalid_data(
            "only one file can be uploaded per request",
            json!({ "api_name": "file", "maximum_files": 1 }),
        ),
        PartError::TooManyFiles(n) => err::invalid_data(
            &format!("at most {n} files can be uploaded per request"),
            json!({ "api_name": "file", "maximum_files": n }),
        ),
        PartError::FieldTooLong(name) => err::invalid_data(
            "the field is longer than allowed",
            json!({ "api_name": name, "maximum_length": MAX_TEXT_FIELD }),
        ),
        PartError::TooManyFields => err::invalid_data(
            "the request has too many fields",
            json!({ "maximum_fields": MAX_TEXT_FIELDS }),
        ),
    }
}

/// The rules of one upload endpoint.
struct PartRules<'a> {
    max: u64,
    blocked: &'a [String],
    image_only: bool,
    max_files: usize,
    too_large: StatusCode,
}

/// What a multipart upload carried: stored file parts and text fields.
struct Upload {
    files: Vec<StoredPart>,
    fields: Vec<(String, String)>,
}

/// A text field's value, read up to [`MAX_TEXT_FIELD`] bytes: `Err` beyond it (the rest of the
/// field unread), `Ok(None)` when it is not UTF-8 or the body broke.
async fn bounded_text(field: &mut multer::Field<'static>) -> Result<Option<String>, ()> {
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_TEXT_FIELD => return Err(()),
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => return Ok(String::from_utf8(bytes).ok()),
            Err(_) => return Ok(None),
        }
    }
}

/// Reads a whole multipart body: parts named `file` with a file name are streamed into blobs
/// (one more than `max_files` refuses the upload: Zoho documents one file per attachment or
/// photo and ten per file-store call, and a part silently dropped would lose a file), text
/// fields are kept (each bounded), anything else (such as the empty `file` part Zoho's legacy
/// SDK sends with links) is read and dropped. On a refused part the rest of the
/// body is drained, stored blobs are removed, and the error answer is returned.
async fn read_upload(app: &App, mut mp: Parts, rules: PartRules<'_>) -> Result<Upload, Response> {
    let mut up = Upload {
        files: Vec::new(),
        fields: Vec::new(),
    };
    let failure = loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(up),
            Err(_) => break err::invalid_data("the request body could not be read", json!({})),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field
            .file_name()
            .map(str::to_owned)
            .filter(|f| !f.is_empty());
        let refused = match file_name {
            Some(_) if name == "file" && up.files.len() >= rules.max_files => {
                Some(PartError::TooManyFiles(rules.max_files))
            }
            None if name != "file" && up.fields.len() >= MAX_TEXT_FIELDS => {
                Some(PartError::TooManyFields)
            }
            _ => None,
        };
        if let Some(e) = refused {
            drop(field);
            drain(mp).await;
            break part_error(e, rules.too_large);
        }
        match file_name {
            Some(file_name) if name == "file" => {
                match store_part(
                    app,
                    &mut field,
                    file_name,
                    rules.max,
                    rules.blocked,
                    rules.image_only,
                )
                .await
                {
                    Ok(p) => up.files.push(p),
                    Err(e) => {
                        drop(field);
                        drain(mp).await;
                        break part_error(e, rules.too_large);
                    }
                }
            }
            None if name != "file" => match bounded_text(&mut field).await {
                Ok(Some(text)) => up.fields.push((name, text)),
                Ok(None) => {} // not text: dropped, as before
                Err(()) => {
                    drop(field);
                    drain(mp).await;
                    break part_error(PartError::FieldTooLong(name), rules.too_large);
                }
            },
            _ => while let Ok(Some(_)) = field.chunk().await {},
        }
    };
    for p in up.files {
        app.blobs.remove(&p.blob).await;
    }
    Err(failure)
}

// ---------------------------------------------------------------------------------------------
// Upload a file or a link

async fn upload(ctx: &Ctx<'_>, t: &Target, req: Request) -> Response {
    let q = query(&req);
    let mut link = param(&q, "attachmentUrl").map(str::to_owned);
    let mut title = param(&q, "title").map(str::to_owned);
    let mut stored: Option<StoredPart> = None;
    if let Some(mp) = multipart(&req, ctx) {
        if t.locked {
            drain(mp).await;
            return err::record_locked();
        }
        let limits = &ctx.app.config.limits;
        let rules = PartRules {
            max: limits.attachment_max_bytes,
            blocked: &limits.blocked_extensions,
            image_only: false,
            max_files: 1,
            too_large: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        };
        let up = match read_upload(ctx.app, mp, rules).await {
            Ok(up) => up,
            Err(e) => return e,
        };
        stored = up.files.into_iter().next();
        for (name, value) in up.fields {
            match name.as_str() {
                "attachmentUrl" => link = Some(value),
                "title" => title = Some(value),
                _ => {}
            }
        }
    } else if t.locked {
        return err::record_locked();
    }
    if let (Some(p), Some(_)) = (&stored, &link) {
        ctx.app.blobs.remove(&p.blob).await;
        return err::invalid_data(
            "you can add either a file or an attachment link in a single API call, not both",
            json!({}),
        );
    }
    if let Some(url) = &link {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) || url.len() > 2048 {
            return err::invalid_data("invalid data", json!({ "api_name": "attachmentUrl" }));
        }
    }
    let now = now_secs();
    let mut st = lock(&ctx.app.state);
    let id = st.new_id();
    let (file_name, size, content_type, file_id, link_url) = match (stored, link) {
        (Some(p), _) => {
            let file_id = st.new_secret("");
            st.files.insert(
                file_id.clone(),
                StoredFile {
                    name: p.file_name.clone(),
                    content_type: p.content_type.clone(),
                    size: p.size,
                    blob: p.blob,
                },
            );
            (p.file_name, p.size, p.content_type, Some(file_id), None)
        }
        (None, Some(url)) => {
            let name = title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| url.clone());
            (name, 0, String::new(), None, Some(url))
        }
        (None, None) => return err::required_param("file"),
    };
    let attachment = Attachment {
        id: id.clone(),
        product: ctx.product,
        module: t.module.to_owned(),
        record_id: t.id.clone(),
        file_name,
        size,
        content_type,
        created: now,
        modified: now,
        file_id,
        link_url,
    };
    st.attachments
        .insert(attachment_key(ctx.product, &id), attachment);
    ctx.app.persist(&st);
    let by = json!({ "name": USER_NAME, "id": USER_ID });
    zoho::json(
        StatusCode::OK,
        &json!({ "data": [success_item(
            json!({ "Modified_Time": iso(now), "Modified_By": by, "Created_Time": iso(now), "id": id, "Created_By": by }),
            "attachment uploaded successfully",
        )] }),
    )
}

// ---------------------------------------------------------------------------------------------
// Download

/// At most the first `n` bytes of a blob's stream.
fn first_bytes(
    stream: crate::store::ByteStream,
    n: u64,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send {
    stream.scan(n, |left, chunk| {
        let out = match chunk {
            Ok(_) if *left == 0 => None,
            Ok(c) => {
                let keep = usize::try_from(*left).unwrap_or(usize::MAX).min(c.len());
                *left -= keep as u64;
                Some(Ok(c.slice(..keep)))
            }
            Err(e) => Some(Err(e)),
        };
        futures_util::future::ready(out)
    })
}

/// Streams a blob as a file answer, cutting it short when a drop fault is planned.
pub(crate) async fn file_answer(app: &App, blob: &str, name: &str, content_type: &str) -> Response {
    let (len, stream) = match app.blobs.read(blob).await {
        Ok(x) => x,
        Err(_) => return err::internal_error(),
    };
    let short = lock(&app.faults).plan.short_downloads;
    let body = match faults::take_drop(app) {
        None => match short {
            Some(n) => Body::from_stream(first_bytes(stream, n)),
            None => Body::from_stream(stream),
        },
        Some(after) => {
            // Send the first `after` bytes, give them time to reach the socket, then fail the
            // body so that the connection is cut short of the declared Content-Length.
            let kept = first_bytes(stream, after);
            let cut = futures_util::stream::once(async {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                Err::<Bytes, _>(std::io::Error::other(
                    "connection dropped by fault injection",
                ))
            });
            Body::from_stream(kept.chain(cut))
        }
    };
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    if short.is_none() {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Ok(v) = HeaderValue::from_str(if content_type.is_empty() {
        "application/octet-stream"
    } else {
        content_type
    }) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&zoho::content_disposition(name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

async fn download(ctx: &Ctx<'_>, t: &Target, id: &str) -> Response {
    let found = {
        let st = lock(&ctx.app.state);
        st.attachments
            .get(&attachment_key(ctx.product, id))
            .filter(|a| a.module == t.module && a.record_id == t.id)
            .map(|a| {
                (
                    a.clone(),
                    a.file_id.as_ref().and_then(|f| st.files.get(f)).cloned(),
                )
            })
    };
    match found {
        None => err::invalid_data(
            "the related id given seems to be invalid",
            json!({ "id": id }),
        ),
        Some((a, None)) => err::invalid_data(
            "the attachment is a link and has no file to download",
            json!({ "id": a.id, "$link_url": a.link_url }),
        ),
        Some((a, Some(f))) => file_answer(ctx.app, &f.blob, &a.file_name, &a.content_type).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Delete

/// Removes one attachment of the target; its file-store entry and blob go with it.
fn remove_attachment(ctx: &Ctx<'_>, t: &Target, id: &str) -> Option<Option<String>> {
    let mut st = lock(&ctx.app.state);
    let key = attachment_key(ctx.product, id);
    let ours = st
        .attachments
        .get(&key)
        .is_some_and(|a| a.module == t.module && a.record_id == t.id);
    if !ours {
        return None;
    }
    let a = st.attachments.remove(&key)?;
    let blob = a.file_id.and_then(|f| st.files.remove(&f)).map(|f| f.blob);
    ctx.app.persist(&st);
    Some(blob)
}

fn delete_one(ctx: &Ctx<'_>, t: &Target, id: &str) -> Response {
    if t.locked {
        return err::record_locked();
    }
    match remove_attachment(ctx, t, id) {
        None => err::invalid_data(
            "the related id given seems to be invalid",
            json!({ "id": id }),
        ),
        Some(blob) => {
            ctx.app.remove_blob_later(blob);
            zoho::json(
                StatusCode::OK,
                &json!({ "data": [success_item(json!({ "id": id }), "record deleted")] }),
            )
        }
    }
}

/// `DELETE .../Attachments?ids=a,b,c`: one result per id; 200 when all succeed, 207 when some
/// do, 400 when none do.
fn delete_many(ctx: &Ctx<'_>, t: &Target, q: &[(String, String)]) -> Response {
    let Some(ids) = param(q, "ids").filter(|v| !v.trim().is_empty()) else {
        return err::required_param("ids");
    };
    let ids: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.len() > ctx.app.config.max_delete_ids {
        return err::invalid_data(
            "the number of ids exceeds the limit",
            json!({ "param": "ids", "maximum": ctx.app.config.max_delete_ids }),
        );
    }
    if t.locked {
        return err::record_locked();
    }
    let mut ok = 0;
    let items: Vec<Value> = ids
        .iter()
        .map(|id| match remove_attachment(ctx, t, id) {
            Some(blob) => {
                ctx.app.remove_blob_later(blob);
                ok += 1;
                success_item(json!({ "id": id }), "record deleted")
            }
            None => json!({
                "code": "INVALID_DATA",
                "details": { "id": id },
                "message": "the related id given seems to be invalid",
                "status": "error",
            }),
        })
        .collect();
    let status = if ok == ids.len() {
        StatusCode::OK
    } else if ok > 0 {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::BAD_REQUEST
    };
    zoho::json(status, &json!({ "data": items }))
}

// ---------------------------------------------------------------------------------------------
// Photo

async fn upload_photo(ctx: &Ctx<'_>, t: &Target, req: Request) -> Response {
    let Some(mp) = multipart(&req, ctx) else {
        return err::required_param("file");
    };
    if t.locked {
        drain(mp).await;
        return err::record_locked();
    }
    let rules = PartRules {
        max: ctx.app.config.limits.photo_max_bytes,
        blocked: &[],
        image_only: true,
        max_files: 1,
        too_large: StatusCode::UNSUPPORTED_MEDIA_TYPE,
    };
    let p = match read_upload(ctx.app, mp, rules).await {
        Ok(up) => match up.files.into_iter().next() {
            Some(p) => p,
            None => return err::required_param("file"),
        },
        Err(e) => return e,
    };
    let old = {
        let mut st = lock(&ctx.app.state);
        let old = st.photos.insert(
            t.key.clone(),
            Photo {
                file_name: p.file_name,
                content_type: p.content_type,
                size: p.size,
                blob: p.blob,
            },
        );
        ctx.app.persist(&st);
        old
    };
    ctx.app.remove_blob_later(old.map(|o| o.blob));
    zoho::json(
        StatusCode::OK,
        &json!({ "code": "SUCCESS", "details": {}, "message": "photo uploaded successfully", "status": "success" }),
    )
}

async fn download_photo(ctx: &Ctx<'_>, t: &Target) -> Response {
    let photo = lock(&ctx.app.state).photos.get(&t.key).cloned();
    match photo {
        None => zoho::empty(StatusCode::NO_CONTENT),
        Some(p) => file_answer(ctx.app, &p.blob, &p.file_name, &p.content_type).await,
    }
}

/// Deleting a photo that is not there succeeds too (the record ends without a photo either way).
fn delete_photo(ctx: &Ctx<'_>, t: &Target) -> Response {
    if t.locked {
        return err::record_locked();
    }
    let old = {
        let mut st = lock(&ctx.app.state);
        let old = st.photos.remove(&t.key);
        ctx.app.persist(&st);
        old
    };
    ctx.app.remove_blob_later(old.map(|o| o.blob));
    zoho::json(
        StatusCode::OK,
        &json!({ "code": "SUCCESS", "details": {}, "message": "Photo deleted", "status": "success" }),
    )
}

// ---------------------------------------------------------------------------------------------
// File store

async fn upload_files(ctx: &Ctx<'_>, req: Request) -> Response {
    let Some(mp) = multipart(&req, ctx) else {
        return err::required_param("file");
    };
    let limits = &ctx.app.config.limits;
    let rules = PartRules {
        max: limits.file_store_max_bytes,
        blocked: &limits.blocked_extensions,
        image_only: false,
        // Zoho: at most 10 files per call.
        max_files: 10,
        too_large: StatusCode::BAD_REQUEST,
    };
    // The file store's OpenAPI lists its refusals under 400 only.
    let stored = match read_upload(ctx.app, mp, rules).await {
        Ok(up) => up.files,
        Err(mut e) => {
            *e.status_mut() = StatusCode::BAD_REQUEST;
            return e;
        }
    };
    if stored.is_empty() {
        return err::required_param("file");
    }
    let mut st = lock(&ctx.app.state);
    let items: Vec<Value> = stored
        .into_iter()
        .map(|p| {
            let id = st.new_secret("");
            let item = success_item(json!({ "name": p.file_name, "id": id }), "file uploaded.");
            st.files.insert(
                id,
                StoredFile {
                    name: p.file_name,
                    content_type: p.content_type,
                    size: p.size,
                    blob: p.blob,
                },
            );
            item
        })
        .collect();
    ctx.app.persist(&st);
    zoho::json(StatusCode::OK, &json!({ "data": items }))
}

async fn get_file(ctx: &Ctx<'_>, q: &[(String, String)]) -> Response {
    let Some(id) = param(q, "id").filter(|v| !v.is_empty()) else {
        return err::required_param("id");
    };
    let file = lock(&ctx.app.state).files.get(id).cloned();
    match file {
        None => err::invalid_data("the id given seems to be invalid", json!({ "param": "id" })),
        Some(f) => file_answer(ctx.app, &f.blob, &f.name, &f.content_type).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Users and org (Zoho's SDKs call these at start-up)

fn users() -> Response {
    zoho::json(
        StatusCode::OK,
        &json!({
            "users": [{
                "id": USER_ID,
                "full_name": USER_NAME,
                "first_name": "Emulator",
                "last_name": "Admin",
                "email": USER_EMAIL,
                "status": "active",
                "confirm": true,
                "role": { "name": "CEO", "id": "5725767000000000011" },
                "profile": { "name": "Administrator", "id": "5725767000000000021" },
                "time_zone": "GMT",
                "locale": "en_US"
            }],
            "info": { "per_page": 200, "count": 1, "page": 1, "more_records": false }
        }),
    )
}

fn org() -> Response {
    zoho::json(
        StatusCode::OK,
        &json!({
            "org": [{
                "id": "5725767000000000031",
                "zgid": crate::store::ORG_ID,
                "company_name": "Emulator Org",
                "primary_email": USER_EMAIL,
                "domain_name": "org10234695",
                "time_zone": "GMT",
                "currency": "US Dollar - USD",
                "iso_code": "USD",
                "country_code": "US",
                "type": "production"
            }]
        }),
    )
}
