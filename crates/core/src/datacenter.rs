//! Zoho data centres and their hosts.

use std::fmt;

use crate::base_url::BaseUrl;
use crate::error::InputError;

/// A Zoho data centre. An account lives in exactly one; calling another gives `invalid_client`
/// from the accounts server or `INVALID_TOKEN` from the API.
///
/// The accounts servers are those of Zoho Accounts' multi-DC page
/// (<https://zoho.com/accounts/protocol/oauth/multi-dc.html>, which lists eight, UK included)
/// and, for China, of the CRM and Bigin multi-DC pages
/// (<https://www.zoho.com/crm/developer/docs/api/multi-dc.html>). The API hosts are those of
/// Bigin's multi-DC page (<https://www.bigin.com/developer/docs/apis/multi-dc.html>), except
/// the UK's `www.zohoapis.uk`, which no Zoho page lists yet and which comes from code in use: for
/// another host, set [`Endpoints`] by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataCenter {
    /// United States (`zoho.com`).
    Us,
    /// Europe (`zoho.eu`).
    Eu,
    /// India (`zoho.in`).
    In,
    /// Australia (`zoho.com.au`).
    Au,
    /// China (`zoho.com.cn`).
    Cn,
    /// Japan (`zoho.jp`).
    Jp,
    /// Canada (`zohocloud.ca`).
    Ca,
    /// Saudi Arabia (`zoho.sa`).
    Sa,
    /// United Kingdom (`zoho.uk`; the API host `www.zohoapis.uk` is not on a Zoho page yet).
    Uk,
}

/// Which kind of organisation inside a data centre: sandbox and developer orgs have API hosts of
/// their own but share the accounts server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Environment {
    /// The live organisation (`www.zohoapis.*`).
    #[default]
    Production,
    /// A sandbox organisation (`sandbox.zohoapis.*`).
    Sandbox,
    /// A developer organisation (`developer.zohoapis.*`).
    Developer,
}

impl DataCenter {
    /// Every data centre.
    pub const ALL: [DataCenter; 9] = [
        Self::Us,
        Self::Eu,
        Self::In,
        Self::Au,
        Self::Cn,
        Self::Jp,
        Self::Ca,
        Self::Sa,
        Self::Uk,
    ];

    /// The domain suffix shared by the API hosts, e.g. `com.au`.
    fn api_tld(self) -> &'static str {
        match self {
            Self::Us => "com",
            Self::Eu => "eu",
            Self::In => "in",
            Self::Au => "com.au",
            Self::Cn => "com.cn",
            Self::Jp => "jp",
            Self::Ca => "ca",
            Self::Sa => "sa",
            Self::Uk => "uk",
        }
    }

    /// The accounts (OAuth) server, e.g. `https://accounts.zoho.eu`.
    pub fn accounts_url(self) -> &'static str {
        match self {
            Self::Us => "https://accounts.zoho.com",
            Self::Eu => "https://accounts.zoho.eu",
            Self::In => "https://accounts.zoho.in",
            Self::Au => "https://accounts.zoho.com.au",
            Self::Cn => "https://accounts.zoho.com.cn",
            Self::Jp => "https://accounts.zoho.jp",
            Self::Ca => "https://accounts.zohocloud.ca",
            Self::Sa => "https://accounts.zoho.sa",
            Self::Uk => "https://accounts.zoho.uk",
        }
    }

    /// The API host for an environment, e.g. `https://sandbox.zohoapis.eu`.
    pub fn api_url(self, env: Environment) -> String {
        let host = match env {
            Environment::Production => "www",
            Environment::Sandbox => "sandbox",
            Environment::Developer => "developer",
        };
        format!("https://{host}.zohoapis.{}", self.api_tld())
    }

    /// True when `url` is an `https` API host of this data centre (`zohoapis.{tld}` or a host
    /// under it, on the default port, with no path): the only `api_domain` a token answer may
    /// move calls to.
    pub fn accepts_api_domain(self, url: &BaseUrl) -> bool {
        let Ok(uri) = url.as_str().parse::<http::Uri>() else {
            return false;
        };
        let Some(host) = uri.host().map(str::to_ascii_lowercase) else {
            return false;
        };
        let apex = format!("zohoapis.{}", self.api_tld());
        let host_ok = host == apex || host.ends_with(&format!(".{apex}"));
        let port_ok = uri.port_u16().is_none_or(|p| p == 443);
        let path_ok = uri.path().is_empty() || uri.path() == "/";
        uri.scheme_str() == Some("https") && host_ok && port_ok && path_ok
    }

    /// The short name used on command lines and in configuration: `us`, `eu`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Us => "us",
            Self::Eu => "eu",
            Self::In => "in",
            Self::Au => "au",
            Self::Cn => "cn",
            Self::Jp => "jp",
            Self::Ca => "ca",
            Self::Sa => "sa",
            Self::Uk => "uk",
        }
    }

    /// The data centre whose accounts server is `url`: the `accounts-server` parameter of
    /// Zoho's authorization redirect names it (`location` names it too, as [`as_str`](Self::as_str)).
    pub fn of_accounts_server(url: &str) -> Option<DataCenter> {
        let url = url.trim().trim_end_matches('/');
        Self::ALL
            .into_iter()
            .find(|dc| dc.accounts_url().eq_ignore_ascii_case(url))
    }
}

impl fmt::Display for DataCenter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DataCenter {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        let lower = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|dc| dc.as_str() == lower)
            .ok_or_else(|| InputError::UnknownDataCenter {
                value: crate::error::printable(s),
            })
    }
}

/// Where API calls and token calls go. Built from a data centre, or set by hand to point at the
/// emulator or a proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// Base of API calls, e.g. `https://www.zohoapis.com`.
    pub api: BaseUrl,
    /// Base of the accounts server, e.g. `https://accounts.zoho.com`.
    pub accounts: BaseUrl,
    /// The data centre these hosts belong to, when they are Zoho's own: a token's `api_domain`
    /// is followed only to an `https` API host of this data centre. `None` for a custom base
    /// (the emulator, a proxy), whose `api` is kept whatever a token names.
    pub data_center: Option<DataCenter>,
}

impl Endpoints {
    /// The hosts of a data centre and environment.
    pub fn for_data_center(dc: DataCenter, env: Environment) -> Self {
        // Both strings are constants checked by the tests below, so the fallback never runs; it
        // exists so that no `expect` is needed.
        let api = BaseUrl::new(dc.api_url(env));
        let accounts = BaseUrl::new(dc.accounts_url());
        match (api, accounts) {
            (Ok(api), Ok(accounts)) => Self {
                api,
                accounts,
                data_center: Some(dc),
            },
            _ => Self::unreachable_default(),
        }
    }

    /// One base URL for both API and token calls (the emulator serves both).
    pub fn custom(base: BaseUrl) -> Self {
        Self {
            accounts: base.clone(),
            api: base,
            data_center: None,
        }
    }

    fn unreachable_default() -> Self {
        Self {
            api: BaseUrl(String::from("https://www.zohoapis.com")),
            accounts: BaseUrl(String::from("https://accounts.zoho.com")),
            data_center: Some(DataCenter::Us),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_the_sdk_table() {
        let e = Endpoints::for_data_center(DataCenter::Au, Environment::Sandbox);
        assert_eq!(e.api.as_str(), "https://sandbox.zohoapis.com.au");
        assert_eq!(e.accounts.as_str(), "https://accounts.zoho.com.au");
        let e = Endpoints::for_data_center(DataCenter::Ca, Environment::Production);
        assert_eq!(e.api.as_str(), "https://www.zohoapis.ca");
        assert_eq!(e.accounts.as_str(), "https://accounts.zohocloud.ca");
        for dc in DataCenter::ALL {
            for env in [
                Environment::Production,
                Environment::Sandbox,
                Environment::Developer,
            ] {
                assert!(BaseUrl::new(dc.api_url(env)).is_ok());
            }
            assert!(BaseUrl::new(dc.accounts_url()).is_ok());
            assert_eq!(dc.as_str().parse::<DataCenter>().unwrap(), dc);
        }
        assert_eq!("UK".parse::<DataCenter>().unwrap(), DataCenter::Uk);
        assert_eq!(DataCenter::Uk.accounts_url(), "https://accounts.zoho.uk");
        assert_eq!(
            DataCenter::Uk.api_url(Environment::Production),
            "https://www.zohoapis.uk"
        );
        assert!("mars".parse::<DataCenter>().is_err());
        assert_eq!(
            DataCenter::of_accounts_server("https://accounts.zohocloud.ca/"),
            Some(DataCenter::Ca)
        );
        assert_eq!(
            DataCenter::of_accounts_server("https://accounts.example.com"),
            None
        );
    }

    #[test]
    fn api_domains_are_followed_only_within_the_data_centre() {
        let ok = |dc: DataCenter, url: &str| dc.accepts_api_domain(&BaseUrl::new(url).unwrap());
        assert!(ok(DataCenter::Us, "https://www.zohoapis.com"));
        assert!(ok(DataCenter::Us, "https://sandbox.zohoapis.com/"));
        assert!(ok(DataCenter::Au, "https://www.zohoapis.com.au"));
        assert!(ok(DataCenter::Us, "https://www.zohoapis.com:443"));
        assert!(!ok(DataCenter::Us, "http://www.zohoapis.com"));
        assert!(!ok(DataCenter::Us, "https://www.zohoapis.eu"));
        assert!(!ok(DataCenter::Us, "https://www.zohoapis.com.evil.example"));
        assert!(!ok(DataCenter::Us, "https://evilzohoapis.com"));
        assert!(!ok(DataCenter::Us, "https://www.zohoapis.com:8443"));
        assert!(!ok(DataCenter::Us, "https://www.zohoapis.com/proxy"));
        assert!(!ok(DataCenter::Eu, "http://127.0.0.1:8080"));
        assert!(ok(DataCenter::Uk, "https://www.zohoapis.uk"));
        assert!(!ok(DataCenter::Uk, "https://www.zohoapis.com"));
    }
}
