//! Which modules each product and API version has, and what they support (zoho-api-facts §1.1,
//! §2, §3). Written for the emulator from the wire facts, independently of zoho-core.

use serde::{Deserialize, Serialize};

/// CRM or Bigin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// Zoho CRM.
    Crm,
    /// Zoho Bigin.
    Bigin,
}

impl Product {
    /// `crm` or `bigin`, as in paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Crm => "crm",
            Product::Bigin => "bigin",
        }
    }

    /// The scope prefix: `ZohoCRM` or `ZohoBigin`.
    pub fn scope_prefix(self) -> &'static str {
        match self {
            Product::Crm => "ZohoCRM",
            Product::Bigin => "ZohoBigin",
        }
    }

    /// Reads `crm` or `bigin`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "crm" => Some(Product::Crm),
            "bigin" => Some(Product::Bigin),
            _ => None,
        }
    }
}

/// An API version as an ordinal: CRM v2=20, v2.1=21, v3=30 ... v8=80; Bigin v1=10, v2=20.
pub fn version(product: Product, s: &str) -> Option<u8> {
    match (product, s) {
        (Product::Crm, "v2") => Some(20),
        (Product::Crm, "v2.1") => Some(21),
        (Product::Crm, "v3") => Some(30),
        (Product::Crm, "v4") => Some(40),
        (Product::Crm, "v5") => Some(50),
        (Product::Crm, "v6") => Some(60),
        (Product::Crm, "v7") => Some(70),
        (Product::Crm, "v8") => Some(80),
        (Product::Bigin, "v1") => Some(10),
        (Product::Bigin, "v2") => Some(20),
        _ => None,
    }
}

/// A module row: API name, the versions with attachments, the versions with photos.
struct Row {
    name: &'static str,
    attachments: Option<(u8, u8)>,
    photo: Option<(u8, u8)>,
}

const fn row(name: &'static str, attachments: Option<(u8, u8)>, photo: Option<(u8, u8)>) -> Row {
    Row {
        name,
        attachments,
        photo,
    }
}

const ALL_CRM: Option<(u8, u8)> = Some((20, 80));

const CRM: &[Row] = &[
    row("Leads", ALL_CRM, ALL_CRM),
    row("Accounts", ALL_CRM, ALL_CRM),
    row("Contacts", ALL_CRM, ALL_CRM),
    row("Deals", ALL_CRM, Some((50, 80))),
    row("Campaigns", ALL_CRM, None),
    row("Tasks", ALL_CRM, None),
    row("Cases", ALL_CRM, None),
    row("Events", ALL_CRM, None),
    row("Solutions", ALL_CRM, None),
    row("Products", ALL_CRM, ALL_CRM),
    row("Vendors", ALL_CRM, ALL_CRM),
    row("Price_Books", ALL_CRM, None),
    row("Quotes", ALL_CRM, None),
    row("Sales_Orders", ALL_CRM, None),
    row("Purchase_Orders", ALL_CRM, None),
    row("Invoices", ALL_CRM, None),
    row("Notes", ALL_CRM, None),
    row("Calls", Some((21, 80)), None),
    row("Appointments__s", Some((30, 80)), None),
    row("Services__s", Some((30, 80)), None),
    row("CustomModule1", ALL_CRM, ALL_CRM),
    row("Users", None, None),
    row("Documents", None, None),
    row("Projects", None, None),
];

const BIGIN: &[Row] = &[
    row("Contacts", Some((10, 20)), Some((10, 20))),
    row("Accounts", Some((10, 20)), Some((10, 20))),
    row("Products", Some((10, 20)), Some((10, 20))),
    row("Tasks", Some((10, 20)), None),
    row("Events", Some((10, 20)), None),
    row("Notes", Some((10, 20)), None),
    row("Deals", Some((10, 10)), None),
    row("Calls", Some((10, 10)), None),
    row("Pipelines", Some((20, 20)), None),
];

fn table(product: Product) -> &'static [Row] {
    match product {
        Product::Crm => CRM,
        Product::Bigin => BIGIN,
    }
}

/// Every module name a product has (for seeding records).
pub fn all(product: Product) -> impl Iterator<Item = &'static str> {
    table(product)
        .iter()
        .filter(|r| r.attachments.is_some() || r.photo.is_some())
        .map(|r| r.name)
}

/// What a module name means in a product and version.
pub enum Lookup {
    /// Not a module of this product.
    Unknown,
    /// A module that does not support the operation in this version.
    NotSupported,
    /// Supported; the canonical API name.
    Supported(&'static str),
}

/// The photo or attachments support of `name` (matched case-insensitively).
pub fn lookup(product: Product, version: u8, name: &str, photo: bool) -> Lookup {
    let Some(r) = table(product)
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name))
    else {
        return Lookup::Unknown;
    };
    let range = if photo { r.photo } else { r.attachments };
    match range {
        Some((from, to)) if (from..=to).contains(&version) => Lookup::Supported(r.name),
        _ => Lookup::NotSupported,
    }
}

/// The canonical name of a module of `product`, in any version.
pub fn canonical(product: Product, name: &str) -> Option<&'static str> {
    table(product)
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name))
        .map(|r| r.name)
}
