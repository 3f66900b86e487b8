//! Zoho-shaped answers: the error envelope, action results, times.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

/// A JSON answer.
pub fn json(status: StatusCode, body: &Value) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    resp
}

/// Zoho's error envelope: `{"code","details","message","status":"error"}`.
pub fn error(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    json(
        status,
        &json!({ "code": code, "details": details, "message": message, "status": "error" }),
    )
}

/// An empty answer with this status (204, 304).
pub fn empty(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    resp
}

/// The documented errors, each with its documented status and message.
pub mod err {
    use super::*;

    pub fn invalid_url_pattern() -> Response {
        error(
            StatusCode::NOT_FOUND,
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
            json!({}),
        )
    }

    pub fn invalid_method() -> Response {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_METHOD",
            "The http request method type is not a valid one",
            json!({}),
        )
    }

    pub fn invalid_module() -> Response {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({ "resource_path_index": 0 }),
        )
    }

    pub fn module_not_supported() -> Response {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the given module is not supported in api",
            json!({ "resource_path_index": 0 }),
        )
    }

    pub fn invalid_record() -> Response {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the related id given seems to be invalid",
            json!({ "related_status": "invalid" }),
        )
    }

    pub fn invalid_data(message: &str, details: Value) -> Response {
        error(StatusCode::BAD_REQUEST, "INVALID_DATA", message, details)
    }

    pub fn required_param(param: &str) -> Response {
        error(
            StatusCode::BAD_REQUEST,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({ "param": param }),
        )
    }

    pub fn authentication_failure() -> Response {
        error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_FAILURE",
            "Authentication failed",
            json!({}),
        )
    }

    pub fn invalid_token() -> Response {
        error(
            StatusCode::UNAUTHORIZED,
            "INVALID_TOKEN",
            "invalid oauth token",
            json!({}),
        )
    }

    pub fn scope_mismatch() -> Response {
        error(
            StatusCode::UNAUTHORIZED,
            "OAUTH_SCOPE_MISMATCH",
            "invalid oauth scope to access this URL",
            json!({}),
        )
    }

    pub fn record_locked() -> Response {
        error(
            StatusCode::BAD_REQUEST,
            "RECORD_LOCKED",
            "You cannot perform this operation as the record is locked.",
            json!({}),
        )
    }

    pub fn file_too_large(status: StatusCode) -> Response {
        error(
            status,
            "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
            "please check if the file size is in the correct range",
            json!({}),
        )
    }

    pub fn invalid_file_type() -> Response {
        error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "INVALID_DATA",
            "invalid file type",
            json!({}),
        )
    }

    pub fn too_many_requests() -> Response {
        error(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "The number of API requests for the 24 hour period is exceeded or the concurrency limit of the user for the app is exceeded",
            json!({}),
        )
    }

    pub fn internal_error() -> Response {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "Internal Server Error",
            json!({}),
        )
    }

    /// 503 as a load balancer sends it: HTML, not Zoho's envelope.
    pub fn service_unavailable() -> Response {
        let mut resp = Response::new(Body::from(
            "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
        ));
        *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        resp
    }
}

/// `{"data":[{"code":"SUCCESS","details":...,"message":...,"status":"success"}]}`
pub fn success_item(details: Value, message: &str) -> Value {
    json!({ "code": "SUCCESS", "details": details, "message": message, "status": "success" })
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A time as Zoho writes it: `2020-07-24T18:12:43+00:00`.
pub fn iso(secs: i64) -> String {
    const FMT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(FMT).ok())
        .unwrap_or_else(|| String::from("1970-01-01T00:00:00+00:00"))
}

/// Reads an ISO-8601 time with offset (`2019-07-25T15:26:49+05:30`) as Unix seconds.
pub fn parse_iso(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// A `Content-Disposition` value for a download: `filename="..."` with non-ASCII and unsafe
/// characters replaced, plus RFC 5987 `filename*` when the name is not plain ASCII.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ascii == name {
        format!("attachment; filename=\"{name}\"")
    } else {
        let encoded = percent_encoding::utf8_percent_encode(name, ATTR_CHAR);
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
    }
}

/// Everything but RFC 5987 `attr-char` is percent-encoded.
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        assert_eq!(iso(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(parse_iso("2019-07-25T15:26:49+05:30"), Some(1_564_048_609));
        assert_eq!(parse_iso(&iso(1_700_000_000)), Some(1_700_000_000));
        assert_eq!(parse_iso("yesterday"), None);
    }

    #[test]
    fn dispositions() {
        assert_eq!(
            content_disposition("a b.txt"),
            "attachment; filename=\"a b.txt\""
        );
        assert_eq!(
            content_disposition("résumé.pdf"),
            "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        );
        assert_eq!(
            content_disposition("say \"hi\".txt"),
            "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt"
        );
    }
}
