//! The browser half of OAuth: the URL of Zoho's consent page, and the grant in the URL Zoho
//! redirects to afterwards, with the data centre it names (`location`, `accounts-server`).
//! Sources: <https://www.zoho.com/crm/developer/docs/api/multi-dc.html> (start at
//! `accounts.zoho.com`, or `accounts.zoho.com.cn` for China; the redirect carries `code`,
//! `location` and `accounts-server`) and
//! <https://zoho.com/accounts/protocol/oauth/multi-dc/client-authorization.html>.

use crate::auth::Secret;
use crate::base_url::BaseUrl;
use crate::datacenter::DataCenter;
use crate::error::InputError;

/// Zoho's consent page for `client_id` asking for `scopes`, with offline access (so the code
/// trades for a refresh token) and the consent prompt shown again; Zoho then redirects to
/// `redirect_uri`. Every data centre starts at `accounts.zoho.com` (Zoho sends the user on to
/// theirs), except China, which starts at its own.
pub fn authorization_url(
    dc: DataCenter,
    client_id: &str,
    scopes: &[String],
    redirect_uri: &str,
) -> String {
    let accounts = match dc {
        DataCenter::Cn => DataCenter::Cn.accounts_url(),
        _ => DataCenter::Us.accounts_url(),
    };
    authorization_url_at(accounts, client_id, scopes, redirect_uri)
}

/// [`authorization_url`] on another accounts server: a custom base URL (the emulator, whose
/// consent page approves at once, or a proxy).
pub fn authorization_url_at(
    accounts: &str,
    client_id: &str,
    scopes: &[String],
    redirect_uri: &str,
) -> String {
    let accounts = accounts.trim_end_matches('/');
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("scope", &scopes.join(","))
        .append_pair("client_id", client_id)
        .append_pair("response_type", "code")
        .append_pair("access_type", "offline")
        .append_pair("prompt", "consent")
        .append_pair("redirect_uri", redirect_uri)
        .finish();
    format!("{accounts}/oauth/v2/auth?{query}")
}

/// What Zoho's redirect after consent carries.
#[derive(Debug)]
pub struct Redirect {
    /// The grant code (one use, a few minutes).
    pub code: Secret,
    /// The account's data centre, from `accounts-server` (or `location`), when given.
    pub data_center: Option<DataCenter>,
}

impl Redirect {
    /// Reads the URL the browser was sent to (as pasted: the whole URL, or just its query).
    pub fn parse(url: &str) -> Result<Self, InputError> {
        let query = url.split_once('?').map_or(url, |(_, q)| q);
        let query = query.split('#').next().unwrap_or_default();
        let (mut code, mut location, mut server, mut error) = (None, None, None, None);
        for (k, v) in form_urlencoded::parse(query.trim().as_bytes()) {
            match &*k {
                "code" => code = Some(v.into_owned()),
                "location" => location = Some(v.into_owned()),
                "accounts-server" => server = Some(v.into_owned()),
                "error" => error = Some(v.into_owned()),
                _ => {}
            }
        }
        let bad = |why: String| InputError::Setting {
            name: "the redirect URL",
            why,
        };
        if let Some(e) = error {
            return Err(bad(format!(
                "says Zoho refused the consent ({e}): ask again"
            )));
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| bad("has no `code`: paste the whole URL the browser went to".into()))?;
        let by_server = server.as_deref().and_then(DataCenter::of_accounts_server);
        let by_location = location.as_deref().and_then(|l| l.parse().ok());
        if server.is_some() && by_server.is_none() && by_location.is_none() {
            let s = server.unwrap_or_default();
            let ok = BaseUrl::new(&s).is_ok();
            return Err(bad(format!(
                "names an accounts server this SDK does not know ({}): set the data centre by hand",
                if ok { s } else { String::from("not a URL") }
            )));
        }
        Ok(Redirect {
            code: Secret::new(code),
            data_center: by_server.or(by_location),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_consent_url_asks_for_offline_access_from_the_right_server() {
        let scopes = vec![
            "ZohoCRM.modules.ALL".to_owned(),
            "ZohoCRM.files.ALL".to_owned(),
        ];
        let url = authorization_url(
            DataCenter::Eu,
            "1000.ID",
            &scopes,
            "http://localhost:8080/cb",
        );
        assert_eq!(
            url,
            "https://accounts.zoho.com/oauth/v2/auth?scope=ZohoCRM.modules.ALL%2CZohoCRM.files.ALL\
             &client_id=1000.ID&response_type=code&access_type=offline&prompt=consent\
             &redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcb"
        );
        let cn = authorization_url(DataCenter::Cn, "1000.ID", &scopes, "x");
        assert!(cn.starts_with("https://accounts.zoho.com.cn/oauth/v2/auth?"));
    }

    #[test]
    fn the_redirect_gives_the_code_and_the_data_centre() {
        let r = Redirect::parse(
            "https://www.zylker.com/cb?code=1000.abc.def&location=in&accounts-server=https%3A%2F%2Faccounts.zoho.in",
        )
        .unwrap();
        assert_eq!(r.code.expose(), "1000.abc.def");
        assert_eq!(r.data_center, Some(DataCenter::In));
        let ca =
            Redirect::parse("code=1&location=ca&accounts-server=https://accounts.zohocloud.ca")
                .unwrap();
        assert_eq!(ca.data_center, Some(DataCenter::Ca));
        assert_eq!(Redirect::parse("?code=1").unwrap().data_center, None);
        let e = Redirect::parse("https://x.example/cb?error=access_denied").unwrap_err();
        assert!(
            e.to_string()
                .contains("refused the consent (access_denied)"),
            "{e}"
        );
        let e = Redirect::parse("https://x.example/cb?state=1").unwrap_err();
        assert!(e.to_string().contains("has no `code`"), "{e}");
        assert!(!format!("{:?}", Redirect::parse("code=1000.secret").unwrap()).contains("secret"));
    }
}
