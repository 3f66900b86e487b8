//! Zoho Accounts: `POST /oauth/v2/token` (refresh_token, authorization_code,
//! client_credentials), `POST /oauth/v2/token/revoke`, and the token and scope checks of API
//! calls (zoho-api-facts §6).
//!
//! Refusals are answered as Zoho answers them: HTTP 200 with `{"error": "..."}`.

use std::sync::Arc;

use axum::extract::{Request, State};
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

/// `POST /oauth/v2/token`
pub async fn token(State(app): State<Arc<App>>, req: Request) -> Response {
    lock(&app.stats).token_requests += 1;
    let p = params(req).await;
    let (Some(client_id), Some(secret)) = (get(&p, "client_id"), get(&p, "client_secret")) else {
        return oauth_error("invalid_client");
    };
    let mut st = lock(&app.state);
    if st.clients.get(client_id).map(String::as_str) != Some(secret) {
        return oauth_error("invalid_client");
    }
    let now = app.now_ms();
    let (scopes, refresh, new_refresh) = match get(&p, "grant_type") {
        Some("refresh_token") => {
            let Some(rt) = get(&p, "refresh_token") else {
                return oauth_error("invalid_code");
            };
            match st.refresh_tokens.get(rt) {
                Some(r) if r.client_id == client_id => {
                    (r.scopes.clone(), Some(rt.to_owned()), None)
                }
                _ => return oauth_error("invalid_code"),
            }
        }
        Some("authorization_code") => {
            let Some(code) = get(&p, "code") else {
                return oauth_error("invalid_code");
            };
            match st.grant_codes.remove(code) {
                Some(g) if g.client_id == client_id && g.expires_at_ms > now => {
                    let rt = st.new_secret("1000.");
                    st.refresh_tokens.insert(
                        rt.clone(),
                        RefreshToken {
                            client_id: client_id.to_owned(),
                            scopes: g.scopes.clone(),
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
        let domain = f.plan.api_domain.clone();
        (lifetime, domain.unwrap_or_else(|| app.base_url.clone()))
    };
    let access = st.new_secret("1000.");
    st.access_tokens.insert(
        access.clone(),
        AccessToken {
            scopes: scopes.clone(),
            expires_at_ms: Some(now + (lifetime_secs as i64) * 1000),
            refresh,
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
}

fn op_ok(op: Op, s: &str) -> bool {
    let s = s.to_ascii_uppercase();
    s == "ALL"
        || match op {
            Op::Read => s == "READ",
            Op::Create => s == "CREATE" || s == "WRITE",
            Op::Delete => s == "DELETE",
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
    }
}

/// Checks `Authorization: Zoho-oauthtoken <token>`; returns the token's scopes.
pub fn check_token(app: &App, headers: &HeaderMap) -> Result<Vec<String>, Response> {
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
