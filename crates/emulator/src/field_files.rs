//! A CRM record's file-upload and image-upload fields: `GET /crm/{v}/{module}/{record}`
//! (the record, with the files each field holds), `PUT /crm/{v}/{module}/{record}` (set a
//! field's files from file-store ids) and `…/actions/download_fields_attachment` (one file).
//!
//! Each module has the two fields `settings/fields` lists: `File_Upload` (its entries in the
//! shape Zoho's SDKs model: `File_Name__s`, `Size__s`, `File_Id__s`, `id`) and `Image_Upload`
//! (`file_Name`, `original_Size_Byte`, `file_Id`, `attachment_Id`, `extn`). An update entry
//! `{"file_id": …}` (or the SDKs' `{"File_Id__s": …}`) adds a stored file; one with `_delete`
//! removes the entry whose `id` (or `attachment_id`) it gives. A bad entry refuses the whole
//! update with INVALID_DATA naming the field (`api_name`) and the entry (`json_path`), and
//! nothing changes. Other fields of the body are ignored, as the emulator keeps no other data.
//! Bigin documents no file-field downloads, so these routes are CRM's.

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::App;
use crate::store::{FieldFile, State, field_key, lock};
use crate::zoho::{self, err, iso, now_secs};

/// The file fields of every module.
pub const FILE_FIELDS: &[&str] = &["File_Upload", "Image_Upload"];

/// Largest update body read.
const MAX_BODY: usize = 1024 * 1024;

/// A seeded field file: module, record, field, entry id, name, bytes.
pub type Seed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [u8],
);

/// The seeded field files.
pub const SEEDED: &[Seed] = &[(
    "Leads",
    "5725767000000010001",
    "File_Upload",
    "5725767000000500001",
    "signed-contract.pdf",
    b"%PDF-1.4\n% a signed contract, kept in a file-upload field\n",
)];

/// One entry of a field's value, as the record's GET shows it.
fn entry_json(st: &State, field: &str, f: &FieldFile) -> Value {
    let Some(stored) = st.files.get(&f.file_id) else {
        return Value::Null;
    };
    if field == "Image_Upload" {
        let extn = stored.name.rsplit_once('.').map_or("", |(_, e)| e);
        json!({
            "file_Name": stored.name,
            "original_Size_Byte": stored.size.to_string(),
            "file_Id": f.file_id,
            "attachment_Id": f.id,
            "extn": extn,
        })
    } else {
        json!({
            "File_Name__s": stored.name,
            "Size__s": stored.size.to_string(),
            "File_Id__s": f.file_id,
            "id": f.id,
        })
    }
}

/// `GET` the record `record_key` (checked to exist): `id`, its name, the file fields and the
/// time stamps, or only the `fields` asked for (`id` always).
pub fn get(app: &App, module: &str, record_key: &str, q: &[(String, String)]) -> Response {
    let st = lock(&app.state);
    let Some(r) = st.records.get(record_key) else {
        return zoho::empty(StatusCode::NO_CONTENT);
    };
    let mut rec = Map::new();
    rec.insert("id".into(), json!(r.id));
    rec.insert(crate::settings::primary_field(module).into(), json!(r.name));
    for field in FILE_FIELDS {
        let files = st.field_files.get(&field_key(record_key, field));
        let list: Vec<Value> = files
            .into_iter()
            .flatten()
            .map(|f| entry_json(&st, field, f))
            .filter(|v| !v.is_null())
            .collect();
        let value = if list.is_empty() {
            Value::Null
        } else {
            Value::Array(list)
        };
        rec.insert((*field).into(), value);
    }
    rec.insert("Created_Time".into(), json!("2026-01-05T10:00:00+00:00"));
    rec.insert("Modified_Time".into(), json!("2026-01-05T10:00:00+00:00"));
    let asked: Option<Vec<&str>> = q
        .iter()
        .find(|(k, _)| k == "fields")
        .map(|(_, v)| v.split(',').map(str::trim).collect());
    if let Some(asked) = asked {
        rec.retain(|k, _| k == "id" || asked.contains(&k.as_str()));
    }
    zoho::json(StatusCode::OK, &json!({ "data": [rec] }))
}

fn refuse(message: &str, field: &str, path: String) -> Response {
    let item = json!({
        "code": "INVALID_DATA",
        "details": { "api_name": field, "json_path": path },
        "message": message,
        "status": "error",
    });
    zoho::json(StatusCode::BAD_REQUEST, &json!({ "data": [item] }))
}

fn text<'a>(entry: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|k| entry.get(*k).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
}

/// Applies one field's entries to `files` (the field's current value), or the refusal.
fn apply(
    st: &mut State,
    field: &str,
    entries: &Value,
    files: &mut Vec<FieldFile>,
) -> Result<(), Response> {
    let at = |i: usize, k: &str| format!("$.data[0].{field}[{i}].{k}");
    let Some(entries) = entries.as_array() else {
        return Err(refuse(
            "invalid data: expected a JSON array",
            field,
            format!("$.data[0].{field}"),
        ));
    };
    for (i, e) in entries.iter().enumerate() {
        let Some(e) = e.as_object() else {
            return Err(refuse(
                "invalid data",
                field,
                format!("$.data[0].{field}[{i}]"),
            ));
        };
        if e.contains_key("_delete") {
            let id = text(e, &["id", "attachment_id", "attachment_Id"]);
            let before = files.len();
            files.retain(|f| Some(f.id.as_str()) != id);
            if files.len() == before {
                return Err(refuse(
                    "the id given seems to be invalid",
                    field,
                    at(i, "id"),
                ));
            }
            continue;
        }
        let file_id = text(e, &["file_id", "File_Id__s"]);
        let known = file_id.filter(|id| st.files.contains_key(*id));
        let used = |id: &str| st.field_files.values().flatten().any(|f| f.file_id == id);
        match known {
            Some(id) if !used(id) && !files.iter().any(|f| f.file_id == id) => {
                let entry_id = st.new_id();
                files.push(FieldFile {
                    id: entry_id,
                    file_id: id.to_owned(),
                });
            }
            _ => {
                return Err(refuse(
                    "the file id given seems to be invalid or already used",
                    field,
                    at(i, "file_id"),
                ));
            }
        }
    }
    Ok(())
}

/// `PUT` the record `record_key` (checked to exist): the file fields in `data[0]` set, all or
/// nothing.
pub async fn update(app: &App, record_key: &str, locked: bool, body: Option<Body>) -> Response {
    let Some(body) = body else {
        return err::invalid_data("the request has no body", json!({}));
    };
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return err::invalid_data(
            "the request body is too large",
            json!({ "maximum_length": MAX_BODY }),
        );
    };
    let Ok(doc) = serde_json::from_slice::<Value>(&bytes) else {
        return err::invalid_data("the body is not valid JSON", json!({}));
    };
    let Some([Value::Object(rec)]) = doc.get("data").and_then(Value::as_array).map(Vec::as_slice)
    else {
        return err::invalid_data(
            "expected one record in data",
            json!({ "json_path": "$.data" }),
        );
    };
    if locked {
        return err::record_locked();
    }
    let mut st = lock(&app.state);
    let mut changed = Vec::new();
    for field in FILE_FIELDS {
        if let Some(entries) = rec.get(*field) {
            let key = field_key(record_key, field);
            let mut files = st.field_files.get(&key).cloned().unwrap_or_default();
            if let Err(refused) = apply(&mut st, field, entries, &mut files) {
                return refused;
            }
            changed.push((key, files));
        }
    }
    for (key, files) in changed {
        st.field_files.insert(key, files);
    }
    let id = st.records.get(record_key).map(|r| r.id.clone());
    let by = crate::api::user();
    let details = json!({
        "Modified_Time": iso(now_secs()),
        "Modified_By": by,
        "Created_Time": "2026-01-05T10:00:00+00:00",
        "id": id,
        "Created_By": by,
    });
    let item = zoho::success_item(details, "record updated");
    zoho::json(StatusCode::OK, &json!({ "data": [item] }))
}

/// `download_fields_attachment` for the record `record_key` (checked to exist).
pub async fn download(app: &App, record_key: &str, q: &[(String, String)]) -> Response {
    let Some(id) = q
        .iter()
        .find(|(k, _)| k == "fields_attachment_id")
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
    else {
        return err::required_param("fields_attachment_id");
    };
    let found = {
        let st = lock(&app.state);
        FILE_FIELDS
            .iter()
            .filter_map(|f| st.field_files.get(&field_key(record_key, f)))
            .flatten()
            .find(|f| f.id == id)
            .and_then(|f| st.files.get(&f.file_id).cloned())
    };
    match found {
        Some(f) => crate::api::file_answer(app, &f.blob, &f.name, "application/x-download").await,
        None => err::invalid_data(
            "the id given seems to be invalid",
            json!({ "param": "fields_attachment_id" }),
        ),
    }
}
