//! `zoho auth`: log in (a grant code, a pasted redirect or a refresh token), show the login and
//! the token it gives without minting one, print scopes and the consent URL, log out.

use clap::Subcommand;
use serde_json::json;
use zoho_blocking_transport::Transport;
use zoho_core::auth::{Client, Grant, RevokeRequest, Secret, TokenRequest};

use crate::fail::Failure;
use crate::{Global, consent, settings};

#[derive(Subcommand)]
pub(crate) enum AuthCmd {
    /// Exchange a grant code from Zoho's self-client page for a refresh token, or save one given.
    Login {
        #[arg(long)]
        client_id: String,
        /// The client secret (or ZOHO_CLIENT_SECRET).
        #[arg(long, env = "ZOHO_CLIENT_SECRET", hide_env_values = true)]
        client_secret: String,
        /// A grant code (one use, a few minutes).
        #[arg(
            long,
            conflicts_with_all = ["refresh_token", "redirect_url"],
            required_unless_present_any = ["refresh_token", "redirect_url"]
        )]
        grant_code: Option<String>,
        /// The URL the browser went to after `zoho auth url`: its code, and the account's data
        /// centre (which replaces --dc).
        #[arg(long, conflicts_with = "refresh_token")]
        redirect_url: Option<String>,
        /// A refresh token you already have.
        #[arg(long)]
        refresh_token: Option<String>,
        /// The redirect URI the grant code was issued for, if any.
        #[arg(long)]
        redirect_uri: Option<String>,
    },
    /// Show where credentials come from and check that a token can be had.
    Status,
    /// Print the scopes to ask for (every module, or `--module` ones, and CRM's file store).
    Scopes {
        /// Only these modules' API names (repeatable), e.g. --module Deals.
        #[arg(long)]
        module: Vec<String>,
    },
    /// Print Zoho's consent page URL for a grant code with those scopes (offline access).
    Url {
        #[arg(long)]
        client_id: String,
        /// Where Zoho sends the browser afterwards, as registered for the client.
        #[arg(long)]
        redirect_uri: String,
        /// Only these modules (repeatable).
        #[arg(long)]
        module: Vec<String>,
    },
    /// Revoke the saved refresh token and forget it.
    Logout,
}

pub(crate) fn run(g: &Global, cmd: AuthCmd) -> Result<(), Failure> {
    match cmd {
        AuthCmd::Scopes { module } => consent::print_scopes(g, &module),
        AuthCmd::Url {
            client_id,
            redirect_uri,
            module,
        } => consent::print_url(g, &client_id, &redirect_uri, &module),
        AuthCmd::Login {
            client_id,
            client_secret,
            grant_code,
            redirect_url,
            refresh_token,
            redirect_uri,
        } => {
            // A pasted redirect carries the code and names the account's data centre.
            let mut g = g.clone();
            let grant_code = match redirect_url {
                Some(url) => {
                    let r = zoho_core::consent::Redirect::parse(&url)
                        .map_err(|e| Failure::usage(format!("{e}.")))?;
                    if let Some(dc) = r.data_center {
                        g.dc = Some(dc.as_str().to_owned());
                    }
                    Some(r.code.expose().to_owned())
                }
                None => grant_code,
            };
            let g = &g;
            let (endpoints, _) = settings::endpoints(g, None)?;
            let client = Client {
                id: client_id.clone(),
                secret: Secret::new(client_secret.clone()),
            };
            let refresh = match (grant_code, refresh_token) {
                (_, Some(t)) => t,
                (Some(code), None) => {
                    let t = Transport::new(zoho_core::ClientConfig::new(
                        endpoints.clone(),
                        zoho_core::auth::Credentials::access_token(""),
                    ))?;
                    let req = TokenRequest {
                        accounts: endpoints.accounts.clone(),
                        client,
                        grant: Grant::AuthorizationCode {
                            code: Secret::new(code),
                            redirect_uri,
                        },
                    };
                    let token = t.request_token(&req)?;
                    match token.refresh_token {
                        Some(r) => r.expose().to_owned(),
                        None => {
                            return Err(Failure::auth(
                                "Zoho returned no refresh token: create the grant code with access type offline, then log in again.",
                            ));
                        }
                    }
                }
                (None, None) => return Err(Failure::usage("give --grant-code or --refresh-token")),
            };
            let saved = settings::Saved {
                client_id,
                client_secret,
                refresh_token: refresh,
                dc: g.dc.clone().unwrap_or_else(|| "us".into()),
                env: g.env.clone().unwrap_or_else(|| "production".into()),
                base_url: g.base_url.clone(),
            };
            let path = settings::save(g, &saved)?;
            if g.json {
                out!(
                    "{}",
                    json!({ "saved": path, "client_id": saved.client_id, "dc": saved.dc })
                );
            } else {
                out!(
                    "Logged in: credentials saved to {} (readable by you only).",
                    path.display()
                );
            }
            Ok(())
        }
        AuthCmd::Status => {
            let (config, origin) = settings::client_config(g)?;
            let source = match &origin {
                settings::Origin::Env => "environment variables".to_owned(),
                settings::Origin::File(p) => p.display().to_string(),
            };
            let t = Transport::new(config.clone())?;
            // The cached token while it is valid (shared with every other command through the
            // token store); one is minted only when none is.
            let token = match config.credentials.token_request(&config.endpoints.accounts) {
                Some(_) => Some(t.token_status()?),
                None => None,
            };
            let expires_in = token.as_ref().and_then(|r| r.expires_at).map(|at| {
                at.duration_since(std::time::SystemTime::now())
                    .unwrap_or_default()
                    .as_secs()
            });
            if g.json {
                out!(
                    "{}",
                    json!({
                        "credentials": source,
                        "client_id": config.credentials.client_id(),
                        "api": t.api_base().as_str(),
                        "accounts": config.endpoints.accounts.as_str(),
                        "token_ok": true,
                        "expires_in_secs": expires_in,
                    })
                );
            } else {
                out!("Credentials: {source}");
                out!(
                    "Client:      {}",
                    config
                        .credentials
                        .client_id()
                        .unwrap_or("(a fixed access token)")
                );
                out!("Accounts:    {}", config.endpoints.accounts);
                match &token {
                    Some(tok) => out!(
                        "Token:       OK, valid for {} s, API at {}",
                        expires_in.unwrap_or_default(),
                        tok.api
                    ),
                    None => out!("Token:       a fixed access token (not checked)"),
                }
            }
            Ok(())
        }
        AuthCmd::Logout => {
            let Some(saved) = settings::load_saved(g)? else {
                return Err(Failure::usage(
                    "not logged in: there is no saved login to remove",
                ));
            };
            let (endpoints, _) = settings::endpoints(g, Some(&saved))?;
            let t = Transport::new(zoho_core::ClientConfig::new(
                endpoints.clone(),
                zoho_core::auth::Credentials::access_token(""),
            ))?;
            let revoked = t.revoke(&RevokeRequest {
                accounts: endpoints.accounts.clone(),
                token: Secret::new(saved.refresh_token.clone()),
            });
            let _ = std::fs::remove_file(settings::credentials_path(g));
            let _ = std::fs::remove_file(settings::tokens_path(g));
            revoked?;
            if g.json {
                out!("{}", json!({ "logged_out": true }));
            } else {
                out!("Logged out: the refresh token is revoked and the saved login removed.");
            }
            Ok(())
        }
    }
}
