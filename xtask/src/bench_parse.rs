//! Typed parse of a 200-item attachment page against a `serde_json::Value` parse of the same
//! bytes, in process: the page is the CRM list fixture's item 200 times (ids and names varied).

use std::hint::black_box;
use std::time::{Duration, Instant};

use zoho_crm::zoho_core::bytes::Bytes;
use zoho_crm::zoho_core::http::Response;
use zoho_crm::zoho_core::operation::Operation;
use zoho_crm::zoho_core::ops::RecordRef;
use zoho_crm::zoho_core::ops::attachments::ListAttachments;

/// Medians (with min and max) of typed and `Value` parses, in microseconds per page.
pub struct ParseFigures {
    pub bytes: usize,
    pub typed: [f64; 3],
    pub value: [f64; 3],
}

/// `rounds` paired rounds of `iters` parses each (typed, then `Value`, alternating order).
pub fn run(root: &std::path::Path, rounds: usize, iters: u32) -> Result<ParseFigures, String> {
    let body = page(root)?;
    let op = ListAttachments::new(RecordRef::new(
        zoho_crm::zoho_core::Api::CRM,
        zoho_crm::zoho_core::ModuleName::new("Leads").map_err(|e| e.to_string())?,
        zoho_crm::RecordId::new("4150868000002728001").map_err(|e| e.to_string())?,
    ));
    let typed = || -> Result<(), String> {
        let resp = Response::builder()
            .status(200)
            .header("content-type", "application/json;charset=UTF-8")
            .body(body.clone())
            .map_err(|e| e.to_string())?;
        let page = op.response(resp).map_err(|e| e.to_string())?;
        if page.attachments.len() != 200 {
            return Err(format!("parsed {} items, not 200", page.attachments.len()));
        }
        black_box(page);
        Ok(())
    };
    let value = || -> Result<(), String> {
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        black_box(v);
        Ok(())
    };
    typed()?; // warm up, and check the page parses
    value()?;
    let (mut t, mut v) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let time = |f: &dyn Fn() -> Result<(), String>| -> Result<Duration, String> {
            let start = Instant::now();
            for _ in 0..iters {
                f()?;
            }
            Ok(start.elapsed() / iters)
        };
        if round % 2 == 0 {
            t.push(time(&typed)?);
            v.push(time(&value)?);
        } else {
            v.push(time(&value)?);
            t.push(time(&typed)?);
        }
    }
    Ok(ParseFigures {
        bytes: body.len(),
        typed: spread(t),
        value: spread(v),
    })
}

/// Median, min and max in microseconds.
pub fn spread(mut xs: Vec<Duration>) -> [f64; 3] {
    xs.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    match (xs.first(), xs.get(xs.len() / 2), xs.last()) {
        (Some(&lo), Some(&mid), Some(&hi)) => [us(mid), us(lo), us(hi)],
        _ => [0.0; 3],
    }
}

/// The fixture's one item, 200 times, as Zoho sends a full page.
fn page(root: &std::path::Path) -> Result<Bytes, String> {
    let path = root.join("crates/core/tests/fixtures/crm/list_ok.http");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json = text
        .split_once("\n\n")
        .map(|(_, b)| b)
        .ok_or("no body in the fixture")?;
    let v: serde_json::Value = serde_json::from_str(json.trim()).map_err(|e| e.to_string())?;
    let item = v["data"][0].clone();
    let items: Vec<serde_json::Value> = (0..200u64)
        .map(|i| {
            let mut it = item.clone();
            it["id"] = (4150868000002728012u64 + i).to_string().into();
            it["File_Name"] = format!("Screen Shot 2020-07-24 at 6.12.{i:02} PM.png").into();
            it
        })
        .collect();
    let page = serde_json::json!({"data": items, "info": {"per_page": 200, "count": 200, "page": 1, "more_records": true}});
    Ok(Bytes::from(
        serde_json::to_vec(&page).map_err(|e| e.to_string())?,
    ))
}
