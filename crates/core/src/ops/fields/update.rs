//! `PUT /crm/{v}/{module}/{record}`: set the files of a file-upload or image-upload field.

use bytes::Bytes;
use http::{Method, Request, Response};
use serde_json::{Value, json};

use crate::api::CrmVersion;
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::{Error, InputError};
use crate::ids::{AttachmentId, FileId, RecordId};
use crate::module::ModuleName;
use crate::operation::{Operation, build};
use crate::response;

use super::{FieldName, FieldRef};

/// Adds file-store files to a field (`{"file_id": …}` entries) and removes files it holds
/// (`{"id": …, "_delete": null}`), in one record update. A field-level refusal (an unknown
/// file id, a field that is not a file field, too many files) is [`Error::Api`] whose
/// [`field`](crate::ApiError::field) names the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetFieldFiles {
    target: FieldRef,
    add: Vec<FileId>,
    remove: Vec<AttachmentId>,
}

/// A record that was updated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordUpdated {
    /// The record's id.
    pub id: RecordId,
    /// When Zoho says it was modified (ISO-8601), if it says.
    pub modified_time: Option<String>,
}

impl SetFieldFiles {
    /// An update of `field` of `record` in `module` that changes nothing yet.
    pub fn new(
        version: CrmVersion,
        module: ModuleName,
        record: RecordId,
        field: FieldName,
    ) -> Self {
        Self {
            target: FieldRef {
                version,
                module,
                record,
                field,
            },
            add: Vec::new(),
            remove: Vec::new(),
        }
    }

    /// Adds file-store files (ids from [`UploadFiles`](crate::ops::files::UploadFiles)).
    pub fn add_files(mut self, ids: impl IntoIterator<Item = FileId>) -> Self {
        self.add.extend(ids);
        self
    }

    /// Removes files the field holds, by the id its value gives ([`super::FieldFile::id`]).
    pub fn remove_files(mut self, ids: impl IntoIterator<Item = AttachmentId>) -> Self {
        self.remove.extend(ids);
        self
    }
}

impl Operation for SetFieldFiles {
    type Output = RecordUpdated;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        if self.add.is_empty() && self.remove.is_empty() {
            return Err(InputError::Empty {
                what: "the files to add to or remove from the field",
            }
            .into());
        }
        let entries: Vec<Value> = self
            .add
            .iter()
            .map(|id| json!({ "file_id": id.as_str() }))
            .chain(
                self.remove
                    .iter()
                    .map(|id| json!({ "id": id.as_str(), "_delete": null })),
            )
            .collect();
        let mut record = serde_json::Map::new();
        record.insert(self.target.field.as_str().to_owned(), Value::Array(entries));
        let body = json!({ "data": [Value::Object(record)] });
        let uri = self.target.record_uri(base, &[])?;
        let mut req = build(Method::PUT, uri, Body::Bytes(body.to_string().into()))?;
        req.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        Ok(req)
    }

    fn response(&self, resp: Response<Bytes>) -> Result<RecordUpdated, Error> {
        let item = response::single_action(&resp)?;
        let text = |k: &str| item.details.get(k).and_then(Value::as_str);
        let id = text("id")
            .and_then(|id| RecordId::new(id).ok())
            .unwrap_or_else(|| self.target.record.clone());
        Ok(RecordUpdated {
            id,
            modified_time: text("Modified_Time").map(str::to_owned),
        })
    }

    /// Adding a file twice puts it in the field twice, so a cut call is not sent again.
    fn idempotent(&self) -> bool {
        self.add.is_empty()
    }
}
