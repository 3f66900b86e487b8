//! Zoho Accounts: `POST /oauth/v2/token` (refresh_token, authorization_code,
//! client_credentials), `POST /oauth/v2/token/revoke`, and the token and scope checks of API
//! calls (zoho-api-facts §6).
//!
//! Refusals are answered as Zoho answers them: HTTP 200 with `{"error": "..."}`.
//!
//! Several data centres, as Zoho runs them (zoho-api-facts §7): each has its accounts server
//! under `/accounts/{dc}` and its API under `/dc/{dc}`. The consent page (`GET /oauth/v2/auth`)
//! approves at once and redirects with `code`, `location` (the org's data centre) and
//! `accounts-server`; a grant or refresh token works only at its own data centre's accounts
//! server (`invalid_code` elsewhere), the client only where it is enabled (`invalid_client`),
//! a token answer's `api_domain` is its data centre's API, and the limit of tokens per refresh
//! token counts across every accounts server. The root `/oauth/v2/token` is the org's own
//! data centre, with the emulator itself as `api_domain`.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::response::Response;
use http::{HeaderMap, StatusCode, header};
use serde_json::json;

use crate::App;
use crate::modules::Product;
use crate::store::{AccessToken, RefreshToken, lock};
use crate::zoho::{self, err};

fn oauth_error(error: &str) -> Response {
    zoho::json(StatusCode::OK, &json!({ "error": error }))
}

/// Query and form-body parameters together (Zoho accepts either).
async fn params(req: Request) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form && let Ok(body) = axum::body::to_bytes(req.into_body(), 64 * 1024).await {
        out.extend(form_urlencoded::parse(&body).into_owned());
    }
    out
}

fn get<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Splits a scope parameter (`a,b` or `a b`).
pub fn split_scopes(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A data centre the emulator serves, or 404 as a host that does not exist.
fn known_dc(dc: &str) -> Result<String, Response> {
    let dc = dc.to_ascii_lowercase();
    if crate::DATA_CENTRES.contains(&dc.as_str()) {
        Ok(dc)
    } else {
        Err(err::invalid_url_pattern())
    }
}

/// `GET /oauth/v2/auth`: Zoho's consent page, approved at once.
pub async fn consent(State(app): State<Arc<App>>, req: Request) -> Response {
    approve(&app, req).await
}

/// `GET /accounts/{dc}/oauth/v2/auth`.
pub async fn consent_at(
    State(app): State<Arc<App>>,
    Path(dc): Path<String>,
    req: Request,
) -> Response {
    match known_dc(&dc) {
        Ok(_) => approve(&app, req).await,
        Err(resp) => resp,
    }
}

/// Redirects to `redirect_uri` with a grant code for the org's data centre, its `location` and
/// its `accounts-server`, or with `error=` for a request Zoho's page would refuse.
async fn approve(app: &App, req: Request) -> Response {
    let p = params(req).await;
    let Some(redirect) = get(&p, "redirect_uri").filter(|r| r.starts_with("http")) else {
        // Zoho shows an error page: there is nowhere to redirect to.
        return zoho::json(
            StatusCode::BAD_REQUEST,
            &json!({ "error": "invalid_redirect_uri" }),
        );
    };
    let mut q = form_urlencoded::Serializer::new(String::new());
    let known = get(&p, "client_id").is_some_and(|c| lock(&app.state).clients.contains_key(c));
    if !known {
        q.append_pair("error", "invalid_client");
    } else if get(&p, "response_type") != Some("code") {
        q.append_pair("error", "unsupported_response_type");
    } else if let Some(scope) = get(&p, "scope") {
        let home = app.config.home_data_centre.to_ascii_lowercase();
        let code = crate::admin::grant_code(app, split_scopes(scope));
        q.append_pair("code", &code)
            .append_pair("location", &home)
            .append_pair(
                "accounts-server",
                &format!("{}/accounts/{home}", app.base_url),
            );
    } else {
        q.append_pair("error", "invalid_scope");
    }
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let location = format!("{redirect}{sep}{}", q.finish());
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, location)
        .body(axum::body::Body::empty())
        .unwrap_or_default()
}

/// `POST /oauth/v2/token`: the org's own data centre.
pub async fn token(State(app): State<Arc<App>>, req: Request) -> Response {
    issue(&app, None, req).await
}

/// `POST /accounts/{dc}/oauth/v2/token`.
pub async fn token_at(
    State(app): State<Arc<App>>,
    Path(dc): Path<String>,
    req: Request,
) -> Response {
    match known_dc(&dc) {
        Ok(dc) => issue(&app, Some(dc), req).await,
        Err(resp) => resp,
    }
}

async fn issue(app: &App, at: Option<String>, req: Request) -> Response {
    lock(&app.stats).token_requests += 1;
    let p = params(req).await;
    let (Some(client_id), Some(secret)) = (get(&p, "client_id"), get(&p, "client_secret")) else {
        return oauth_error("invalid_client");
    };
    let home = app.config.home_data_centre.to_ascii_lowercase();
    let dc = at.clone().unwrap_or_else(|| home.clone());
    // Grants and refresh tokens of the org's own data centre carry `None`.
    let belongs = |owner: &Option<String>| owner.as_deref().unwrap_or(&home) == dc;
    let enabled = at.is_none() || app.config.client_data_centres.iter().any(|d| d == &dc);
    let mut st = lock(&app.state);
    if st.clients.get(client_id).map(String::as_str) != Some(secret) || !enabled {
        return oauth_error("invalid_client");
    }
    let now = app.now_ms();
    let (scopes, refresh, new_refresh) = match get(&p, "grant_type") {
        Some("refresh_token") => {
            let Some(rt) = get(&p, "refresh_token") else {
                return oauth_error("invalid_code");
            };
            match st.refresh_tokens.get(rt) {
                Some(r) if r.client_id == client_id && belongs(&r.dc) => {
                    (r.scopes.clone(), Some(rt.to_owned()), None)
                }
                _ => return oauth_error("invalid_code"),
            }
        }
        Some("authorization_code") => {
            let Some(code) = get(&p, "code") else {
                return oauth_error("invalid_code");
            };
            // Another data centre's accounts server does not know the code: it stays unused.
            if st.grant_codes.get(code).is_some_and(|g| !belongs(&g.dc)) {
                return oauth_error("invalid_code");
            }
            match st.grant_codes.remove(code) {
                Some(g) if g.client_id == client_id && g.expires_at_ms > now => {
                    let rt = st.new_secret("1000.");
                    st.refresh_tokens.insert(
                        rt.clone(),
                        RefreshToken {
                            client_id: client_id.to_owned(),
                            scopes: g.scopes.clone(),
                            dc: g.dc.clone(),
                        },
                    );
                    (g.scopes, Some(rt.clone()), Some(rt))
                }
                _ => return oauth_error("invalid_code"),
            }
        }
        Some("client_credentials") => {
            let Some(scope) = get(&p, "scope") else {
                return oauth_error("invalid_scope");
            };
            let org_ok = get(&p, "soid").is_some_and(|s| {
                s.split_once('.').is_some_and(|(prefix, org)| {
                    (prefix == "ZohoCRM" || prefix == "ZohoBigin") && org == crate::store::ORG_ID
                })
            });
            if !org_ok {
                return oauth_error("missing_org_info");
            }
            (split_scopes(scope), None, None)
        }
        _ => return oauth_error("unsupported_grant_type"),
    };
    // Zoho's limit: N access tokens per refresh token per window (10 per 10 minutes).
    let mut in_window = 0;
    if let Some(rt) = &refresh {
        let (limit, window) = (app.config.token_limit, app.config.token_limit_window_ms());
        let log = st.mint_log.entry(rt.clone()).or_default();
        log.retain(|t| now - t < window);
        if log.len() >= limit {
            drop(st);
            lock(&app.stats).token_limit_refusals += 1;
            return zoho::json(
                StatusCode::OK,
                &json!({
                    "error_description": "You have made too many requests continuously. Please try again after some time.",
                    "error": "Access Denied",
                    "status": "failure"
                }),
            );
        }
        log.push(now);
        in_window = log.len() as u64;
    }
    let (lifetime_secs, api_domain) = {
        let f = lock(&app.faults);
        let lifetime = f
            .plan
            .token_lifetime_secs
            .unwrap_or(app.config.token_lifetime_secs);
        let own = match &at {
            Some(dc) => format!("{}/dc/{dc}", app.base_url),
            None => app.base_url.clone(),
        };
        (lifetime, f.plan.api_domain.clone().unwrap_or(own))
    };
    let access = st.new_secret("1000.");
    st.access_tokens.insert(
        access.clone(),
        AccessToken {
            scopes: scopes.clone(),
            expires_at_ms: Some(now + (lifetime_secs as i64) * 1000),
            refresh,
            dc: at,
        },
    );
    app.persist(&st);
    drop(st);
    let mut stats = lock(&app.stats);
    stats.tokens_issued += 1;
    stats.most_tokens_in_a_window = stats.most_tokens_in_a_window.max(in_window);
    drop(stats);
    let mut body = json!({
        "access_token": access,
        "api_domain": api_domain,
        "token_type": "Bearer",
        "expires_in": lifetime_secs,
    });
    if let Some(rt) = new_refresh {
        body["refresh_token"] = json!(rt);
    }
    if get(&p, "grant_type") == Some("client_credentials") {
        body["scope"] = json!(scopes.join(" "));
    }
    zoho::json(StatusCode::OK, &body)
}

/// `POST /oauth/v2/token/revoke` with `token` in the query or the form body.
pub async fn revoke(State(app): State<Arc<App>>, req: Request) -> Response {
    let p = params(req).await;
    let Some(token) = get(&p, "token") else {
        return oauth_error("invalid_token");
    };
    let mut st = lock(&app.state);
    // A revoked refresh token is gone, with every access token it minted.
    let found = if st.refresh_tokens.remove(token).is_some() {
        st.mint_log.remove(token);
        st.access_tokens
            .retain(|_, a| a.refresh.as_deref() != Some(token));
        true
    } else {
        st.access_tokens.remove(token).is_some()
    };
    app.persist(&st);
    if found {
        zoho::json(StatusCode::OK, &json!({ "status": "success" }))
    } else {
        oauth_error("invalid_token")
    }
}

/// What an API call needs from the token's scopes.
pub enum Need<'a> {
    /// Module scope and attachments scope.
    Attachments { module: &'a str, op: Op },
    /// Module scope only.
    Photo { module: &'a str, op: Op },
    /// `ZohoCRM.files.*` (or `ZohoFiles.files.ALL`).
    Files(Op),
    /// `ZohoCRM.users.*`.
    Users,
    /// `ZohoCRM.org.*`.
    Org,
    /// `{ZohoCRM,ZohoBigin}.settings.ALL` or `.settings.READ`, or `.settings.<name>.READ`
    /// (`modules`, `fields`).
    Settings(&'a str),
}

/// The operation type of a scope.
#[derive(Clone, Copy)]
pub enum Op {
    /// READ (or ALL).
    Read,
    /// CREATE, WRITE (or ALL).
    Create,
    /// DELETE (or ALL).
    Delete,
    /// UPDATE, WRITE (or ALL).
    Update,
}

fn op_ok(op: Op, s: &str) -> bool {
    let s = s.to_ascii_uppercase();
    s == "ALL"
        || match op {
            Op::Read => s == "READ",
            Op::Create => s == "CREATE" || s == "WRITE",
            Op::Delete => s == "DELETE",
            Op::Update => s == "UPDATE" || s == "WRITE",
        }
}

/// True when `scopes` grant `need` for `product` (zoho-api-facts §0, §2, §3.2).
pub fn grants(scopes: &[String], product: Product, need: &Need<'_>) -> bool {
    let prefix = product.scope_prefix();
    let parts: Vec<Vec<&str>> = scopes.iter().map(|s| s.split('.').collect()).collect();
    let has = |pred: &dyn Fn(&[&str]) -> bool| parts.iter().any(|p| pred(p));
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let modules_all =
        has(&|p| p.len() == 3 && is(p[0], prefix) && is(p[1], "modules") && is(p[2], "ALL"));
    let module_op = |module: &str, op: Op| {
        modules_all
            || has(&|p| {
                p.len() == 4
                    && is(p[0], prefix)
                    && is(p[1], "modules")
                    && is(p[2], module)
                    && op_ok(op, p[3])
            })
    };
    let family = |name: &str, op: Op| {
        has(&|p| p.len() == 3 && is(p[0], prefix) && is(p[1], name) && op_ok(op, p[2]))
    };
    match need {
        Need::Attachments { module, op } => {
            modules_all || (module_op(module, *op) && module_op("attachments", *op))
        }
        Need::Photo { module, op } => module_op(module, *op),
        Need::Files(op) => {
            family("files", *op)
                || has(&|p| {
                    p.len() == 3 && is(p[0], "ZohoFiles") && is(p[1], "files") && is(p[2], "ALL")
                })
        }
        Need::Users => family("users", Op::Read),
        Need::Org => family("org", Op::Read),
        Need::Settings(name) => {
            family("settings", Op::Read)
                || has(&|p| {
                    p.len() == 4
                        && is(p[0], prefix)
                        && is(p[1], "settings")
                        && is(p[2], name)
                        && op_ok(Op::Read, p[3])
                })
        }
    }
}

/// Checks `Authorization: Zoho-oauthtoken <token>`; returns the token's scopes. Under `/dc/{dc}`
/// (`dc`), a token of another data centre is unknown there: `INVALID_TOKEN`.
pub fn check_token(
    app: &App,
    headers: &HeaderMap,
    dc: Option<&str>,
) -> Result<Vec<String>, Response> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(err::authentication_failure());
    };
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return Err(err::invalid_token());
    };
    if !scheme.eq_ignore_ascii_case("Zoho-oauthtoken") {
        return Err(err::invalid_token());
    }
    let st = lock(&app.state);
    match st.access_tokens.get(token.trim()) {
        None => Err(err::invalid_token()),
        Some(t) if t.expires_at_ms.is_some_and(|e| e <= app.now_ms()) => {
            drop(st);
            lock(&app.stats).injected.expired_tokens += 1;
            Err(err::invalid_token())
        }
        Some(t)
            if dc.is_some_and(|d| {
                t.dc.as_deref()
                    .unwrap_or(&app.config.home_data_centre)
                    .ne(d)
            }) =>
        {
            Err(err::invalid_token())
        }
        Some(t) => Ok(t.scopes.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn scope_grammar() {
        let att = Need::Attachments {
            module: "Leads",
            op: Op::Delete,
        };
        assert!(grants(&s(&["ZohoCRM.modules.ALL"]), Product::Crm, &att));
        assert!(!grants(&s(&["ZohoBigin.modules.ALL"]), Product::Crm, &att));
        assert!(!grants(
            &s(&["ZohoCRM.modules.leads.DELETE"]),
            Product::Crm,
            &att
        ));
        assert!(grants(
            &s(&[
                "ZohoCRM.modules.leads.DELETE",
                "ZohoCRM.modules.attachments.DELETE"
            ]),
            Product::Crm,
            &att
        ));
        assert!(!grants(
            &s(&[
                "ZohoCRM.modules.leads.READ",
                "ZohoCRM.modules.attachments.ALL"
            ]),
            Product::Crm,
            &att
        ));
        let photo = Need::Photo {
            module: "Contacts",
            op: Op::Create,
        };
        assert!(grants(
            &s(&["ZohoBigin.modules.Contacts.WRITE"]),
            Product::Bigin,
            &photo
        ));
        assert!(!grants(
            &s(&["ZohoBigin.modules.Contacts.READ"]),
            Product::Bigin,
            &photo
        ));
        assert!(grants(
            &s(&["ZohoCRM.files.CREATE"]),
            Product::Crm,
            &Need::Files(Op::Create)
        ));
        assert!(!grants(
            &s(&["ZohoCRM.files.READ"]),
            Product::Crm,
            &Need::Files(Op::Create)
        ));
    }
}
