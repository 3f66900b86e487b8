//! `DELETE .../Attachments?ids=...`: delete many, in batches, with one outcome per id.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};

use crate::api::Feature;
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::{ApiError, Error, InputError};
use crate::ids::AttachmentId;
use crate::operation::{Operation, build};
use crate::response::{self, ActionItem};

use super::DEFAULT_DELETE_BATCH;
use super::join_ids;
use crate::ops::RecordRef;

/// Deletes many attachments of one record: `DELETE .../Attachments?ids=a,b,c`, split into
/// batches of at most [`DEFAULT_DELETE_BATCH`] ids.
///
/// Run each of [`batches`](Self::batches) as an operation, then pass every batch with its result
/// to [`merge`](Self::merge): the report has one outcome per id, whether its batch succeeded,
/// failed per item, or failed as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteAttachments {
    target: RecordRef,
    ids: Vec<AttachmentId>,
    batch_size: usize,
}

impl DeleteAttachments {
    /// Deletes these attachments. Repeated ids are sent once.
    pub fn new(target: RecordRef, ids: impl IntoIterator<Item = AttachmentId>) -> Self {
        let mut seen = std::collections::HashSet::new();
        let ids = ids
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        Self {
            target,
            ids,
            batch_size: DEFAULT_DELETE_BATCH,
        }
    }

    /// Ids per call (at least 1).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// The calls to make. Fails on an empty id list or an unsupported module.
    pub fn batches(&self) -> Result<Vec<DeleteAttachmentsBatch>, InputError> {
        if self.ids.is_empty() {
            return Err(InputError::Empty {
                what: "the list of attachment ids to delete",
            });
        }
        self.target.check(Feature::Attachments)?;
        Ok(self
            .ids
            .chunks(self.batch_size)
            .map(|chunk| DeleteAttachmentsBatch {
                target: self.target.clone(),
                ids: chunk.to_vec(),
            })
            .collect())
    }

    /// Merges the batches' results into one outcome per id, in the order the ids were given.
    pub fn merge(
        results: impl IntoIterator<Item = (DeleteAttachmentsBatch, Result<Vec<DeleteResult>, Error>)>,
    ) -> Vec<DeleteResult> {
        let mut out = Vec::new();
        for (batch, result) in results {
            match result {
                Ok(items) => out.extend(items),
                Err(e) => {
                    let shared = Arc::new(e);
                    out.extend(batch.ids.into_iter().map(|id| DeleteResult {
                        id,
                        outcome: DeleteOutcome::BatchFailed(Arc::clone(&shared)),
                    }));
                }
            }
        }
        out
    }
}

/// One call of a bulk delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteAttachmentsBatch {
    target: RecordRef,
    ids: Vec<AttachmentId>,
}

impl DeleteAttachmentsBatch {
    /// The ids of this call.
    pub fn ids(&self) -> &[AttachmentId] {
        &self.ids
    }
}

/// What happened to one id of a bulk delete.
#[derive(Clone, Debug)]
pub enum DeleteOutcome {
    /// Zoho deleted it.
    Deleted {
        /// Zoho's message.
        message: String,
    },
    /// Zoho refused it (e.g. `INVALID_DATA` for an id that is not the record's).
    Failed(ApiError),
    /// Zoho's answer had no entry for this id.
    NoResult,
    /// The whole call failed (connection, token, a request-level error); shared by every id of
    /// that call.
    BatchFailed(Arc<Error>),
}

impl DeleteOutcome {
    /// True when the id was deleted.
    pub fn is_deleted(&self) -> bool {
        matches!(self, DeleteOutcome::Deleted { .. })
    }
}

/// The outcome for one id.
#[derive(Clone, Debug)]
pub struct DeleteResult {
    /// The id.
    pub id: AttachmentId,
    /// What happened to it.
    pub outcome: DeleteOutcome,
}

impl Operation for DeleteAttachmentsBatch {
    type Output = Vec<DeleteResult>;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        if self.ids.is_empty() {
            return Err(InputError::Empty {
                what: "the list of attachment ids to delete",
            }
            .into());
        }
        self.target.check(Feature::Attachments)?;
        let ids = join_ids(&self.ids);
        let uri = self.target.uri(base, &["Attachments"], &[("ids", &ids)])?;
        build(Method::DELETE, uri, Body::Empty)
    }

    /// Per-id results are read from `{"data": [...]}` whatever the status (200, 207 or 400);
    /// any other answer fails the whole batch.
    fn response(&self, resp: Response<Bytes>) -> Result<Vec<DeleteResult>, Error> {
        let status = resp.status();
        let parsed = serde_json::from_slice::<serde_json::Value>(resp.body())
            .ok()
            .filter(|v| v.get("data").is_some_and(serde_json::Value::is_array));
        let Some(value) = parsed else {
            return Err(if status.is_success() {
                response::decode::<response::ActionWrapper>(status, resp.body())
                    .err()
                    .unwrap_or_else(|| response::unexpected(&resp))
            } else {
                response::error_from(&resp)
            });
        };
        let items: response::ActionWrapper =
            serde_json::from_value(value).map_err(|e| Error::Decode {
                status,
                path: String::from("data"),
                message: e.to_string(),
                body: resp.body().clone(),
            })?;
        Ok(match_results(&self.ids, items.data, status))
    }

    fn idempotent(&self) -> bool {
        true
    }
}

/// Pairs answer items with ids: by `details.id` where given, else by position among the items
/// without one. A failed item's error carries the status of the whole answer.
fn match_results(
    ids: &[AttachmentId],
    items: Vec<ActionItem>,
    status: StatusCode,
) -> Vec<DeleteResult> {
    let mut by_id: HashMap<&str, ActionItem> = HashMap::new();
    let mut anonymous = Vec::new();
    for item in items {
        match item.detail_id().map(str::to_owned) {
            Some(id) => {
                if let Some(known) = ids.iter().find(|k| k.as_str() == id) {
                    by_id.entry(known.as_str()).or_insert(item);
                }
            }
            None => anonymous.push(item),
        }
    }
    let mut anonymous = anonymous.into_iter();
    ids.iter()
        .map(|id| {
            let item = by_id.remove(id.as_str()).or_else(|| anonymous.next());
            let outcome = match item {
                None => DeleteOutcome::NoResult,
                Some(i) if i.is_success() => DeleteOutcome::Deleted { message: i.message },
                Some(i) => DeleteOutcome::Failed(i.to_error(status)),
            };
            DeleteResult {
                id: id.clone(),
                outcome,
            }
        })
        .collect()
}
