//! `GET /{crm|bigin}/{v}/{module}?fields=id`: a module's records, a page at a time, as a
//! whole-module backup walks them (zoho-api-facts addendum, v8 get-records): `fields` is
//! required (CRM v3 and later, Bigin), `per_page` at most 200, `page` numbers, and in CRM v8
//! `page_token` cursors (never sent together with `page`). Only the fields asked for come back,
//! `id` always.

use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

use crate::App;
use crate::modules::{self, Product};
use crate::oauth::{Need, Op};
use crate::store::lock;
use crate::zoho::{self, err};

/// The list, for a caller whose token has `scopes`.
pub fn list(
    app: &App,
    product: Product,
    version: u8,
    scopes: &[String],
    module: &str,
    q: &[(String, String)],
) -> Response {
    let param = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let Some(module) = modules::canonical(product, module) else {
        return err::invalid_module();
    };
    if !crate::oauth::grants(
        scopes,
        product,
        &Need::Photo {
            module,
            op: Op::Read,
        },
    ) {
        return err::scope_mismatch();
    }
    let required = product == Product::Bigin || version >= 30;
    let (fields, per_page, page) = match paging(q, required) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let v8 = product == Product::Crm && version >= 80;
    let list_key = format!("records:{}/{module}", product.as_str());
    let mut st = lock(&app.state);
    let mut offset = (page - 1).saturating_mul(per_page);
    let mut per_page = per_page;
    if let Some(token) = param("page_token") {
        if !v8 || param("page").is_some() {
            return err::invalid_data(
                "page_token is for CRM v8, and never with page",
                json!({ "param": "page_token" }),
            );
        }
        match st.page_tokens.get(token) {
            Some((key, off, pp)) if *key == list_key => (offset, per_page) = (*off, *pp),
            _ => {
                return err::invalid_data(
                    "the page token given seems to be invalid or expired",
                    json!({ "param": "page_token" }),
                );
            }
        }
    }
    let all: Vec<(String, String)> = st
        .records
        .values()
        .filter(|r| r.product == product && r.module == module)
        .map(|r| (r.id.clone(), r.name.clone()))
        .collect();
    let items: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(per_page)
        .map(|(id, name)| {
            let mut v = json!({ "id": id });
            for f in &fields {
                if f != "id" {
                    v[f.as_str()] = if f.ends_with("Name") {
                        json!(name)
                    } else {
                        Value::Null
                    };
                }
            }
            v
        })
        .collect();
    if items.is_empty() {
        return zoho::empty(StatusCode::NO_CONTENT);
    }
    let info = st.page_info(&list_key, offset, per_page, items.len(), all.len(), v8);
    zoho::json(StatusCode::OK, &json!({ "data": items, "info": info }))
}

/// A list's `fields` (required when `fields_required`: REQUIRED_PARAM_MISSING without),
/// `per_page` (1 to 200, default 200) and `page` (from 1), or the INVALID_DATA answer for a bad
/// number.
pub(crate) fn paging(
    q: &[(String, String)],
    fields_required: bool,
) -> Result<(Vec<String>, usize, usize), Response> {
    let param = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let fields: Vec<String> = param("fields")
        .map(|f| {
            f.split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if fields_required && fields.is_empty() {
        return Err(err::required_param("fields"));
    }
    let number = |name: &str, max: usize| match param(name) {
        None => Ok(None),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(err::invalid_data(
                &format!("the {name} value is invalid"),
                json!({ "param": name, "maximum": max }),
            )),
        },
    };
    let per_page = number("per_page", 200)?.unwrap_or(200);
    let page = number("page", usize::MAX)?.unwrap_or(1);
    Ok((fields, per_page, page))
}
