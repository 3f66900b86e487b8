//! Where the CLI's credentials and settings come from: flags, environment variables, or the
//! file `zoho auth login` writes (mode 0600) in the config directory.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use zoho_core::auth::Credentials;
use zoho_core::{
    Api, BaseUrl, BiginVersion, ClientConfig, CrmVersion, DataCenter, Endpoints, Environment,
};

use crate::Global;
use crate::fail::Failure;

/// What `auth login` saves.
#[derive(Clone, Serialize, Deserialize)]
pub struct Saved {
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    pub dc: String,
    pub env: String,
    #[serde(default)]
    pub base_url: Option<String>,
}

impl std::fmt::Debug for Saved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Saved")
            .field("client_id", &self.client_id)
            .field("dc", &self.dc)
            .field("env", &self.env)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// The config directory: `--config-dir`, `$ZOHO_CONFIG_DIR`, `$XDG_CONFIG_HOME/zoho`, or
/// `~/.config/zoho`.
pub fn config_dir(g: &Global) -> PathBuf {
    if let Some(d) = &g.config_dir {
        return d.clone();
    }
    if let Some(d) = std::env::var_os("ZOHO_CONFIG_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CONFIG_HOME") {
        return PathBuf::from(d).join("zoho");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".config").join("zoho")
}

/// Where one profile's login and cached tokens are kept: the config directory itself for the
/// default profile, `profiles/NAME` in it for `--profile NAME` (or `$ZOHO_PROFILE`).
pub fn profile_dir(g: &Global) -> PathBuf {
    match &g.profile {
        Some(name) => config_dir(g).join("profiles").join(name),
        None => config_dir(g),
    }
}

/// A profile name: letters, digits, `-` and `_` (it names a directory).
pub fn profile_name(s: &str) -> Result<String, String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !s.is_empty() && s.len() <= 64 && s.chars().all(ok) {
        Ok(s.to_owned())
    } else {
        Err(String::from(
            "use letters, digits, `-` and `_` (at most 64), e.g. eu-sandbox",
        ))
    }
}

pub fn credentials_path(g: &Global) -> PathBuf {
    profile_dir(g).join("credentials.json")
}

pub fn tokens_path(g: &Global) -> PathBuf {
    profile_dir(g).join("tokens.json")
}

pub fn load_saved(g: &Global) -> Result<Option<Saved>, Failure> {
    let path = credentials_path(g);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Failure::usage(format!(
                "{} is not a valid credentials file ({e}); run `zoho auth login` again",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::usage(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Writes the credentials file readable by its owner only, atomically.
pub fn save(g: &Global, saved: &Saved) -> Result<PathBuf, Failure> {
    let dir = profile_dir(g);
    let io = |e: std::io::Error| Failure::usage(format!("cannot write to {}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let path = credentials_path(g);
    let bytes = serde_json::to_vec_pretty(saved).map_err(|e| Failure::usage(e.to_string()))?;
    zoho_token_store::write_private_atomic(&path, &bytes).map_err(io)?;
    Ok(path)
}

/// Where credentials came from, for `auth status`.
#[derive(Debug)]
pub enum Origin {
    Env,
    File(PathBuf),
}

/// The endpoints from the flags (or the saved login).
pub fn endpoints(g: &Global, saved: Option<&Saved>) -> Result<(Endpoints, bool), Failure> {
    let base = g
        .base_url
        .clone()
        .or_else(|| saved.and_then(|s| s.base_url.clone()));
    if let Some(url) = base {
        let base = BaseUrl::new(&url).map_err(|e| Failure::usage(e.to_string()))?;
        return Ok((Endpoints::custom(base), true));
    }
    let dc: DataCenter =
        g.dc.clone()
            .or_else(|| saved.map(|s| s.dc.clone()))
            .unwrap_or_else(|| "us".into())
            .parse()
            .map_err(|e: zoho_core::InputError| Failure::usage(e.to_string()))?;
    let env = match g
        .env
        .clone()
        .or_else(|| saved.map(|s| s.env.clone()))
        .as_deref()
    {
        None | Some("production") => Environment::Production,
        Some("sandbox") => Environment::Sandbox,
        Some("developer") => Environment::Developer,
        Some(other) => {
            return Err(Failure::usage(format!(
                "`{other}` is not an environment: use production, sandbox or developer"
            )));
        }
    };
    Ok((Endpoints::for_data_center(dc, env), false))
}

/// The client configuration: credentials from the environment first, then the saved login.
pub fn client_config(g: &Global) -> Result<(ClientConfig, Origin), Failure> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let saved = load_saved(g)?;
    let (credentials, origin) = if let Some(t) = var("ZOHO_ACCESS_TOKEN") {
        (Credentials::access_token(t), Origin::Env)
    } else if let (Some(id), Some(secret), Some(refresh)) = (
        var("ZOHO_CLIENT_ID"),
        var("ZOHO_CLIENT_SECRET"),
        var("ZOHO_REFRESH_TOKEN"),
    ) {
        (Credentials::refresh_token(id, secret, refresh), Origin::Env)
    } else if let Some(s) = &saved {
        (
            Credentials::refresh_token(
                s.client_id.clone(),
                s.client_secret.clone(),
                s.refresh_token.clone(),
            ),
            Origin::File(credentials_path(g)),
        )
    } else {
        return Err(Failure::auth(
            "no credentials: run `zoho auth login`, or set ZOHO_ACCESS_TOKEN, or ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN",
        ));
    };
    let (endpoints, fixed) = endpoints(g, saved.as_ref())?;
    let mut config = ClientConfig::new(endpoints, credentials);
    config.fixed_api_base = fixed;
    // Share access tokens across invocations: Zoho allows 10 per refresh token per 10 minutes.
    config.token_store = Some(std::sync::Arc::new(zoho_token_store::FileTokenStore::new(
        tokens_path(g),
    )));
    Ok((config, origin))
}

/// The product and version from `--product` and `--api-version`.
pub fn api(g: &Global) -> Result<Api, Failure> {
    let bad = |v: &str, all: &str| {
        Failure::usage(format!(
            "`{v}` is not an API version of {}: use one of {all}",
            g.product
        ))
    };
    match g.product.as_str() {
        "crm" => match g.api_version.as_deref() {
            None => Ok(Api::CRM),
            Some(v) => CrmVersion::ALL
                .into_iter()
                .find(|x| x.as_str() == v)
                .map(Api::Crm)
                .ok_or_else(|| bad(v, "v2, v2.1, v3, v4, v5, v6, v7, v8")),
        },
        "bigin" => match g.api_version.as_deref() {
            None => Ok(Api::BIGIN),
            Some(v) => BiginVersion::ALL
                .into_iter()
                .find(|x| x.as_str() == v)
                .map(Api::Bigin)
                .ok_or_else(|| bad(v, "v1, v2")),
        },
        other => Err(Failure::usage(format!(
            "`{other}` is not a product: use crm or bigin"
        ))),
    }
}
