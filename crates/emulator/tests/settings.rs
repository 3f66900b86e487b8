//! `settings/modules` and `settings/fields`, which Zoho's own SDKs call before photo uploads and
//! record calls: the fields they read, Zoho's errors for a missing or unknown module, a missing
//! scope and a wrong method, on both products.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{T, json};

#[tokio::test]
async fn modules_carry_what_the_sdks_read() {
    let t = T::new();
    let (s, v) = json(t.get("/crm/v8/settings/modules").await).await;
    assert_eq!(s, 200, "{v}");
    let modules = v["modules"].as_array().unwrap();
    let find = |name: &str| modules.iter().find(|m| m["api_name"] == name).unwrap();
    assert_eq!(find("CustomModule1")["generated_type"], "custom");
    assert_eq!(find("Deals")["generated_type"], "default");
    assert_eq!(find("Leads")["singular_label"], "Lead");
    assert_eq!(find("Price_Books")["plural_label"], "Price Books");
    assert!(
        modules
            .iter()
            .all(|m| m["api_supported"] == true && m["id"].is_string())
    );
    let (s, v) = json(t.get("/bigin/v2/settings/modules").await).await;
    assert_eq!(s, 200, "{v}");
    let names: Vec<&str> = v["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["api_name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Pipelines") && names.contains(&"Contacts"),
        "{names:?}"
    );
    assert!(!names.contains(&"Leads"), "{names:?}");
}

#[tokio::test]
async fn fields_name_their_types() {
    let t = T::new();
    let (s, v) = json(t.get("/crm/v8/settings/fields?module=leads").await).await;
    assert_eq!(s, 200, "{v}");
    let fields = v["fields"].as_array().unwrap();
    let kind = |name: &str| {
        let f = fields.iter().find(|f| f["api_name"] == name).unwrap();
        (f["data_type"].clone(), f["json_type"].clone())
    };
    assert_eq!(kind("Last_Name").0, "text");
    assert_eq!(
        kind("File_Upload"),
        ("fileupload".into(), "jsonarray".into())
    );
    assert_eq!(
        kind("Image_Upload"),
        ("imageupload".into(), "jsonarray".into())
    );
    assert_eq!(kind("Record_Image").0, "profileimage");
    let mandatory: Vec<_> = fields
        .iter()
        .filter(|f| f["system_mandatory"] == true)
        .collect();
    assert_eq!(mandatory.len(), 1);
    let ids: std::collections::HashSet<_> =
        fields.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), fields.len(), "ids are unique");
    let (s, v) = json(t.get("/bigin/v2/settings/fields?module=Pipelines").await).await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test]
async fn settings_errors_are_zohos() {
    let t = T::new();
    let (s, v) = json(t.get("/crm/v8/settings/fields").await).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("REQUIRED_PARAM_MISSING")),
        "{v}"
    );
    assert_eq!(v["details"]["param"], "module");
    let (s, v) = json(t.get("/crm/v8/settings/fields?module=Nope").await).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("INVALID_MODULE")),
        "{v}"
    );
    let r = t
        .http
        .post(t.url("/crm/v8/settings/modules"))
        .header("Authorization", t.auth())
        .send()
        .await
        .unwrap();
    let (s, v) = json(r).await;
    assert_eq!(v["code"], "INVALID_REQUEST_METHOD", "{s} {v}");
    let narrow = t.emu.token_with_scopes(&["ZohoCRM.modules.ALL"]);
    let r = t
        .http
        .get(t.url("/crm/v8/settings/modules"))
        .header("Authorization", format!("Zoho-oauthtoken {narrow}"))
        .send()
        .await
        .unwrap();
    let (s, v) = json(r).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (401, Some("OAUTH_SCOPE_MISMATCH")),
        "{v}"
    );
    let fields_only = t.emu.token_with_scopes(&["ZohoCRM.settings.fields.READ"]);
    let get = |path: &str| {
        t.http
            .get(t.url(path))
            .header("Authorization", format!("Zoho-oauthtoken {fields_only}"))
            .send()
    };
    assert_eq!(
        get("/crm/v8/settings/fields?module=Leads")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(get("/crm/v8/settings/modules").await.unwrap().status(), 401);
}
