//! NetSuite's certificate API for an integration (2026.1 and later, `../shared/NETSUITE.md`):
//! list, add and revoke. Its answers are not documented in detail, so they are read
//! defensively: an ID is taken only from a field that clearly holds one, and anything else is
//! an error showing NetSuite's raw answer. Nothing proceeds on a guess.

use crate::error::{Error, Result};
use crate::netsuite::http::HttpAnswer;
use crate::netsuite::token::{self, RAW_SHOWN};
use serde::Serialize;
use serde_json::Value;

/// Where the client's certificates are, under the API base. The client ID is checked first:
/// it goes into the URL path.
pub fn certificates_url(base: &reqwest::Url, client_id: &str) -> Result<reqwest::Url> {
    check_path_value(client_id, "the Client ID", "--client-id / NS_CLIENT_ID")?;
    url_with(base, &["clients", client_id, "certificates"])
}

/// Where one certificate is revoked (article_0209112818). Both IDs are checked first: they go
/// into the URL path.
pub fn revoke_url(base: &reqwest::Url, client_id: &str, cert_id: &str) -> Result<reqwest::Url> {
    check_path_value(client_id, "the Client ID", "--client-id / NS_CLIENT_ID")?;
    check_path_value(cert_id, "the Certificate ID", "--cert-id / NS_CERT_ID")?;
    url_with(
        base,
        &["clients", client_id, "certificates", cert_id, "revoke"],
    )
}

/// An ID that goes into a URL path: NetSuite's Client IDs are hex and its Certificate IDs
/// base64url, so anything but letters, digits, `-` and `_` is a mistake (and percent-encoding
/// below keeps even that from adding a path or a query).
fn check_path_value(value: &str, what: &str, from: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        return Ok(());
    }
    Err(Error::unknown(
        format!(
            "{what} {:?} has characters NetSuite's IDs never have",
            token::excerpt(value.as_bytes(), 80)
        ),
        "give the ID as NetSuite shows it (letters, digits, - and _ only)",
    )
    .at(from))
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

/// The API base: `api_url` (`--api-url`); else beside `token_url` (which wins over
/// `account`, as for the token): NetSuite's restlets host, or for another host the same
/// host and path without `/token`; else from `account`.
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
    let token_url = token_url.map(|t| token::complete_token_url(t).0);
    let token_url = token_url.as_deref();
    let url = match (api_url, token_url, account) {
        (Some(u), _, _) => u.trim().to_string(),
        (None, Some(t), _) if t.contains(".suitetalk.api.netsuite.com/") => beside_token(t),
        // Another host (a proxy, a test server): the API beside its token path, as on NetSuite.
        (None, Some(t), _) if t.trim().ends_with(token::TOKEN_PATH) => {
            t.trim().trim_end_matches("/token").to_string()
        }
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

/// Something NetSuite names in a list entry (`entity`, `role`, `application`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct NamedRef {
    /// Its internal ID, as NetSuite wrote it.
    pub id: Option<String>,
    /// Its name.
    pub name: Option<String>,
}

impl NamedRef {
    fn from(v: Option<&Value>) -> Option<NamedRef> {
        let v = v?;
        match v {
            Value::Object(_) => Some(NamedRef {
                id: v.get("id").and_then(scalar),
                name: v.get("name").and_then(scalar),
            }),
            other => scalar(other).map(|id| NamedRef {
                id: Some(id),
                name: None,
            }),
        }
    }

    /// The name, else the ID, else `?`.
    pub fn label(r: &Option<NamedRef>) -> String {
        r.as_ref()
            .and_then(|r| r.name.clone().or_else(|| r.id.clone()))
            .unwrap_or_else(|| "?".into())
    }
}

/// One certificate as NetSuite lists it (article_11111634165): the documented fields, each
/// as NetSuite wrote it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// Its Certificate ID.
    pub certificate_id: String,
    /// The entity (user) it is mapped to.
    pub entity: Option<NamedRef>,
    /// The role it is mapped to.
    pub role: Option<NamedRef>,
    /// The integration record.
    pub application: Option<NamedRef>,
    /// `created`, as NetSuite says it (a day).
    pub created: Option<String>,
    /// `valid_from`, as NetSuite says it (a day).
    pub valid_from: Option<String>,
    /// `valid_until`, NetSuite's own expiry (a day; usable through that day).
    pub valid_until: Option<String>,
    /// `revoked`.
    pub revoked: bool,
    /// `algorithm` (`RSA`, `EC`).
    pub algorithm: Option<String>,
}

const ID_FIELDS: [&str; 4] = ["certificate_id", "certificateId", "id", "kid"];

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

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => {
            matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "t" | "yes")
        }
        Some(Value::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
        _ => false,
    }
}

/// Read a list answer: Oracle documents a top-level array; an array under `items` (NetSuite's
/// usual REST envelope) is read too.
pub fn parse_list(body: &[u8]) -> std::result::Result<Vec<Listed>, String> {
    let json: Value = serde_json::from_slice(body).map_err(|_| "not JSON".to_string())?;
    let items = match &json {
        Value::Array(a) => a,
        Value::Object(o) => ["items", "certificates", "data"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_array))
            .ok_or("no list (a JSON array) in the answer")?,
        _ => return Err("neither a list nor an object".into()),
    };
    items
        .iter()
        .map(|item| {
            if !item.is_object() {
                return Err("an entry that is not an object".to_string());
            }
            let certificate_id =
                first_field(item, &ID_FIELDS).ok_or("an entry without a certificate_id")?;
            Ok(Listed {
                certificate_id,
                entity: NamedRef::from(item.get("entity")),
                role: NamedRef::from(item.get("role")),
                application: NamedRef::from(item.get("application")),
                created: first_field(item, &["created", "created_at"]),
                valid_from: first_field(item, &["valid_from"]),
                valid_until: first_field(item, &["valid_until"]),
                revoked: truthy(item.get("revoked")) || truthy(item.get("invalidated")),
                algorithm: first_field(item, &["algorithm"]),
            })
        })
        .collect()
}

/// The end of a NetSuite day (`YYYY-MM-DD`, usable through that day, UTC): the next midnight.
pub fn end_of_day(day: &str) -> Option<time::OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(day.get(..10)?, format).ok()?;
    Some(date.next_day()?.midnight().assume_utc())
}

/// Oracle's add answer (article_0209112025): the fields nskeys reads.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    /// `certificate_id`.
    pub certificate_id: Option<String>,
    /// `valid_until`.
    pub valid_until: Option<String>,
    /// `invalidated`.
    pub invalidated: bool,
    /// `created_at`.
    pub created_at: Option<String>,
    /// `entity_role_id` as sent (`{"com","ent","rol"}`).
    pub entity_role_id: Option<Value>,
}

/// Read an add answer in Oracle's shape; `None` if it is not a JSON object.
pub fn parse_added(body: &[u8]) -> Option<Added> {
    let json: Value = serde_json::from_slice(body).ok()?;
    json.is_object().then(|| Added {
        certificate_id: json.get("certificate_id").and_then(scalar),
        valid_until: json.get("valid_until").and_then(scalar),
        invalidated: truthy(json.get("invalidated")),
        created_at: json.get("created_at").and_then(scalar),
        entity_role_id: json.get("entity_role_id").cloned(),
    })
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
        assert_eq!(
            api_base(
                None,
                Some("http://127.0.0.1:1/services/rest/auth/oauth2/v1/token"),
                account
            )
            .unwrap()
            .as_str(),
            "http://127.0.0.1:1/services/rest/auth/oauth2/v1"
        );
        assert_eq!(
            api_base(
                None,
                Some("https://1234567-sb1.suitetalk.api.netsuite.com"),
                None
            )
            .unwrap()
            .as_str(),
            want
        );
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
    fn ids_are_checked_before_they_go_into_a_path() {
        let base = reqwest::Url::parse("https://h/services/rest/auth/oauth2/v1").unwrap();
        assert_eq!(
            revoke_url(&base, "c1", "-QjavVtnzeAPA_QdffgnTh9yPy6LbSGOYqNeJqtbKgU")
                .unwrap()
                .as_str(),
            "https://h/services/rest/auth/oauth2/v1/clients/c1/certificates/-QjavVtnzeAPA_QdffgnTh9yPy6LbSGOYqNeJqtbKgU/revoke"
        );
        for (client, cert) in [
            ("c/1", "a"),
            ("c", "a?b"),
            ("c", "../x"),
            ("", "a"),
            ("c", "a b"),
        ] {
            let e = revoke_url(&base, client, cert).unwrap_err();
            assert_eq!(e.status, crate::Status::Unknown, "{client} {cert}");
        }
        assert!(certificates_url(&base, "c%2F").is_err());
    }

    /// Oracle's documented answers, verbatim (fixtures/oracle-docs/).
    #[test]
    fn oracles_answers_are_read() {
        let list = parse_list(include_bytes!(
            "../../fixtures/oracle-docs/list-response.json"
        ))
        .unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            list[0].certificate_id,
            "I_k32OzlZNGsHtCScnCwQCVLqsQsV2BOIQzlTaSmRQI"
        );
        assert_eq!(NamedRef::label(&list[0].entity), "test@test.cz");
        assert_eq!(NamedRef::label(&list[1].entity), "Test Test");
        assert_eq!(NamedRef::label(&list[1].role), "Administrator");
        assert_eq!(list[1].valid_from.as_deref(), Some("2023-10-19"));
        assert_eq!(list[1].valid_until.as_deref(), Some("2023-11-18"));
        assert_eq!(list[1].algorithm.as_deref(), Some("RSA"));
        assert!(!list[1].revoked);
        let body = include_bytes!("../../fixtures/oracle-docs/add-response.json");
        let added = parse_added(body).unwrap();
        assert_eq!(
            added.certificate_id.as_deref(),
            Some(include_str!("../../fixtures/oracle-docs/certificate-id.txt").trim())
        );
        assert_eq!(added.valid_until.as_deref(), Some("2026-03-01"));
        assert!(!added.invalidated);
        assert_eq!(added.created_at.as_deref(), Some("2026-01-30"));
        assert_eq!(added.entity_role_id.unwrap()["rol"], 1000);
        assert_eq!(
            parse_added_id(&answer(200, std::str::from_utf8(body).unwrap(), None)).as_deref(),
            added.certificate_id.as_deref()
        );
        assert_eq!(
            end_of_day("2023-11-18").unwrap(),
            time::macros::datetime!(2023-11-19 00:00 UTC)
        );
        // Anything that is not an ID is refused: it could change the path or add a query.
        let base = reqwest::Url::parse("https://h/services/rest/auth/oauth2/v1").unwrap();
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
