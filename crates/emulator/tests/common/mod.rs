//! Shared helpers: a started emulator and a plain reqwest client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::{Client, Response, multipart};
use serde_json::Value;
#[allow(unused_imports)]
pub use zoho_emulator::{Config, Emulator, Product};

pub const CRM_LEAD: &str = "5725767000000010001";
pub const LOCKED_LEAD: &str = "5725767000000019999";
pub const BIGIN_CONTACT: &str = "5725768000000010001";

pub struct T {
    pub emu: Emulator,
    pub http: Client,
}

impl T {
    pub fn new() -> T {
        T::with(Config::default())
    }

    pub fn with(config: Config) -> T {
        T {
            emu: Emulator::start(config).unwrap(),
            http: Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.base_url())
    }

    pub fn auth(&self) -> String {
        format!("Zoho-oauthtoken {}", self.emu.access_token())
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http
            .get(self.url(path))
            .header("Authorization", self.auth())
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.http
            .delete(self.url(path))
            .header("Authorization", self.auth())
            .send()
            .await
            .unwrap()
    }

    pub async fn post_file(&self, path: &str, name: &str, data: Vec<u8>) -> Response {
        let form = multipart::Form::new().part(
            "file",
            multipart::Part::bytes(data).file_name(name.to_owned()),
        );
        self.http
            .post(self.url(path))
            .header("Authorization", self.auth())
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn admin_put_faults(&self, plan: Value) {
        let r = self
            .http
            .put(self.url("/__emulator/faults"))
            .bearer_auth(self.emu.admin_token())
            .json(&plan)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
}

/// Status and JSON body.
pub async fn json(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let v = if text.is_empty() {
        Value::Null
    } else {
        match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) => Value::String(text),
        }
    };
    (status, v)
}

/// Asserts Zoho's error envelope.
pub async fn expect_error(r: Response, status: u16, code: &str) -> Value {
    let (s, v) = json(r).await;
    assert_eq!(s, status, "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert_eq!(v["status"], "error", "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert!(v["details"].is_object(), "{v}");
    v
}
