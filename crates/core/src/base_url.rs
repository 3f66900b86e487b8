//! Where requests go: the base URL that API and token paths are appended to.

use std::fmt;

use http::Uri;

use crate::error::{InputError, printable};

/// The scheme and host (and optional path prefix) that API paths are appended to, e.g.
/// `https://www.zohoapis.com` or an emulator's `http://127.0.0.1:8089`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(pub(crate) String);

impl BaseUrl {
    /// Checks that `url` is an absolute `http` or `https` URL with a host and no query or
    /// fragment. A trailing `/` is dropped.
    pub fn new(url: impl AsRef<str>) -> Result<Self, InputError> {
        let raw = url.as_ref().trim();
        let bad = |why: &'static str| InputError::InvalidBaseUrl {
            url: printable(raw),
            why,
        };
        let uri: Uri = raw.parse().map_err(|_| bad("it is not a valid URL"))?;
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            _ => return Err(bad("it must start with http:// or https://")),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        if uri.query().is_some() || raw.contains('#') {
            return Err(bad("it must not carry a query or fragment"));
        }
        if raw.contains('@') {
            return Err(bad("it must not carry user credentials"));
        }
        Ok(Self(raw.trim_end_matches('/').to_owned()))
    }

    /// The URL as text, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Builds `{base}{path}?{query}`. `segments` are joined with `/` after each is
    /// percent-encoded; `query` pairs are form-encoded.
    pub(crate) fn join(
        &self,
        prefix: &str,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Uri, InputError> {
        let mut url = String::with_capacity(self.0.len() + 64);
        url.push_str(&self.0);
        url.push_str(prefix);
        for seg in segments {
            url.push('/');
            url.extend(percent_encoding::utf8_percent_encode(seg, PATH_SEGMENT));
        }
        if !query.is_empty() {
            url.push('?');
            let mut ser = form_urlencoded::Serializer::new(String::new());
            for (k, v) in query {
                ser.append_pair(k, v);
            }
            url.push_str(&ser.finish());
        }
        url.parse().map_err(|_| InputError::InvalidBaseUrl {
            url: printable(&url),
            why: "the request URL built from it is not valid",
        })
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.0)
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        Self::new(s)
    }
}

/// Characters escaped in a path segment: controls, space, and everything that would end or split
/// a segment.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let b = BaseUrl::new("http://127.0.0.1:8089/").unwrap();
        assert_eq!(b.as_str(), "http://127.0.0.1:8089");
        let uri = b
            .join(
                "/crm/v8",
                &["Leads", "1", "Attachments"],
                &[("fields", "id,File_Name")],
            )
            .unwrap();
        assert_eq!(
            uri.to_string(),
            "http://127.0.0.1:8089/crm/v8/Leads/1/Attachments?fields=id%2CFile_Name"
        );
        assert!(BaseUrl::new("ftp://x").is_err());
        assert!(BaseUrl::new("https://x/?a=b").is_err());
        assert!(BaseUrl::new("https://user:pw@x").is_err());
        assert!(BaseUrl::new("not a url").is_err());
        assert!(BaseUrl::new("/relative").is_err());
    }
}
