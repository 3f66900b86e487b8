//! Module API names and which modules support which file operations.
//!
//! A name found in a product's table of built-in modules is checked against that table; any other
//! valid name is taken as a custom module, which Zoho allows for attachments in both products and
//! for photos in CRM only.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::api::Feature;
use crate::api::{Api, BiginVersion, CrmVersion};
use crate::error::InputError;

/// A module API name such as `Leads`, `Price_Books` or a custom `Invoices_Custom`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModuleName(String);

impl ModuleName {
    /// Checks the name: 1 to 100 ASCII letters, digits or `_`, starting with a letter.
    pub fn new(name: impl Into<String>) -> Result<Self, InputError> {
        let name = name.into();
        if is_api_name(&name) {
            Ok(Self(name))
        } else {
            Err(InputError::InvalidModule {
                value: crate::error::printable(&name),
            })
        }
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn is(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl TryFrom<String> for ModuleName {
    type Error = InputError;
    fn try_from(s: String) -> Result<Self, InputError> {
        Self::new(s)
    }
}

impl TryFrom<&str> for ModuleName {
    type Error = InputError;
    fn try_from(s: &str) -> Result<Self, InputError> {
        Self::new(s)
    }
}

impl std::str::FromStr for ModuleName {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        Self::new(s)
    }
}

impl From<ModuleName> for String {
    fn from(m: ModuleName) -> String {
        m.0
    }
}

impl fmt::Display for ModuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ModuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModuleName({})", self.0)
    }
}

/// CRM built-in modules (API names) and the version from which each supports attachments
/// (`None`: never) — zoho-api-facts §1.1.
const CRM_ATTACHMENTS: &[(&str, Option<CrmVersion>)] = &[
    ("Leads", Some(CrmVersion::V2)),
    ("Accounts", Some(CrmVersion::V2)),
    ("Contacts", Some(CrmVersion::V2)),
    ("Deals", Some(CrmVersion::V2)),
    ("Campaigns", Some(CrmVersion::V2)),
    ("Tasks", Some(CrmVersion::V2)),
    ("Cases", Some(CrmVersion::V2)),
    ("Events", Some(CrmVersion::V2)),
    ("Solutions", Some(CrmVersion::V2)),
    ("Products", Some(CrmVersion::V2)),
    ("Vendors", Some(CrmVersion::V2)),
    ("Price_Books", Some(CrmVersion::V2)),
    ("Quotes", Some(CrmVersion::V2)),
    ("Sales_Orders", Some(CrmVersion::V2)),
    ("Purchase_Orders", Some(CrmVersion::V2)),
    ("Invoices", Some(CrmVersion::V2)),
    ("Notes", Some(CrmVersion::V2)),
    ("Calls", Some(CrmVersion::V2_1)),
    ("Appointments", Some(CrmVersion::V3)),
    ("Appointments__s", Some(CrmVersion::V3)),
    ("Services", Some(CrmVersion::V3)),
    ("Services__s", Some(CrmVersion::V3)),
    ("Users", None),
    ("Activities", None),
    ("Visits", None),
    ("Documents", None),
    ("Projects", None),
    ("Forecasts", None),
];

/// CRM modules with a record photo and the version from which each has it — facts §2.
const CRM_PHOTO: &[(&str, CrmVersion)] = &[
    ("Leads", CrmVersion::V2),
    ("Contacts", CrmVersion::V2),
    ("Accounts", CrmVersion::V2),
    ("Products", CrmVersion::V2),
    ("Vendors", CrmVersion::V2),
    ("Deals", CrmVersion::V5),
];

/// Bigin built-in modules and whether they support attachments, per version — facts §3.1.
const BIGIN_V1_ATTACHMENTS: &[(&str, bool)] = &[
    ("Contacts", true),
    ("Accounts", true),
    ("Deals", true),
    ("Tasks", true),
    ("Events", true),
    ("Calls", true),
    ("Products", true),
    ("Notes", true),
    ("Pipelines", false),
];
const BIGIN_V2_ATTACHMENTS: &[(&str, bool)] = &[
    ("Contacts", true),
    ("Pipelines", true),
    ("Accounts", true),
    ("Products", true),
    ("Tasks", true),
    ("Events", true),
    ("Notes", true),
    ("Deals", false),
];
/// Bigin modules with a record photo (both versions); Bigin documents no photo on custom modules.
const BIGIN_PHOTO: &[&str] = &["Contacts", "Accounts", "Products"];

/// Checks that `module` supports `feature` in `api`, before anything is sent.
pub fn check_support(api: Api, module: &ModuleName, feature: Feature) -> Result<(), InputError> {
    let supported: Vec<&str> = match (api, feature) {
        (Api::Crm(v), Feature::Attachments) => {
            match CRM_ATTACHMENTS.iter().find(|(n, _)| module.is(n)) {
                None => return Ok(()), // custom module
                Some((_, Some(from))) if v >= *from => return Ok(()),
                Some(_) => CRM_ATTACHMENTS
                    .iter()
                    .filter(|(_, from)| from.is_some_and(|f| v >= f))
                    .map(|(n, _)| *n)
                    .collect(),
            }
        }
        (Api::Crm(v), Feature::Photo) => {
            let known_builtin = CRM_ATTACHMENTS.iter().any(|(n, _)| module.is(n));
            match CRM_PHOTO.iter().find(|(n, _)| module.is(n)) {
                Some((_, from)) if v >= *from => return Ok(()),
                None if !known_builtin => return Ok(()), // custom module
                _ => CRM_PHOTO
                    .iter()
                    .filter(|(_, from)| v >= *from)
                    .map(|(n, _)| *n)
                    .chain(std::iter::once("custom modules"))
                    .collect(),
            }
        }
        (Api::Bigin(v), Feature::Attachments) => {
            let table = match v {
                BiginVersion::V1 => BIGIN_V1_ATTACHMENTS,
                BiginVersion::V2 => BIGIN_V2_ATTACHMENTS,
            };
            match table.iter().find(|(n, _)| module.is(n)) {
                None | Some((_, true)) => return Ok(()),
                Some(_) => table
                    .iter()
                    .filter(|(_, ok)| *ok)
                    .map(|(n, _)| *n)
                    .collect(),
            }
        }
        (Api::Bigin(_), Feature::Photo) => {
            if BIGIN_PHOTO.iter().any(|n| module.is(n)) {
                return Ok(());
            }
            BIGIN_PHOTO.to_vec()
        }
    };
    Err(InputError::UnsupportedModule {
        module: module.to_string(),
        feature,
        api,
        supported: supported.join(", "),
    })
}

/// A Zoho API name (of a module or a field): a letter, then letters, digits and `_`, at most
/// 100 bytes.
pub(crate) fn is_api_name(name: &str) -> bool {
    name.len() <= 100
        && name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> ModuleName {
        ModuleName::new(s).unwrap()
    }

    #[test]
    fn names_are_validated() {
        assert!(ModuleName::new("Price_Books").is_ok());
        assert!(ModuleName::new("Appointments__s").is_ok());
        for bad in [
            "",
            "1Leads",
            "Leads/..",
            "Le ads",
            "Leads?x=1",
            &"a".repeat(101),
        ] {
            assert!(ModuleName::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn crm_attachment_modules_follow_the_version_tables() {
        let v2 = Api::Crm(CrmVersion::V2);
        let v21 = Api::Crm(CrmVersion::V2_1);
        assert!(check_support(v2, &m("Leads"), Feature::Attachments).is_ok());
        assert!(check_support(v2, &m("Calls"), Feature::Attachments).is_err());
        assert!(check_support(v21, &m("Calls"), Feature::Attachments).is_ok());
        assert!(check_support(v21, &m("Services__s"), Feature::Attachments).is_err());
        assert!(check_support(Api::CRM, &m("Services__s"), Feature::Attachments).is_ok());
        assert!(check_support(Api::CRM, &m("Users"), Feature::Attachments).is_err());
        assert!(check_support(Api::CRM, &m("My_Custom"), Feature::Attachments).is_ok());
        assert!(check_support(Api::CRM, &m("leads"), Feature::Attachments).is_ok());
    }

    #[test]
    fn photo_modules_differ_between_products() {
        let v4 = Api::Crm(CrmVersion::V4);
        assert!(check_support(v4, &m("Deals"), Feature::Photo).is_err());
        assert!(check_support(Api::CRM, &m("Deals"), Feature::Photo).is_ok());
        assert!(check_support(Api::CRM, &m("Tasks"), Feature::Photo).is_err());
        assert!(check_support(Api::CRM, &m("My_Custom"), Feature::Photo).is_ok());
        assert!(check_support(Api::BIGIN, &m("Contacts"), Feature::Photo).is_ok());
        assert!(check_support(Api::BIGIN, &m("Pipelines"), Feature::Photo).is_err());
        assert!(check_support(Api::BIGIN, &m("My_Custom"), Feature::Photo).is_err());
        let err = check_support(Api::BIGIN, &m("Leads"), Feature::Photo).unwrap_err();
        assert_eq!(
            err.to_string(),
            "module `Leads` does not support record photos in Zoho Bigin API v2 \
             (supported: Contacts, Accounts, Products)"
        );
    }

    #[test]
    fn bigin_attachment_modules() {
        let v1 = Api::Bigin(BiginVersion::V1);
        assert!(check_support(v1, &m("Deals"), Feature::Attachments).is_ok());
        assert!(check_support(Api::BIGIN, &m("Deals"), Feature::Attachments).is_err());
        assert!(check_support(Api::BIGIN, &m("Pipelines"), Feature::Attachments).is_ok());
    }
}
