//! The one place that decides success or error from an answer's status and body.
//!
//! - HTTP 4xx/5xx: Zoho's `{code, details, message, status}` envelope becomes [`ApiError`];
//!   anything else (an HTML proxy page, a plain-text 502) becomes `Error::UnexpectedResponse`.
//! - HTTP 2xx with a top-level `"status": "error"` envelope is an error too.
//! - HTTP 2xx JSON is decoded in one typed pass, with the JSON path kept for any decoding error.
//! - Per-item results inside `{"data": [...]}` are [`ActionItem`]s; each operation decides
//!   whether one failed item fails the call (single-item calls) or is reported (bulk calls).

use bytes::Bytes;
use http::{Response, StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Error, ErrorCode};

/// The media type of an answer, lower-cased, without parameters.
pub fn media_type(headers: &http::HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let t = v.split(';').next()?.trim().to_ascii_lowercase();
    (!t.is_empty()).then_some(t)
}

/// True when the media type is JSON (`application/json`, `...+json`, `text/json`).
pub fn is_json(media: Option<&str>) -> bool {
    media.is_some_and(|m| m == "application/json" || m == "text/json" || m.ends_with("+json"))
}

/// Reads Zoho's error envelope from a JSON value, if it is one.
fn envelope(status: StatusCode, v: &serde_json::Value) -> Option<ApiError> {
    let obj = v.as_object()?;
    let code = obj.get("code")?.as_str()?;
    let is_error = obj.get("status").and_then(|s| s.as_str()) == Some("error");
    if !(is_error || status.is_client_error() || status.is_server_error()) {
        return None;
    }
    Some(ApiError {
        status,
        code: ErrorCode::parse(code),
        message: obj
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or_default()
            .to_owned(),
        details: obj
            .get("details")
            .cloned()
            .unwrap_or_else(|| serde_json::Value::Object(Default::default())),
        scopes_needed: Vec::new(),
    })
}

/// The error an answer stands for: Zoho's envelope when the body is one, else
/// `UnexpectedResponse` with the raw body.
pub fn error_from(resp: &Response<Bytes>) -> Error {
    let status = resp.status();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(resp.body()) {
        if let Some(e) = envelope(status, &v) {
            return Error::Api(e);
        }
        // A data array whose single item is an error (some endpoints answer that way).
        if let Some(item) = v
            .get("data")
            .and_then(|d| d.as_array())
            .filter(|d| d.len() == 1)
            .and_then(|d| d.first())
            .and_then(|i| envelope(status, i))
        {
            return Error::Api(item);
        }
    }
    unexpected(resp)
}

/// `Error::UnexpectedResponse` for this answer.
pub fn unexpected(resp: &Response<Bytes>) -> Error {
    Error::UnexpectedResponse {
        status: resp.status(),
        content_type: resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: resp.body().clone(),
    }
}

/// Fails on error statuses and on a 2xx error envelope; otherwise decodes the JSON body as `T`.
///
/// One typed pass over the bytes on the common path: a 2xx body is decoded as `T` directly, and
/// looked at as a possible error envelope only when it holds the bytes `"error"` (an envelope's
/// `"status": "error"` always does) or when it does not decode; a decode error is then parsed
/// again only to name its JSON path.
pub fn json<T: DeserializeOwned>(resp: &Response<Bytes>) -> Result<T, Error> {
    let status = resp.status();
    if !status.is_success() {
        return Err(error_from(resp));
    }
    let body = resp.body();
    match from_bytes::<T>(body) {
        Ok(v) if !may_be_envelope(body) => Ok(v),
        Ok(v) => match envelope_in(status, body) {
            Some(e) => Err(Error::Api(e)),
            None => Ok(v),
        },
        Err(_) => match envelope_in(status, body) {
            Some(e) => Err(Error::Api(e)),
            None => decode(status, body),
        },
    }
}

/// Decodes JSON, checking the body's UTF-8 once, over all of it, and then reading it as `&str`:
/// `serde_json::from_slice` checks each string on its own, a seventh of a list page's parse. A
/// body that is not UTF-8 goes to `from_slice`, for its error.
fn from_bytes<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// True when the body could be an error envelope: it holds `"error"`.
fn may_be_envelope(body: &[u8]) -> bool {
    memchr::memmem::find(body, b"\"error\"").is_some()
}

/// Zoho's error envelope at the top of a JSON body, if it is one.
fn envelope_in(status: StatusCode, body: &[u8]) -> Option<ApiError> {
    let v = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    envelope(status, &v)
}

/// Decodes `body` as `T`, keeping the JSON path of the first mismatch (the path is worked out
/// by a second, tracking pass only when the plain one fails).
pub fn decode<T: DeserializeOwned>(status: StatusCode, body: &Bytes) -> Result<T, Error> {
    if let Ok(v) = from_bytes(body) {
        return Ok(v);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
        status,
        path: e.path().to_string(),
        message: e.inner().to_string(),
        body: body.clone(),
    })
}

/// True when the answer is Zoho's "the access token is not valid" (HTTP 401 with
/// `INVALID_TOKEN` or `INVALID_OAUTHTOKEN`): the transport refreshes once and replays once.
pub fn is_invalid_token(resp: &Response<Bytes>) -> bool {
    if resp.status() != StatusCode::UNAUTHORIZED {
        return false;
    }
    match error_from(resp) {
        Error::Api(e) => matches!(e.code.as_str(), "INVALID_TOKEN" | "INVALID_OAUTHTOKEN"),
        _ => false,
    }
}

/// One entry of a `{"data": [...]}` action answer: `{code, details, message, status}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ActionItem {
    /// `SUCCESS` or an error code.
    pub code: String,
    /// Details, e.g. `{"id": "..."}`.
    #[serde(default)]
    pub details: serde_json::Value,
    /// Zoho's message.
    #[serde(default)]
    pub message: String,
    /// `success` or `error`.
    #[serde(default)]
    pub status: String,
}

impl ActionItem {
    /// True when Zoho reports this item as done.
    pub fn is_success(&self) -> bool {
        self.status.eq_ignore_ascii_case("success")
            || (self.status.is_empty() && self.code == "SUCCESS")
    }

    /// The `id` in `details`, if any.
    pub fn detail_id(&self) -> Option<&str> {
        self.details.get("id").and_then(|v| v.as_str())
    }

    /// The item as an [`ApiError`] (meaningful when it is not a success).
    pub fn to_error(&self, status: StatusCode) -> ApiError {
        ApiError {
            status,
            code: ErrorCode::parse(&self.code),
            message: self.message.clone(),
            details: self.details.clone(),
            scopes_needed: Vec::new(),
        }
    }
}

/// `{"data": [ActionItem...]}`
#[derive(Debug, Deserialize)]
pub(crate) struct ActionWrapper {
    pub data: Vec<ActionItem>,
}

/// Reads the single item of an action answer (upload, delete one): an error item fails the call.
pub(crate) fn single_action(resp: &Response<Bytes>) -> Result<ActionItem, Error> {
    let wrapper: ActionWrapper = json(resp)?;
    let status = resp.status();
    let Some(item) = wrapper.data.into_iter().next() else {
        return Err(Error::Decode {
            status,
            path: String::from("data"),
            message: String::from("expected one result, found none"),
            body: resp.body().clone(),
        });
    };
    if item.is_success() {
        Ok(item)
    } else {
        Err(Error::Api(item.to_error(status)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::attachments::Attachment;

    #[derive(Debug, Deserialize)]
    struct Page {
        #[serde(default)]
        data: Vec<Attachment>,
    }

    fn ok(body: &str) -> Response<Bytes> {
        Response::new(Bytes::from(body.to_owned()))
    }

    #[test]
    fn a_2xx_error_envelope_is_an_error_even_where_the_typed_parse_succeeds() {
        // `Page` accepts this body (every field defaults), so only the envelope check catches it.
        let body = r#"{"code":"INTERNAL_ERROR","details":{},"message":"x","status" : "error"}"#;
        match json::<Page>(&ok(body)) {
            Err(Error::Api(e)) => assert_eq!(e.code.as_str(), "INTERNAL_ERROR"),
            other => panic!("expected the envelope, got {other:?}"),
        }
    }

    #[test]
    fn the_word_error_inside_data_does_not_make_an_error() {
        let body = r#"{"data":[{"id":"1","File_Name":"error","status":"error","code":"X"}]}"#;
        let page = json::<Page>(&ok(body)).unwrap();
        assert_eq!(page.data[0].file_name.as_deref(), Some("error"));
        assert_eq!(page.data[0].other["status"], "error");
    }

    #[test]
    fn a_decode_error_keeps_its_json_path() {
        let body = r#"{"data":[{"id":"1"},{"id":"2","Size":"big"}]}"#;
        match json::<Page>(&ok(body)) {
            Err(Error::Decode { path, .. }) => assert_eq!(path, "data[1].Size"),
            other => panic!("expected a decode error, got {other:?}"),
        }
        match json::<Page>(&ok(r#"{"data":[{"File_Name":"a"}]}"#)) {
            Err(Error::Decode { path, message, .. }) => {
                assert_eq!(path, "data[0]");
                assert!(message.contains("missing field `id`"), "{message}");
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_keys_are_kept_as_sent_and_nulls_are_none() {
        let body = r#"{"data":[{"id":"7","File_Name":null,"Size":12,"a\"b":[1,{"c":null}],"Owner":null}]}"#;
        let a = &json::<Page>(&ok(body)).unwrap().data[0];
        assert_eq!(
            (a.file_name.as_deref(), a.size, &a.owner),
            (None, Some(12), &None)
        );
        assert_eq!(a.other["a\"b"], serde_json::json!([1, {"c": null}]));
    }

    #[test]
    fn an_escaped_key_finds_its_field_and_a_body_that_is_not_utf8_is_a_decode_error() {
        // `\u0024type` is `$type`: a key with an escape is copied, not borrowed, and still typed.
        let a = &json::<Page>(&ok(r#"{"data":[{"id":"1","\u0024type":"Attachment"}]}"#))
            .unwrap()
            .data[0];
        assert_eq!(a.kind.as_deref(), Some("Attachment"));
        let mut bad = br#"{"data":[{"id":"1","File_Name":"a"#.to_vec();
        bad.extend([0xff, b'"', b'}', b']', b'}']);
        match json::<Page>(&Response::new(Bytes::from(bad))) {
            Err(Error::Decode { message, .. }) => assert!(message.contains("unicode"), "{message}"),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}
