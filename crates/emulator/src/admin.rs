//! The admin API under `/__emulator`, locked by the admin token the emulator makes at start,
//! and seeding.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::modules::{self, Product};
use crate::store::{
    self, AccessToken, Attachment, GrantCode, Photo, RefreshToken, StoredFile, lock,
};
use crate::zoho::now_secs;
use crate::{App, FaultPlan};

/// A new admin token: 128 bits from the process's random hasher keys, the time and the pid.
pub fn new_admin_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::from("admin.");
    for i in 0..2u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// Every admin call carries the admin token, as `Authorization: Bearer <token>` or
/// `X-Emulator-Token: <token>` (401 otherwise), and a request a browser page sent from another
/// origin is refused (403) even with it. A page cannot set either header on a cross-site request
/// without a CORS preflight, which the emulator never grants.
pub async fn guard(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = req.headers();
    let origin = headers
        .get(http::header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    if let Some(origin) = origin
        && origin != app.base_url
    {
        return refused(
            StatusCode::FORBIDDEN,
            "CROSS_ORIGIN",
            &format!("the admin API does not answer pages from {origin}"),
        );
    }
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let given = headers
        .get("x-emulator-token")
        .and_then(|v| v.to_str().ok())
        .or(bearer);
    if given != Some(app.admin_token.as_str()) {
        return refused(
            StatusCode::UNAUTHORIZED,
            "ADMIN_TOKEN_REQUIRED",
            "send the admin token the emulator printed at start (admin_token=...) as \
             `Authorization: Bearer <token>` or `X-Emulator-Token: <token>`",
        );
    }
    next.run(req).await
}

/// Every request's `Host` names this machine: an IP address, or `localhost` (or a name given with
/// `--allow-host`). A DNS name that resolves here only because someone rebound it gets 403, so a
/// web page cannot reach the emulator through its own domain.
pub async fn host_check(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    match host {
        Some(h) if !host_allowed(h, &app.allowed_hosts) => refused(
            StatusCode::FORBIDDEN,
            "HOST_NOT_ALLOWED",
            &format!(
                "Host `{h}` is not this machine's address: use an IP address or localhost, or \
                 start the emulator with --allow-host for that name"
            ),
        ),
        _ => next.run(req).await,
    }
}

fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // An IPv6 literal, `[::1]:8089`.
        return rest
            .split(']')
            .next()
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok());
    } else {
        host.rsplit_once(':').map_or(host, |(name, _port)| name)
    };
    name.parse::<std::net::Ipv4Addr>().is_ok()
        || name.eq_ignore_ascii_case("localhost")
        || name.to_ascii_lowercase().ends_with(".localhost")
        || allowed.iter().any(|a| a.eq_ignore_ascii_case(name))
}

fn refused(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "code": code, "status": "error", "message": message })),
    )
        .into_response()
}

/// The admin routes.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/stats", get(stats))
        .route("/requests", get(requests))
        .route(
            "/faults",
            get(get_faults).put(put_faults).delete(clear_faults),
        )
        .route("/records", get(list_records).post(add_record))
        .route("/records/lock", post(lock_record))
        .route("/grant-codes", post(new_grant_code))
        .route("/tokens", post(new_token))
        .route("/tokens/expire", post(expire))
}

async fn stats(State(app): State<Arc<App>>) -> Response {
    Json(lock(&app.stats).clone()).into_response()
}

async fn requests(State(app): State<Arc<App>>) -> Response {
    let recent: Vec<String> = lock(&app.recent).iter().cloned().collect();
    Json(recent).into_response()
}

async fn get_faults(State(app): State<Arc<App>>) -> Response {
    Json(lock(&app.faults).plan.clone()).into_response()
}

async fn put_faults(State(app): State<Arc<App>>, Json(plan): Json<FaultPlan>) -> Response {
    lock(&app.faults).set(plan.clone());
    Json(plan).into_response()
}

async fn clear_faults(State(app): State<Arc<App>>) -> Response {
    lock(&app.faults).set(FaultPlan::default());
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct RecordsQuery {
    product: Product,
    module: String,
}

async fn list_records(State(app): State<Arc<App>>, Query(q): Query<RecordsQuery>) -> Response {
    let st = lock(&app.state);
    let records: Vec<_> = st
        .records
        .values()
        .filter(|r| r.product == q.product && r.module.eq_ignore_ascii_case(&q.module))
        .map(|r| json!({ "id": r.id, "name": r.name, "locked": r.locked }))
        .collect();
    Json(json!({ "records": records })).into_response()
}

#[derive(Deserialize)]
struct NewRecord {
    product: Product,
    module: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    locked: bool,
}

async fn add_record(State(app): State<Arc<App>>, Json(r): Json<NewRecord>) -> Response {
    if let Some(id) = &r.id
        && (id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()))
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "id must be 1 to 20 digits" })),
        )
            .into_response();
    }
    let mut st = lock(&app.state);
    match st.add_record(r.product, &r.module, r.id, r.name, r.locked) {
        Some(id) => {
            app.persist(&st);
            (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
        }
        None => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unknown module" })),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
struct LockRecord {
    product: Product,
    module: String,
    id: String,
    #[serde(default = "yes")]
    locked: bool,
}

fn yes() -> bool {
    true
}

async fn lock_record(State(app): State<Arc<App>>, Json(r): Json<LockRecord>) -> Response {
    if set_locked(&app, r.product, &r.module, &r.id, r.locked) {
        Json(json!({ "id": r.id, "locked": r.locked })).into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "no such record" })),
        )
            .into_response()
    }
}

/// Locks or unlocks a record.
pub fn set_locked(app: &App, product: Product, module: &str, id: &str, locked: bool) -> bool {
    let Some(module) = modules::canonical(product, module) else {
        return false;
    };
    let mut st = lock(&app.state);
    let Some(r) = st.records.get_mut(&store::record_key(product, module, id)) else {
        return false;
    };
    r.locked = locked;
    app.persist(&st);
    true
}

#[derive(Deserialize)]
struct ScopeBody {
    scope: String,
}

async fn new_grant_code(State(app): State<Arc<App>>, Json(b): Json<ScopeBody>) -> Response {
    let code = grant_code(&app, crate::oauth::split_scopes(&b.scope));
    Json(json!({ "code": code, "client_id": store::CLIENT_ID })).into_response()
}

/// Issues a grant code valid for 3 minutes.
pub fn grant_code(app: &App, scopes: Vec<String>) -> String {
    let mut st = lock(&app.state);
    let code = st.new_secret("1000.");
    st.grant_codes.insert(
        code.clone(),
        GrantCode {
            client_id: store::CLIENT_ID.to_owned(),
            scopes,
            expires_at_ms: app.now_ms() + 180_000,
            dc: None,
        },
    );
    app.persist(&st);
    code
}

async fn new_token(State(app): State<Arc<App>>, Json(b): Json<ScopeBody>) -> Response {
    let token = mint(&app, crate::oauth::split_scopes(&b.scope));
    Json(json!({ "access_token": token })).into_response()
}

/// Mints an access token with these scopes and the configured lifetime.
pub fn mint(app: &App, scopes: Vec<String>) -> String {
    let mut st = lock(&app.state);
    let token = st.new_secret("1000.");
    let lifetime = lock(&app.faults)
        .plan
        .token_lifetime_secs
        .unwrap_or(app.config.token_lifetime_secs);
    st.access_tokens.insert(
        token.clone(),
        AccessToken {
            scopes,
            expires_at_ms: Some(app.now_ms() + (lifetime as i64) * 1000),
            refresh: None,
            dc: None,
        },
    );
    app.persist(&st);
    token
}

async fn expire(State(app): State<Arc<App>>) -> Response {
    Json(json!({ "expired": expire_tokens(&app) })).into_response()
}

/// Expires every access token now.
pub fn expire_tokens(app: &App) -> usize {
    let mut st = lock(&app.state);
    let now = app.now_ms();
    let mut n = 0;
    for t in st.access_tokens.values_mut() {
        t.expires_at_ms = Some(now - 1);
        n += 1;
    }
    app.persist(&st);
    n
}

/// Fills a fresh emulator: the OAuth client and tokens, three records in every module, the
/// records and attachments the doc pages' samples use, and one locked record per product.
pub async fn seed(app: &App) -> std::io::Result<()> {
    let blobs = seed_state(app);
    for (key, data) in blobs {
        app.blobs.put(&key, data).await?;
    }
    Ok(())
}

/// The state part of [`seed`]; returns the blobs to write.
fn seed_state(app: &App) -> Vec<(String, &'static [u8])> {
    let mut st = lock(&app.state);
    st.clients
        .insert(store::CLIENT_ID.into(), store::CLIENT_SECRET.into());
    let all: Vec<String> = store::ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    st.refresh_tokens.insert(
        store::REFRESH_TOKEN.into(),
        RefreshToken {
            client_id: store::CLIENT_ID.into(),
            scopes: all.clone(),
            dc: None,
        },
    );
    st.access_tokens.insert(
        store::ACCESS_TOKEN.into(),
        AccessToken {
            scopes: all,
            expires_at_ms: None,
            refresh: None,
            dc: None,
        },
    );
    for (product, prefix) in [
        (Product::Crm, "5725767000000"),
        (Product::Bigin, "5725768000000"),
    ] {
        let names: Vec<&str> = modules::all(product).collect();
        for (i, module) in names.iter().enumerate() {
            for n in 1..=3 {
                let id = format!("{prefix}{:02}{n:04}", i + 1);
                st.add_record(product, module, Some(id), None, false);
            }
        }
        let locked = format!("{prefix}019999");
        let module = if product == Product::Crm {
            "Leads"
        } else {
            "Contacts"
        };
        st.add_record(
            product,
            module,
            Some(locked),
            Some(String::from("Locked record")),
            true,
        );
    }
    // The doc pages' sample ids (zoho-docs/*.txt), so their curl commands work as written.
    for id in ["1000000231009", "3000000038009", "2883756000000261075"] {
        st.add_record(Product::Crm, "Leads", Some(id.into()), None, false);
    }
    st.add_record(
        Product::Bigin,
        "Contacts",
        Some("2883756000000261075".into()),
        None,
        false,
    );
    let now = now_secs();
    let sample: &'static [u8] = b"Sample attachment seeded by zoho-emulator.\n";
    let mut blobs = Vec::new();
    for (product, module) in [(Product::Crm, "Leads"), (Product::Bigin, "Contacts")] {
        let file_id = st.new_secret("");
        let blob = st.new_secret("blob");
        st.files.insert(
            file_id.clone(),
            StoredFile {
                name: "sample.txt".into(),
                content_type: "text/plain".into(),
                size: sample.len() as u64,
                blob: blob.clone(),
            },
        );
        st.attachments.insert(
            store::attachment_key(product, "2883756000000261017"),
            Attachment {
                id: "2883756000000261017".into(),
                product,
                module: module.into(),
                record_id: "2883756000000261075".into(),
                file_name: "sample.txt".into(),
                size: sample.len() as u64,
                content_type: "text/plain".into(),
                created: now,
                modified: now,
                file_id: Some(file_id),
                link_url: None,
            },
        );
        blobs.push((blob, sample));
    }
    for (module, record, field, id, name, bytes) in crate::field_files::SEEDED {
        let file_id = st.new_secret("");
        let blob = st.new_secret("blob");
        st.files.insert(
            file_id.clone(),
            StoredFile {
                name: (*name).into(),
                content_type: "application/pdf".into(),
                size: bytes.len() as u64,
                blob: blob.clone(),
            },
        );
        let key = store::field_key(&store::record_key(Product::Crm, module, record), field);
        st.field_files.insert(
            key,
            vec![store::FieldFile {
                id: (*id).into(),
                file_id,
            }],
        );
        blobs.push((blob, *bytes));
    }
    let photo_blob = st.new_secret("blob");
    st.photos.insert(
        store::record_key(Product::Crm, "Leads", "3000000038009"),
        Photo {
            file_name: "3000000038009.png".into(),
            content_type: "image/png".into(),
            size: store::TINY_PNG.len() as u64,
            blob: photo_blob.clone(),
        },
    );
    blobs.push((photo_blob, store::TINY_PNG));
    app.persist(&st);
    blobs
}

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn hosts_of_this_machine_pass_and_other_names_do_not() {
        let none: &[String] = &[];
        for ok in [
            "127.0.0.1:8089",
            "127.0.0.1",
            "[::1]:8089",
            "localhost:1",
            "api.localhost:2",
            "10.0.0.2:80",
        ] {
            assert!(host_allowed(ok, none), "{ok}");
        }
        for bad in [
            "evil.example:8089",
            "evil.example",
            "127.0.0.1.nip.io:8089",
            "[evil]:1",
            "localhost.evil.example",
        ] {
            assert!(!host_allowed(bad, none), "{bad}");
        }
        assert!(host_allowed("crm.test:8089", &[String::from("crm.test")]));
    }
}
