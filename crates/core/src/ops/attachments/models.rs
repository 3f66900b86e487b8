//! What the attachment operations answer with: attachments, pages, uploads, deletes.

use bytes::Bytes;
use http::Response;
use serde::Deserialize;

use crate::error::Error;
use crate::ids::AttachmentId;
use crate::response::ActionItem;

use crate::ops::lenient_u64;

/// A user reference: `{"name": ..., "id": ..., "email": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct UserRef {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// User id.
    #[serde(default)]
    pub id: Option<String>,
    /// E-mail, when given.
    #[serde(default)]
    pub email: Option<String>,
}

/// The record an attachment belongs to: `{"name": ..., "id": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ParentRef {
    /// The record's display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The record id.
    #[serde(default)]
    pub id: Option<String>,
}

/// One attachment as listed. Only `id` is always present; the rest depends on `fields`.
///
/// Fields Zoho adds to its answers may become typed fields here in a later release (until then
/// they are in [`other`](Self::other)); the struct is `#[non_exhaustive]` so that adding one
/// breaks no code.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Attachment {
    /// The attachment id (`id`).
    pub id: AttachmentId,
    /// The file name (`File_Name`; `null` for some link attachments).
    pub file_name: Option<String>,
    /// Size in bytes (`Size`; Zoho sends it as a string).
    pub size: Option<u64>,
    /// Creation time (`Created_Time`), ISO-8601 with offset.
    pub created_time: Option<String>,
    /// Last modification time (`Modified_Time`), ISO-8601 with offset.
    pub modified_time: Option<String>,
    /// Owner (`Owner`).
    pub owner: Option<UserRef>,
    /// The parent record (`Parent_Id`).
    pub parent: Option<ParentRef>,
    /// The module of the parent record (`$se_module`).
    pub module: Option<String>,
    /// The URL of a link attachment (`$link_url`; `null` for files).
    pub link_url: Option<String>,
    /// The file-store id of the file (`$file_id`).
    pub file_id: Option<String>,
    /// Who attached it (`Created_By`).
    pub created_by: Option<UserRef>,
    /// Who changed it last (`Modified_By`).
    pub modified_by: Option<UserRef>,
    /// Zoho's kind of attachment (`$type`), e.g. `Attachment`.
    pub kind: Option<String>,
    /// Whether the user may change it (`$editable`).
    pub editable: Option<bool>,
    /// Zoho's state of the attachment (`$state`), e.g. `save`.
    pub state: Option<String>,
    /// Every other field, as sent.
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Read in one pass over the object: the known keys into their fields, every other key into
/// `other` (what `#[serde(flatten)]` did, without buffering each item first).
impl<'de> Deserialize<'de> for Attachment {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(AttachmentVisitor)
    }
}

struct AttachmentVisitor;

/// An object key, borrowed from the body unless it holds an escape (serde's own `Cow<str>`
/// always copies, one allocation per key).
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> serde::de::Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(std::borrow::Cow::Borrowed(s)))
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Key<'de>, E> {
        Ok(Key(std::borrow::Cow::Owned(s.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Key<'de>, E> {
        Ok(Key(std::borrow::Cow::Owned(s)))
    }
}

/// `Size` through [`lenient_u64`].
#[derive(Deserialize)]
struct Size(#[serde(deserialize_with = "lenient_u64")] Option<u64>);

impl<'de> serde::de::Visitor<'de> for AttachmentVisitor {
    type Value = Attachment;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an attachment object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Attachment, A::Error> {
        let mut id = None;
        let (mut file_name, mut size, mut created_time, mut modified_time) =
            (None, None, None, None);
        let (mut owner, mut parent, mut module, mut link_url) = (None, None, None, None);
        let (mut file_id, mut created_by, mut modified_by, mut kind) = (None, None, None, None);
        let (mut editable, mut state) = (None, None);
        let mut other = serde_json::Map::new();
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "id" => id = Some(map.next_value()?),
                "File_Name" => file_name = map.next_value()?,
                "Size" => size = map.next_value::<Size>()?.0,
                "Created_Time" => created_time = map.next_value()?,
                "Modified_Time" => modified_time = map.next_value()?,
                "Owner" => owner = map.next_value()?,
                "Parent_Id" => parent = map.next_value()?,
                "$se_module" => module = map.next_value()?,
                "$link_url" => link_url = map.next_value()?,
                "$file_id" => file_id = map.next_value()?,
                "Created_By" => created_by = map.next_value()?,
                "Modified_By" => modified_by = map.next_value()?,
                "$type" => kind = map.next_value()?,
                "$editable" => editable = map.next_value()?,
                "$state" => state = map.next_value()?,
                _ => {
                    let v = map.next_value()?;
                    other.insert(key.into_owned(), v);
                }
            }
        }
        Ok(Attachment {
            id: id.ok_or_else(|| serde::de::Error::missing_field("id"))?,
            file_name,
            size,
            created_time,
            modified_time,
            owner,
            parent,
            module,
            link_url,
            file_id,
            created_by,
            modified_by,
            kind,
            editable,
            state,
            other,
        })
    }
}

/// The `info` object of a list answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PageInfo {
    /// Page size used.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub per_page: Option<u64>,
    /// Items on this page.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub count: Option<u64>,
    /// This page's number.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page: Option<u64>,
    /// True when more pages follow.
    #[serde(default)]
    pub more_records: bool,
    /// v8: the cursor of the next page.
    #[serde(default)]
    pub next_page_token: Option<String>,
    /// v8: the cursor of the previous page.
    #[serde(default)]
    pub previous_page_token: Option<String>,
    /// v8: when the cursors expire.
    #[serde(default)]
    pub page_token_expiry: Option<String>,
}

/// One page of attachments.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttachmentPage {
    /// The attachments (empty for HTTP 204 and 304).
    pub attachments: Vec<Attachment>,
    /// Paging information (absent for 204 and 304).
    pub info: Option<PageInfo>,
    /// True when the server answered 304 Not Modified to `If-Modified-Since`.
    pub not_modified: bool,
}

/// A successful upload: the new attachment's id and Zoho's details.
#[derive(Clone, Debug, PartialEq)]
pub struct Uploaded {
    /// The new attachment's id.
    pub id: AttachmentId,
    /// Zoho's message, e.g. `attachment uploaded successfully`.
    pub message: String,
    /// Zoho's details (`id`, `Created_Time`, `Created_By`, ...).
    pub details: serde_json::Value,
}

impl Uploaded {
    pub(super) fn from_item(item: ActionItem, resp: &Response<Bytes>) -> Result<Self, Error> {
        let id = item
            .detail_id()
            .and_then(|id| AttachmentId::new(id).ok())
            .ok_or_else(|| Error::Decode {
                status: resp.status(),
                path: String::from("data[0].details.id"),
                message: String::from("expected the new attachment's id"),
                body: resp.body().clone(),
            })?;
        Ok(Self {
            id,
            message: item.message,
            details: item.details,
        })
    }
}

/// A successful delete of one attachment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// The id deleted.
    pub id: AttachmentId,
    /// Zoho's message, e.g. `record deleted`.
    pub message: String,
}
