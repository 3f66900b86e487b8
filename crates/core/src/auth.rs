//! OAuth with Zoho Accounts as pure logic: token requests, token answers, expiry, and the
//! `Authorization` header. Time is always passed in; nothing here reads a clock.
//!
//! Secrets travel in form-encoded bodies, never in URLs; they print as `[redacted]`.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, header};
use serde::Deserialize;

use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::{Error, InputError, OAuthError};
use crate::response;

/// A secret string (client secret, refresh token, access token, grant code). Its `Debug` and
/// `Display` print `[redacted]`; read it with [`expose`](Secret::expose).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret text, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Sets `Authorization: Zoho-oauthtoken <token>` on a request, marked sensitive so that HTTP
/// libraries keep it out of their logs.
pub fn authorize<B>(req: &mut Request<B>, token: &Secret) -> Result<(), Error> {
    let mut v =
        HeaderValue::try_from(format!("Zoho-oauthtoken {}", token.expose())).map_err(|_| {
            InputError::Invalid {
                what: "access token",
                value: String::from("[redacted]"),
                why: "it contains characters not allowed in a header",
            }
        })?;
    v.set_sensitive(true);
    req.headers_mut().insert(header::AUTHORIZATION, v);
    Ok(())
}

/// The app's OAuth client, from Zoho's API console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    /// The client id (not secret).
    pub id: String,
    /// The client secret.
    pub secret: Secret,
}

/// What a token request trades for an access token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A long-lived refresh token.
    RefreshToken(Secret),
    /// A one-time grant code (valid minutes) and the redirect URI it was issued for. Self-client
    /// codes use the redirect URI registered for the client, if any.
    AuthorizationCode {
        /// The grant code.
        code: Secret,
        /// The redirect URI, when the client has one.
        redirect_uri: Option<String>,
    },
    /// The client-credentials flow of a self client: scopes and the org (`soid`, given as
    /// `ZohoCRM.{org id}` or `ZohoBigin.{org id}`).
    ClientCredentials {
        /// Comma-separated scopes, e.g. `ZohoCRM.modules.ALL`.
        scope: String,
        /// The org, e.g. `ZohoCRM.12345678`.
        soid: String,
    },
}

/// `POST {accounts}/oauth/v2/token` with a form-encoded body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// The accounts server of the account's data centre.
    pub accounts: BaseUrl,
    /// The OAuth client.
    pub client: Client,
    /// What to trade.
    pub grant: Grant,
}

fn form(pairs: &[(&str, &str)]) -> Bytes {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    Bytes::from(ser.finish())
}

fn form_request(accounts: &BaseUrl, path: &str, body: Bytes) -> Result<Request<Body>, Error> {
    let uri = accounts.join(path, &[], &[])?;
    let len = body.len();
    let mut req = Request::new(Body::Bytes(body));
    *req.method_mut() = Method::POST;
    *req.uri_mut() = uri;
    let h = req.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    Ok(req)
}

fn non_empty(what: &'static str, v: &str) -> Result<(), InputError> {
    if v.trim().is_empty() {
        Err(InputError::Empty { what })
    } else {
        Ok(())
    }
}

impl TokenRequest {
    /// Builds the request. Fails when a required value is empty.
    pub fn request(&self) -> Result<Request<Body>, Error> {
        non_empty("the OAuth client id", &self.client.id)?;
        non_empty("the OAuth client secret", self.client.secret.expose())?;
        let id = self.client.id.as_str();
        let secret = self.client.secret.expose();
        let body = match &self.grant {
            Grant::RefreshToken(t) => {
                non_empty("the refresh token", t.expose())?;
                form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", id),
                    ("client_secret", secret),
                    ("refresh_token", t.expose()),
                ])
            }
            Grant::AuthorizationCode { code, redirect_uri } => {
                non_empty("the grant code", code.expose())?;
                let mut pairs = vec![
                    ("grant_type", "authorization_code"),
                    ("client_id", id),
                    ("client_secret", secret),
                    ("code", code.expose()),
                ];
                if let Some(r) = redirect_uri {
                    pairs.push(("redirect_uri", r));
                }
                form(&pairs)
            }
            Grant::ClientCredentials { scope, soid } => {
                non_empty("the scope", scope)?;
                non_empty("the org id (soid)", soid)?;
                form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", id),
                    ("client_secret", secret),
                    ("scope", scope),
                    ("soid", soid),
                ])
            }
        };
        form_request(&self.accounts, "/oauth/v2/token", body)
    }

    /// Reads the answer at time `now`. Zoho reports refusals as `{"error": ...}`, often with
    /// HTTP 200; those become [`Error::OAuth`].
    pub fn response(&self, resp: Response<Bytes>, now: SystemTime) -> Result<Token, Error> {
        let status = resp.status();
        let body = resp.body();
        let value: serde_json::Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => return Err(withheld(&resp)),
        };
        if let Some(e) = oauth_error(status, &value, &self.accounts) {
            return Err(e.into());
        }
        if !status.is_success() {
            return Err(withheld(&resp));
        }
        let raw: RawToken = response::decode(status, body).map_err(|e| match e {
            Error::Decode {
                status,
                path,
                message,
                ..
            } => Error::Decode {
                status,
                path,
                message,
                body: redact_token_body(&value),
            },
            other => other,
        })?;
        let expires_in = raw.lifetime();
        Ok(Token {
            access_token: raw.access_token,
            refresh_token: raw.refresh_token.filter(|t| !t.is_empty()),
            api_domain: raw.api_domain.and_then(|d| BaseUrl::new(d).ok()),
            scope: raw.scope,
            expires_at: now.checked_add(expires_in).unwrap_or(now),
            expires_in,
        })
    }
}

fn oauth_error(
    status: http::StatusCode,
    v: &serde_json::Value,
    accounts: &BaseUrl,
) -> Option<OAuthError> {
    let error = v.get("error")?;
    let error = error
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| error.to_string());
    Some(OAuthError {
        status,
        error,
        description: v
            .get("error_description")
            .and_then(|d| d.as_str())
            .map(str::to_owned),
        accounts: Some(accounts.clone()),
    })
}

/// An unexpected answer of the accounts server, without its body: an echoing error page or a
/// proxy may repeat the client secret or a token, so only its size is kept.
fn withheld(resp: &Response<Bytes>) -> Error {
    let mut e = response::unexpected(resp);
    if let Error::UnexpectedResponse { body, .. } = &mut e {
        *body = Bytes::from(format!(
            "[{} bytes withheld: an accounts server answer may hold secrets]",
            resp.body().len()
        ));
    }
    e
}

/// The answer body with every token value replaced, for error reports.
fn redact_token_body(v: &serde_json::Value) -> Bytes {
    let mut v = v.clone();
    if let Some(obj) = v.as_object_mut() {
        for key in ["access_token", "refresh_token", "id_token"] {
            if let Some(slot) = obj.get_mut(key) {
                *slot = serde_json::Value::String(String::from("[redacted]"));
            }
        }
    }
    Bytes::from(v.to_string())
}

#[derive(Deserialize)]
struct RawToken {
    access_token: Secret,
    #[serde(default)]
    refresh_token: Option<Secret>,
    #[serde(default)]
    api_domain: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    expires_in_sec: Option<u64>,
}

/// Longest lifetime taken as seconds. Zoho's access tokens live one hour; a larger
/// `expires_in` without `expires_in_sec` can only be milliseconds.
const MAX_SECONDS: u64 = 86_400;

impl RawToken {
    /// `expires_in_sec` when present (then `expires_in` is in milliseconds); otherwise
    /// `expires_in` in seconds, or in milliseconds when too large to be seconds; one hour when
    /// neither is given.
    fn lifetime(&self) -> Duration {
        match (self.expires_in_sec, self.expires_in) {
            (Some(s), _) => Duration::from_secs(s),
            (None, Some(n)) if n > MAX_SECONDS => Duration::from_millis(n),
            (None, Some(n)) => Duration::from_secs(n),
            (None, None) => Duration::from_secs(3600),
        }
    }
}

/// An access token and what came with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The access token.
    pub access_token: Secret,
    /// A refresh token (authorization-code grants only).
    pub refresh_token: Option<Secret>,
    /// The API domain to use with this token (`api_domain`), when given.
    pub api_domain: Option<BaseUrl>,
    /// Granted scopes, when given.
    pub scope: Option<String>,
    /// Lifetime as issued.
    pub expires_in: Duration,
    /// When it expires.
    pub expires_at: SystemTime,
}

/// `POST {accounts}/oauth/v2/token/revoke` with `token=<refresh token>` in the form body.
///
/// Zoho's docs put the token in the query string and its Python SDK puts it in the body; the
/// body is used here so that the token never appears in a URL or an access log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokeRequest {
    /// The accounts server.
    pub accounts: BaseUrl,
    /// The refresh token to revoke (its access tokens go with it).
    pub token: Secret,
}

impl RevokeRequest {
    /// Builds the request.
    pub fn request(&self) -> Result<Request<Body>, Error> {
        non_empty("the token to revoke", self.token.expose())?;
        form_request(
            &self.accounts,
            "/oauth/v2/token/revoke",
            form(&[("token", self.token.expose())]),
        )
    }

    /// Reads the answer: success is `{"status": "success"}` (or an empty 200).
    pub fn response(&self, resp: Response<Bytes>) -> Result<(), Error> {
        let status = resp.status();
        if status.is_success() && resp.body().iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let value: serde_json::Value =
            serde_json::from_slice(resp.body()).map_err(|_| withheld(&resp))?;
        if let Some(e) = oauth_error(status, &value, &self.accounts) {
            return Err(e.into());
        }
        if status.is_success() && value.get("status").and_then(|s| s.as_str()) == Some("success") {
            return Ok(());
        }
        Err(withheld(&resp))
    }
}

/// How a client gets access tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// A fixed access token (no refresh: an expired token is an error).
    AccessToken(Secret),
    /// A refresh token of an OAuth client: access tokens are minted from it as needed.
    RefreshToken {
        /// The OAuth client.
        client: Client,
        /// The refresh token.
        refresh_token: Secret,
    },
    /// The client-credentials flow of a self client.
    ClientCredentials {
        /// The OAuth client.
        client: Client,
        /// Comma-separated scopes.
        scope: String,
        /// The org, e.g. `ZohoCRM.12345678`.
        soid: String,
    },
}

impl Credentials {
    /// A fixed access token.
    pub fn access_token(token: impl Into<String>) -> Self {
        Credentials::AccessToken(Secret::new(token))
    }

    /// An OAuth client's refresh token.
    pub fn refresh_token(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        Credentials::RefreshToken {
            client: Client {
                id: client_id.into(),
                secret: Secret::new(client_secret),
            },
            refresh_token: Secret::new(refresh_token),
        }
    }

    /// A self client's client-credentials flow (`soid` is `ZohoCRM.<org id>`).
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        scope: impl Into<String>,
        soid: impl Into<String>,
    ) -> Self {
        Credentials::ClientCredentials {
            client: Client {
                id: client_id.into(),
                secret: Secret::new(client_secret),
            },
            scope: scope.into(),
            soid: soid.into(),
        }
    }

    /// The token request that mints an access token, or `None` for a fixed token.
    pub fn token_request(&self, accounts: &BaseUrl) -> Option<TokenRequest> {
        let (client, grant) = match self {
            Credentials::AccessToken(_) => return None,
            Credentials::RefreshToken {
                client,
                refresh_token,
            } => (client, Grant::RefreshToken(refresh_token.clone())),
            Credentials::ClientCredentials {
                client,
                scope,
                soid,
            } => (
                client,
                Grant::ClientCredentials {
                    scope: scope.clone(),
                    soid: soid.clone(),
                },
            ),
        };
        Some(TokenRequest {
            accounts: accounts.clone(),
            client: client.clone(),
            grant,
        })
    }

    /// The OAuth client id (not secret), or `None` for a fixed token. Tokens are stored under
    /// the whole identity, [`TokenKey`](crate::engine::TokenKey), not under this id alone.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            Credentials::AccessToken(_) => None,
            Credentials::RefreshToken { client, .. }
            | Credentials::ClientCredentials { client, .. } => Some(&client.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> RawToken {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn expiry_readings() {
        assert_eq!(
            raw(r#"{"access_token":"a","expires_in":3600}"#).lifetime(),
            Duration::from_secs(3600)
        );
        assert_eq!(
            raw(r#"{"access_token":"a","expires_in_sec":3600,"expires_in":3600000}"#).lifetime(),
            Duration::from_secs(3600)
        );
        assert_eq!(
            raw(r#"{"access_token":"a","expires_in":3600000}"#).lifetime(),
            Duration::from_secs(3600)
        );
        assert_eq!(
            raw(r#"{"access_token":"a"}"#).lifetime(),
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("1000.abcdef");
        assert_eq!(format!("{s} {s:?}"), "[redacted] [redacted]");
        let c = Client {
            id: "1000.ID".into(),
            secret: Secret::new("topsecret"),
        };
        assert!(!format!("{c:?}").contains("topsecret"));
    }
}
