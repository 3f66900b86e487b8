//! Which product and API version a request speaks, and where it goes.

use std::fmt;

use http::Uri;

use crate::error::InputError;

/// The two Zoho products this SDK covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Product {
    /// Zoho CRM (`/crm/{version}/...`).
    Crm,
    /// Zoho Bigin (`/bigin/{version}/...`).
    Bigin,
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Product::Crm => "Zoho CRM",
            Product::Bigin => "Zoho Bigin",
        })
    }
}

/// Zoho CRM REST API versions. The default is the newest, v8.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum CrmVersion {
    V2,
    V2_1,
    V3,
    V4,
    V5,
    V6,
    V7,
    #[default]
    V8,
}

impl CrmVersion {
    /// Every version, oldest first.
    pub const ALL: [CrmVersion; 8] = [
        Self::V2,
        Self::V2_1,
        Self::V3,
        Self::V4,
        Self::V5,
        Self::V6,
        Self::V7,
        Self::V8,
    ];

    /// The path segment, e.g. `v2.1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2 => "v2",
            Self::V2_1 => "v2.1",
            Self::V3 => "v3",
            Self::V4 => "v4",
            Self::V5 => "v5",
            Self::V6 => "v6",
            Self::V7 => "v7",
            Self::V8 => "v8",
        }
    }
}

/// Zoho Bigin REST API versions. The default is the newest, v2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum BiginVersion {
    V1,
    #[default]
    V2,
}

impl BiginVersion {
    /// Every version, oldest first.
    pub const ALL: [BiginVersion; 2] = [Self::V1, Self::V2];

    /// The path segment, e.g. `v2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
        }
    }
}

/// A product and one of its API versions: everything that changes the shape of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    /// Zoho CRM at the given version.
    Crm(CrmVersion),
    /// Zoho Bigin at the given version.
    Bigin(BiginVersion),
}

impl Api {
    /// CRM at its newest version (v8).
    pub const CRM: Api = Api::Crm(CrmVersion::V8);
    /// Bigin at its newest version (v2).
    pub const BIGIN: Api = Api::Bigin(BiginVersion::V2);

    /// The product.
    pub fn product(self) -> Product {
        match self {
            Api::Crm(_) => Product::Crm,
            Api::Bigin(_) => Product::Bigin,
        }
    }

    /// The version segment, e.g. `v8`.
    pub fn version_str(self) -> &'static str {
        match self {
            Api::Crm(v) => v.as_str(),
            Api::Bigin(v) => v.as_str(),
        }
    }

    /// The path prefix, e.g. `/crm/v8` or `/bigin/v2`.
    pub fn prefix(self) -> String {
        let product = match self {
            Api::Crm(_) => "crm",
            Api::Bigin(_) => "bigin",
        };
        format!("/{product}/{}", self.version_str())
    }

    /// True for CRM at `v` or later; false for Bigin.
    pub(crate) fn crm_at_least(self, v: CrmVersion) -> bool {
        matches!(self, Api::Crm(c) if c >= v)
    }
}

impl Default for Api {
    fn default() -> Self {
        Api::CRM
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} API {}", self.product(), self.version_str())
    }
}

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
            url: crate::ids::printable(raw),
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
            url: crate::ids::printable(&url),
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
    fn prefixes() {
        assert_eq!(Api::CRM.prefix(), "/crm/v8");
        assert_eq!(Api::Crm(CrmVersion::V2_1).prefix(), "/crm/v2.1");
        assert_eq!(Api::BIGIN.prefix(), "/bigin/v2");
        assert_eq!(Api::Bigin(BiginVersion::V1).prefix(), "/bigin/v1");
        assert!(Api::Crm(CrmVersion::V5).crm_at_least(CrmVersion::V3));
        assert!(!Api::Crm(CrmVersion::V2_1).crm_at_least(CrmVersion::V3));
        assert!(!Api::BIGIN.crm_at_least(CrmVersion::V2));
    }

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
