//! `zoho auth scopes` and `zoho auth url`: the scope string to paste into Zoho's API console,
//! and the consent page that gives a grant code for `zoho auth login --redirect-url`.

use serde_json::json;

use crate::Global;
use crate::fail::Failure;

/// The scopes the `zoho` commands need: every module, or only `modules` (with attachments), and
/// the file store for CRM. (Per operation, see docs/scopes.md.)
pub fn scopes(g: &Global, modules: &[String]) -> Vec<String> {
    let product = if g.product == "bigin" {
        "ZohoBigin"
    } else {
        "ZohoCRM"
    };
    let mut out: Vec<String> = if modules.is_empty() {
        vec![format!("{product}.modules.ALL")]
    } else {
        let mut v: Vec<String> = modules
            .iter()
            .map(|m| format!("{product}.modules.{m}.ALL"))
            .collect();
        v.push(format!("{product}.modules.attachments.ALL"));
        v
    };
    if product == "ZohoCRM" {
        out.push(String::from("ZohoCRM.files.ALL"));
    }
    out
}

pub fn print_scopes(g: &Global, modules: &[String]) -> Result<(), Failure> {
    check_modules(modules)?;
    let scopes = scopes(g, modules);
    if g.json {
        out!("{}", json!({ "scopes": scopes }));
    } else {
        out!("{}", scopes.join(","));
    }
    Ok(())
}

pub fn print_url(
    g: &Global,
    client_id: &str,
    redirect_uri: &str,
    modules: &[String],
) -> Result<(), Failure> {
    check_modules(modules)?;
    let scopes = scopes(g, modules);
    let (endpoints, custom) = crate::settings::endpoints(g, None)?;
    let url = match endpoints.data_center.filter(|_| !custom) {
        Some(dc) => zoho_core::consent::authorization_url(dc, client_id, &scopes, redirect_uri),
        // A custom base (the emulator) is its own accounts server and consent page.
        None => zoho_core::consent::authorization_url_at(
            endpoints.accounts.as_str(),
            client_id,
            &scopes,
            redirect_uri,
        ),
    };
    if g.json {
        out!("{}", json!({ "url": url }));
    } else {
        out!("{url}");
        eprintln!(
            "Open it, consent, then run `zoho auth login --client-id {client_id} --redirect-url '<the URL the browser went to>'`."
        );
    }
    Ok(())
}

fn check_modules(modules: &[String]) -> Result<(), Failure> {
    for m in modules {
        zoho_core::ModuleName::new(m).map_err(|e| Failure::usage(format!("{e}.")))?;
    }
    Ok(())
}
