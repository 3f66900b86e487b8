//! The admin API under `/__emulator` (no token needed: it is a local test tool), and seeding.

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

/// The admin routes.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/stats", get(stats))
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
