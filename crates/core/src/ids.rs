//! Typed identifiers. Zoho ids are 64-bit numbers that travel as JSON strings; they are kept as
//! strings here so that no id ever loses precision on its way through an `f64`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{InputError, printable};

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Checks that `id` is a Zoho numeric id (1 to 20 ASCII digits, as a `u64` is).
            pub fn new(id: impl Into<String>) -> Result<Self, InputError> {
                let id = id.into();
                if is_numeric_id(&id) {
                    Ok(Self(id))
                } else {
                    Err(InputError::InvalidId { kind: $what, value: printable(&id) })
                }
            }

            /// The id as it travels on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = InputError;
            fn from_str(s: &str) -> Result<Self, InputError> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InputError;
            fn try_from(s: &str) -> Result<Self, InputError> {
                Self::new(s)
            }
        }

        impl From<u64> for $name {
            fn from(n: u64) -> Self {
                Self(n.to_string())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Accepts a string (Zoho's form) or an integer (seen in hand-written payloads).
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = string_or_u64(d)?;
                Self::new(raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

numeric_id!(
    /// The id of a CRM or Bigin record, e.g. `4150868000002728001`.
    RecordId,
    "record id"
);
numeric_id!(
    /// The id of an attachment, e.g. `4150868000002728012`.
    AttachmentId,
    "attachment id"
);

/// The id of a file in the CRM file store (ZFS), e.g. the `$file_id` of an attachment. These are
/// opaque strings, not numbers; only characters that are safe in a query value are accepted.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FileId(String);

impl FileId {
    /// Checks that `id` is non-empty, at most 512 characters, and made of ASCII letters, digits,
    /// `-`, `_` and `.`.
    pub fn new(id: impl Into<String>) -> Result<Self, InputError> {
        let id = id.into();
        let ok = !id.is_empty()
            && id.len() <= 512
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(Self(id))
        } else {
            Err(InputError::InvalidId {
                kind: "file id",
                value: printable(&id),
            })
        }
    }

    /// The id as it travels on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FileId {
    type Error = InputError;
    fn try_from(s: String) -> Result<Self, InputError> {
        Self::new(s)
    }
}

impl From<FileId> for String {
    fn from(id: FileId) -> String {
        id.0
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileId({})", self.0)
    }
}

/// Zoho's ids are 64-bit numbers: digits only, at most `u64::MAX`.
fn is_numeric_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok()
}

fn string_or_u64<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a Zoho id as a string or an integer")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_are_checked() {
        assert!(RecordId::new("4150868000002728001").is_ok());
        assert!(RecordId::new("18446744073709551615").is_ok());
        assert!(
            RecordId::new("18446744073709551616").is_err(),
            "above u64::MAX"
        );
        assert!(AttachmentId::new("99999999999999999999").is_err());
        assert!(RecordId::new("").is_err());
        assert!(RecordId::new("12a").is_err());
        assert!(RecordId::new("123456789012345678901").is_err());
        assert!(AttachmentId::new("../1").is_err());
        let err = RecordId::new("1/2").unwrap_err().to_string();
        assert!(err.contains("record id") && err.contains("1/2"), "{err}");
    }

    #[test]
    fn ids_keep_precision_through_json() {
        let id: RecordId = serde_json::from_str("\"4150868000002728001\"").unwrap();
        assert_eq!(id.as_str(), "4150868000002728001");
        let id: RecordId = serde_json::from_str("4150868000002728001").unwrap();
        assert_eq!(id.as_str(), "4150868000002728001");
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"4150868000002728001\""
        );
    }

    #[test]
    fn file_ids_reject_query_breakers() {
        assert!(FileId::new("iewimc754be0d4e1c4e0f8b6b8f0b5a2e2c7").is_ok());
        assert!(FileId::new("a&b").is_err());
        assert!(FileId::new("").is_err());
    }
}
