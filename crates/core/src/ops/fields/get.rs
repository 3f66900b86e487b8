//! `GET /crm/{v}/{module}/{record}?fields={field}`: the files a record's file-upload or
//! image-upload field holds.

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::CrmVersion;
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::Error;
use crate::ids::RecordId;
use crate::module::ModuleName;
use crate::operation::{Operation, build};
use crate::response;

use super::{FieldFile, FieldName, FieldRef};

/// Reads one field of one record, as a list of files. HTTP 204 and an empty or `null` field
/// are an empty list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetFieldFiles(FieldRef);

impl GetFieldFiles {
    /// The files in `field` of `record` in `module`.
    pub fn new(
        version: CrmVersion,
        module: ModuleName,
        record: RecordId,
        field: FieldName,
    ) -> Self {
        Self(FieldRef {
            version,
            module,
            record,
            field,
        })
    }
}

#[derive(Deserialize)]
struct Wrapper {
    #[serde(default)]
    data: Vec<Map<String, Value>>,
}

impl Operation for GetFieldFiles {
    type Output = Vec<FieldFile>;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        let uri = self
            .0
            .record_uri(base, &[("fields", self.0.field.as_str())])?;
        build(Method::GET, uri, Body::Empty)
    }

    fn response(&self, resp: Response<Bytes>) -> Result<Vec<FieldFile>, Error> {
        if resp.status() == StatusCode::NO_CONTENT {
            return Ok(Vec::new());
        }
        let w: Wrapper = response::json(&resp)?;
        let field = &self.0.field;
        let value = w.data.first().and_then(|r| r.get(field.as_str()));
        match value {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items
                .iter()
                .filter_map(Value::as_object)
                .map(FieldFile::from_json)
                .collect()),
            Some(_) => Err(Error::Decode {
                status: resp.status(),
                path: format!("data[0].{field}"),
                message: String::from(
                    "expected a list of files: is this a file-upload or image-upload field?",
                ),
                body: resp.body().clone(),
            }),
        }
    }

    fn idempotent(&self) -> bool {
        true
    }
}
