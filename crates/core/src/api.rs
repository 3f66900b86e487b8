//! Which product and API version a request speaks, and which family of file operations.

use std::fmt;

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

/// A family of file operations whose module support Zoho documents separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feature {
    /// Attachments: list, upload, download, delete.
    Attachments,
    /// The record photo: upload, download, delete.
    Photo,
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Feature::Attachments => "attachments",
            Feature::Photo => "record photos",
        })
    }
}

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
}
