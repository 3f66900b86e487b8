//! The settings calls Zoho's own SDKs make before some operations: `GET /{crm,bigin}/{v}/settings/modules`
//! (the Python SDK reads `api_name`, `api_supported` and `generated_type` before a photo upload
//! to a module outside its built-in list, Deals and custom modules) and
//! `GET …/settings/fields?module=` (`api_name`, `data_type`, `json_type`, `system_mandatory`, …,
//! read before record calls), in the shape Zoho's v8 docs give. Every module the emulator
//! serves is listed; each has its primary name field, a record image, a file-upload field
//! (`File_Upload`) and an image-upload field (`Image_Upload`), and the time stamps.

use http::StatusCode;
use serde_json::{Value, json};

use crate::modules::{self, Product};
use crate::zoho::{self, err};
use axum::response::Response;

/// Modules that Zoho marks `custom` (the rest are `default`).
const CUSTOM: &[&str] = &["CustomModule1"];

fn id_prefix(product: Product) -> &'static str {
    match product {
        Product::Crm => "5725767",
        Product::Bigin => "5725768",
    }
}

/// `Price_Books` → `Price Books`, `Appointments__s` → `Appointments`.
fn label(api_name: &str) -> String {
    api_name.trim_end_matches("__s").replace('_', " ")
}

fn singular(plural: &str) -> String {
    plural
        .strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| plural.strip_suffix('s').map(str::to_owned))
        .unwrap_or_else(|| plural.to_owned())
}

/// `GET …/settings/modules`.
pub fn modules(product: Product) -> Response {
    let list: Vec<Value> = modules::all(product)
        .enumerate()
        .map(|(i, name)| {
            let plural = label(name);
            json!({
                "id": format!("{}0000002{:05}", id_prefix(product), 100 + i),
                "api_name": name,
                "module_name": name,
                "plural_label": plural,
                "singular_label": singular(&plural),
                "generated_type": if CUSTOM.contains(&name) { "custom" } else { "default" },
                "api_supported": true,
                "creatable": true,
                "editable": true,
                "deletable": true,
                "viewable": true,
                "visible": true,
                "status": "visible",
                "sequence_number": i + 1,
                "modified_time": "2026-01-05T10:00:00+00:00",
            })
        })
        .collect();
    zoho::json(StatusCode::OK, &json!({ "modules": list }))
}

/// The field that names a record of `module`.
pub(crate) fn primary_field(module: &str) -> &'static str {
    match module {
        "Leads" | "Contacts" => "Last_Name",
        "Accounts" => "Account_Name",
        "Deals" => "Deal_Name",
        "Products" => "Product_Name",
        "Vendors" => "Vendor_Name",
        "Tasks" | "Events" | "Calls" | "Cases" | "Quotes" | "Invoices" => "Subject",
        _ => "Name",
    }
}

/// `GET …/settings/fields?module=`: 400 without `module`, `INVALID_MODULE` for one the product
/// does not have.
pub fn fields(product: Product, q: &[(String, String)]) -> Response {
    let Some(asked) = q
        .iter()
        .find(|(k, _)| k == "module")
        .map(|(_, v)| v.as_str())
    else {
        return err::required_param("module");
    };
    let Some(module) = modules::canonical(product, asked) else {
        return err::invalid_module();
    };
    let index = modules::all(product).position(|m| m == module).unwrap_or(0);
    let field = |n: usize, api_name: &str, data_type: &str, json_type: &str, mandatory: bool| {
        json!({
            "id": format!("{}0000003{:02}{:03}", id_prefix(product), index % 100, n),
            "api_name": api_name,
            "field_label": label(api_name),
            "display_label": label(api_name),
            "data_type": data_type,
            "json_type": json_type,
            "system_mandatory": mandatory,
            "custom_field": api_name.contains("Upload"),
            "created_source": if api_name.contains("Upload") { "custom" } else { "default" },
            "read_only": false,
            "field_read_only": api_name.ends_with("_Time"),
            "visible": true,
            "length": if data_type == "text" { 120 } else { 0 },
        })
    };
    let list = vec![
        field(1, primary_field(module), "text", "string", true),
        field(2, "Record_Image", "profileimage", "string", false),
        field(3, "File_Upload", "fileupload", "jsonarray", false),
        field(4, "Image_Upload", "imageupload", "jsonarray", false),
        field(5, "Created_Time", "datetime", "string", false),
        field(6, "Modified_Time", "datetime", "string", false),
    ];
    zoho::json(StatusCode::OK, &json!({ "fields": list }))
}
