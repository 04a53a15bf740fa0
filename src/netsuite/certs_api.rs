//! NetSuite's certificate API for an integration (2026.1 and later, `../shared/NETSUITE.md`):
//! list, add and revoke. Its answers are not documented in detail, so they are read
//! defensively: an ID is taken only from a field that clearly holds one, and anything else is
//! an error showing NetSuite's raw answer. Nothing proceeds on a guess.

use crate::error::{Error, Result};
use crate::netsuite::http::HttpAnswer;
use crate::netsuite::token::{self, RAW_SHOWN};
use serde::Serialize;
use serde_json::Value;

/// Where the client's certificates are, under the API base.
pub fn certificates_url(base: &reqwest::Url, client_id: &str) -> Result<reqwest::Url> {
    url_with(base, &["clients", client_id, "certificates"])
}

/// Where one certificate is revoked.
pub fn revoke_url(base: &reqwest::Url, client_id: &str, cert_id: &str) -> Result<reqwest::Url> {
    url_with(
        base,
        &["clients", client_id, "certificates", cert_id, "revoke"],
    )
}

fn url_with(base: &reqwest::Url, segments: &[&str]) -> Result<reqwest::Url> {
    // IDs go into the path: NetSuite's client and certificate IDs are base64url (hex for
    // client IDs), so anything else, `.` and `..` above all, is refused before it could
    // change which path is asked for.
    for id in &segments[1..] {
        if !crate::netsuite::is_id(id) {
            return Err(Error::unknown(
                "an ID for the certificates API is not an ID: NetSuite's are letters, digits, - and _",
                "give the Client ID and Certificate ID as NetSuite shows them",
            )
            .at(crate::error::printable(id).chars().take(80).collect::<String>()));
        }
    }
    let mut url = base.clone();
    // Each segment is percent-encoded: an ID can never add a path or a query.
    url.path_segments_mut()
        .map_err(|_| Error::unknown("the API URL cannot take a path", "give an https:// URL"))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// The API base: `api_url` (`--api-url`); else the restlets host beside a NetSuite
/// `token_url` (which wins over `account`, as for the token); else from `account`.
pub fn api_base(
    api_url: Option<&str>,
    token_url: Option<&str>,
    account: Option<&str>,
) -> Result<reqwest::Url> {
    let beside_token = |t: &str| {
        t.trim()
            .replace(".suitetalk.api.", ".restlets.api.")
            .trim_end_matches("/token")
            .to_string()
    };
    let url = match (api_url, token_url, account) {
        (Some(u), _, _) => u.trim().to_string(),
        (None, Some(t), _) if t.contains(".suitetalk.api.netsuite.com/") => beside_token(t),
        (None, _, Some(account)) => beside_token(&token::token_url_for_account(account)?),
        _ => {
            return Err(Error::unknown(
                "no certificates API URL",
                "give --account (or NS_ACCOUNT_ID), or --api-url",
            ));
        }
    };
    crate::netsuite::http::check_url(&url)
}

/// One certificate as NetSuite lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// Its Certificate ID.
    pub id: String,
    /// Its status, as NetSuite says it (absent if not said).
    pub status: Option<String>,
    /// Its expiry, as NetSuite says it.
    pub expires: Option<String>,
    /// Whether the state file says this is the one in use.
    pub in_use: bool,
    /// The whole object, as NetSuite sent it.
    pub raw: Value,
}

const ID_FIELDS: [&str; 4] = ["certificateId", "certificate_id", "id", "kid"];
const STATUS_FIELDS: [&str; 3] = ["status", "state", "isActive"];
const EXPIRY_FIELDS: [&str; 7] = [
    "validUntil",
    "expirationDate",
    "expiryDate",
    "notAfter",
    "validTo",
    "endDate",
    "expiresOn",
];

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn first_field(obj: &Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| obj.get(*n).and_then(scalar))
}

/// Read a list answer: an array at the top, or under `items`, `certificates` or `data`.
pub fn parse_list(body: &[u8]) -> std::result::Result<Vec<Listed>, String> {
    let json: Value = serde_json::from_slice(body).map_err(|_| "not JSON".to_string())?;
    let items = match &json {
        Value::Array(a) => a,
        Value::Object(o) => ["items", "certificates", "data"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_array))
            .ok_or("no list (items, certificates) in the answer")?,
        _ => return Err("neither a list nor an object".into()),
    };
    items
        .iter()
        .map(|item| {
            let id = first_field(item, &ID_FIELDS).ok_or("an entry without a certificate ID")?;
            Ok(Listed {
                id,
                status: first_field(item, &STATUS_FIELDS),
                expires: first_field(item, &EXPIRY_FIELDS),
                in_use: false,
                raw: item.clone(),
            })
        })
        .collect()
}

/// The new certificate's ID from an add answer: the ID fields of the JSON (also under
/// `certificate`, `data` or `item`) and the last segment of a `Location` header. `None` when
/// there is none, or when they disagree: nskeys never picks one on a guess.
pub fn parse_added_id(answer: &HttpAnswer) -> Option<String> {
    let mut found: Vec<String> = Vec::new();
    if let Ok(json) = serde_json::from_slice::<Value>(&answer.body) {
        let nested = ["certificate", "data", "item"]
            .iter()
            .filter_map(|k| json.get(*k))
            .collect::<Vec<_>>();
        for o in std::iter::once(&json).chain(nested) {
            found.extend(ID_FIELDS.iter().filter_map(|n| o.get(*n).and_then(scalar)));
        }
    }
    if let Some(location) = answer.location.as_deref()
        && let Some(last) = location.trim_end_matches('/').rsplit('/').next()
        && !last.is_empty()
        && last
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        found.push(last.to_string());
    }
    found.sort();
    found.dedup();
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// An error for an answer that is not what was expected, with NetSuite's raw answer.
pub fn senseless(what: &str, answer: &HttpAnswer, url: &str, hint: &str) -> Error {
    Error::unknown(
        format!(
            "{what}: HTTP {}, NetSuite said: {}",
            answer.status,
            raw(answer)
        ),
        hint,
    )
    .at(url)
}

/// NetSuite's raw answer, bounded, on one line.
pub fn raw(answer: &HttpAnswer) -> String {
    let text = token::excerpt(&answer.body, RAW_SHOWN);
    if text.is_empty() {
        "(empty)".into()
    } else {
        text
    }
}

/// What nskeys asked the certificates API to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiAction {
    /// List the integration's certificates.
    List,
    /// Upload a new certificate.
    Upload,
    /// Revoke the old certificate.
    Revoke,
}

impl std::fmt::Display for ApiAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ApiAction::List => "list the certificates",
            ApiAction::Upload => "upload the new certificate",
            ApiAction::Revoke => "revoke the old certificate",
        })
    }
}

/// A heuristic on NetSuite's own text, which documents no answer for a sixth active
/// certificate: whether a refused upload's answer speaks of the five-certificate limit.
fn server_text_speaks_of_certificate_limit(answer_text: &str) -> bool {
    let lower = answer_text.to_ascii_lowercase();
    ["limit", "maximum", "five", "5 active", "too many"]
        .iter()
        .any(|w| lower.contains(w))
}

/// A refusal of an API request (4xx): exit 2, with the raw answer and what to do.
pub fn refused(action: ApiAction, answer: &HttpAnswer, url: &str, hint: &str) -> Error {
    let text = raw(answer);
    let hint = if action == ApiAction::Upload && server_text_speaks_of_certificate_limit(&text) {
        "the integration already has five active certificates (NetSuite's limit): revoke one \
         that is no longer used (nskeys certs list shows them; or in the M2M setup page), then \
         run the same nskeys rotate again"
            .to_string()
    } else if answer.status == 401 || answer.status == 403 {
        format!(
            "the role needs the 'Manage own OAuth 2.0 Client Credentials certificates' permission and the token the rest_webservices scope; {hint}"
        )
    } else {
        hint.to_string()
    };
    Error::critical(
        format!(
            "NetSuite refused to {action}: HTTP {}, NetSuite said: {text}",
            answer.status
        ),
        hint,
    )
    .at(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str, location: Option<&str>) -> HttpAnswer {
        HttpAnswer {
            status,
            body: body.as_bytes().to_vec().into(),
            location: location.map(str::to_string),
            date: None,
        }
    }

    #[test]
    fn lists_in_several_shapes() {
        for body in [
            r#"[{"id":"a","status":"ACTIVE"}]"#,
            r#"{"items":[{"certificateId":"a"}]}"#,
            r#"{"certificates":[{"id":7}]}"#,
        ] {
            assert_eq!(parse_list(body.as_bytes()).unwrap().len(), 1, "{body}");
        }
        assert!(parse_list(br#"{"count":1}"#).is_err());
        assert!(parse_list(br#"[{"name":"x"}]"#).is_err());
        assert!(parse_list(b"<html>").is_err());
    }

    #[test]
    fn added_id_from_field_or_location() {
        assert_eq!(
            parse_added_id(&answer(200, r#"{"certificateId":"N1"}"#, None)).as_deref(),
            Some("N1")
        );
        assert_eq!(
            parse_added_id(&answer(200, r#"{"certificate":{"id":5}}"#, None)).as_deref(),
            Some("5")
        );
        assert_eq!(
            parse_added_id(&answer(204, "", Some("https://x/certificates/AB-1"))).as_deref(),
            Some("AB-1")
        );
        assert_eq!(parse_added_id(&answer(200, r#"{"ok":true}"#, None)), None);
        // Two different IDs: no guess.
        assert_eq!(
            parse_added_id(&answer(200, r#"{"id":"1","certificateId":"2"}"#, None)),
            None
        );
        assert_eq!(
            parse_added_id(&answer(200, r#"{"id":"1","certificateId":"1"}"#, None)).as_deref(),
            Some("1")
        );
    }

    #[test]
    fn api_base_from_account_or_token_url() {
        let want = "https://1234567-sb1.restlets.api.netsuite.com/services/rest/auth/oauth2/v1";
        let account = Some("1234567_SB1");
        assert_eq!(api_base(None, None, account).unwrap().as_str(), want);
        let token =
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";
        assert_eq!(api_base(None, Some(token), None).unwrap().as_str(), want);
        // A NetSuite token URL wins over the account, as for the token.
        assert_eq!(
            api_base(None, Some(token), Some("999")).unwrap().as_str(),
            want
        );
        assert!(api_base(None, Some("http://127.0.0.1:1/x/token"), None).is_err());
        assert!(api_base(Some("http://127.0.0.1:9/api"), None, account).is_ok());
    }

    #[test]
    fn the_limit_is_guessed_only_for_uploads() {
        let a = answer(400, r#"{"error":"maximum of 5 active certificates"}"#, None);
        assert!(
            refused(ApiAction::Upload, &a, "u", "h")
                .hint
                .contains("five active certificates")
        );
        assert_eq!(refused(ApiAction::Revoke, &a, "u", "h").hint, "h");
    }

    #[test]
    fn ids_are_path_segments() {
        let base = reqwest::Url::parse("https://h/services/rest/auth/oauth2/v1").unwrap();
        assert_eq!(
            revoke_url(&base, "c_1", "Ab-9=").unwrap().as_str(),
            "https://h/services/rest/auth/oauth2/v1/clients/c_1/certificates/Ab-9=/revoke"
        );
        // Anything that is not an ID is refused: it could change the path or add a query.
        for (client, cert) in [
            ("c/1", "a"),
            ("c", "a?b"),
            ("c", ".."),
            ("c", "."),
            ("", "a"),
        ] {
            assert!(revoke_url(&base, client, cert).is_err(), "{client} {cert}");
        }
        assert!(certificates_url(&base, "..").is_err());
    }
}
