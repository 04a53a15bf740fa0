//! A stand-in for NetSuite's token endpoint AND its certificate API (2026.1), on 127.0.0.1:
//! it holds certificates by ID (copies of the PEM, so switching a pointer on disk changes
//! nothing here), verifies each assertion's signature against the certificate its kid names
//! (with tests/stand_in.rs's aws-lc-rs check, not nskeys' code), issues bearer tokens, and lists,
//! adds (at most five active) and revokes certificates. Faults are configurable per step.
//! Certificate IDs are NetSuite's (base64url of the certificate's SHA-256, computed by
//! `stand_in::certificate_id`); tests name them by aliases (`OLD1`, `NEW2`: the n-th
//! certificate held) through [`Api::id`]. Answers have Oracle's documented shapes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";
pub const API_BASE: &str = "/services/rest/auth/oauth2/v1";
pub const CLIENT: &str = "client-123";

#[derive(Clone, Debug)]
pub struct Cert {
    pub id: String,
    /// The test's name for it (`OLD1`, `NEW2`...).
    pub alias: String,
    pub pem: PathBuf,
    pub active: bool,
    /// Token requests with this kid refused before it works (u32::MAX: never).
    pub not_usable_for: u32,
    /// What the upload mapped the certificate to, as Oracle's list answer names them.
    pub role: String,
    pub entity: String,
}

/// Faults, one per step.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Answer every upload with this status and body.
    pub upload_answer: Option<(u16, String)>,
    /// New certificates refuse this many token requests first (u32::MAX: never usable).
    pub new_not_usable_for: u32,
    /// Answer every revoke with this status and body.
    pub revoke_answer: Option<(u16, String)>,
    /// Answer the list with this body.
    pub list_answer: Option<String>,
}

#[derive(Default)]
pub struct Inner {
    pub certs: Vec<Cert>,
    pub faults: Faults,
    /// (token, kid)
    pub tokens: Vec<(String, String)>,
    /// (method, path, body)
    pub requests: Vec<(String, String, String)>,
    /// kids of every token request, in order.
    pub kids_tried: Vec<String>,
    /// Where uploaded certificates are kept.
    pub dir: PathBuf,
}

pub struct Api {
    pub base: String,
    pub inner: Arc<Mutex<Inner>>,
    dir: Arc<tempfile::TempDir>,
}

impl Api {
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.base)
    }
    pub fn api_url(&self) -> String {
        format!("{}{API_BASE}", self.base)
    }
    /// Hold a copy of `pem` as an active certificate the test calls `alias`; its ID.
    pub fn add(&self, alias: &str, pem: &std::path::Path) -> String {
        let mut inner = self.inner.lock().unwrap();
        let copy = self.dir.path().join(format!("{alias}.pem"));
        std::fs::copy(pem, &copy).unwrap();
        let id = crate::stand_in::certificate_id(&copy);
        inner.certs.push(Cert {
            id: id.clone(),
            alias: alias.into(),
            pem: copy,
            active: true,
            not_usable_for: 0,
            role: "3".into(),
            entity: "-5".into(),
        });
        id
    }
    /// The certificate the test calls `alias` (or whose ID is `alias`).
    pub fn cert(&self, alias: &str) -> Option<Cert> {
        self.inner
            .lock()
            .unwrap()
            .certs
            .iter()
            .find(|c| c.alias == alias || c.id == alias)
            .cloned()
    }
    /// The Certificate ID of the certificate the test calls `alias`.
    pub fn id(&self, alias: &str) -> String {
        self.cert(alias)
            .unwrap_or_else(|| panic!("no certificate {alias}"))
            .id
    }
    pub fn certs(&self) -> Vec<Cert> {
        self.inner.lock().unwrap().certs.clone()
    }
    pub fn set_faults(&self, f: Faults) {
        self.inner.lock().unwrap().faults = f;
    }
    pub fn requests(&self) -> Vec<(String, String, String)> {
        self.inner.lock().unwrap().requests.clone()
    }
    pub fn kids_tried(&self) -> Vec<String> {
        self.inner.lock().unwrap().kids_tried.clone()
    }
    pub fn make_usable(&self, alias: &str) {
        let mut inner = self.inner.lock().unwrap();
        for c in inner
            .certs
            .iter_mut()
            .filter(|c| c.alias == alias || c.id == alias)
        {
            c.not_usable_for = 0;
        }
    }
}

pub fn start() -> Api {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let inner = Arc::new(Mutex::new(Inner {
        dir: dir.path().to_path_buf(),
        ..Inner::default()
    }));
    let shared = Arc::clone(&inner);
    let b = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let inner = Arc::clone(&shared);
            let base = b.clone();
            std::thread::spawn(move || serve(stream, &inner, &base));
        }
    });
    Api { base, inner, dir }
}

fn serve(stream: std::net::TcpStream, inner: &Mutex<Inner>, base: &str) {
    let mut reader = BufReader::new(stream);
    let Some(crate::stand_in::Received {
        method,
        path,
        headers,
        body,
    }) = crate::stand_in::read_request(&mut reader)
    else {
        return;
    };
    let body = String::from_utf8_lossy(&body).to_string();
    let (status, answer) = {
        let mut inner = inner.lock().unwrap();
        inner
            .requests
            .push((method.clone(), path.clone(), body.clone()));
        let bearer = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .and_then(|(_, v)| v.strip_prefix("Bearer "))
            .unwrap_or("")
            .to_string();
        route(&mut inner, &method, &path, &bearer, &body, base)
    };
    let mut stream = reader.into_inner();
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        answer.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(answer.as_bytes());
}

fn route(
    inner: &mut Inner,
    method: &str,
    path: &str,
    bearer: &str,
    body: &str,
    base: &str,
) -> (u16, String) {
    if path == TOKEN_PATH && method == "POST" {
        return token(inner, body, base);
    }
    let certs_path = format!("{API_BASE}/clients/{CLIENT}/certificates");
    let Some(rest) = path.strip_prefix(&certs_path) else {
        return (404, r#"{"error":"not found"}"#.into());
    };
    if !inner.tokens.iter().any(|(t, _)| t == bearer) {
        return (401, r#"{"title":"Unauthorized","status":401,"o:errorDetails":[{"detail":"Invalid login attempt.","o:errorCode":"INVALID_LOGIN"}]}"#.into());
    }
    match (method, rest) {
        ("GET", "") => {
            if let Some(a) = &inner.faults.list_answer {
                return (200, a.clone());
            }
            // Oracle's list shape (article_11111634165): a top-level array.
            let items: Vec<serde_json::Value> = inner
                .certs
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "application": {"id": 1, "name": "nskeys test", "url": "/app/common/integration/integrapp.nl?id=1"},
                        "entity": {"id": c.entity.trim_matches('"').parse::<i64>().unwrap_or(0), "name": "Test Test", "url": "/app/common/entity/entity.nl?id=-5"},
                        "role": {"id": c.role.trim_matches('"').parse::<i64>().unwrap_or(0), "name": "Administrator", "url": "/app/setup/role.nl?id=3"},
                        "created": "2026-11-22", "valid_from": "2026-11-22", "valid_until": "2099-11-22",
                        "revoked": !c.active, "certificate_id": c.id, "algorithm": "EC"})
                })
                .collect();
            (200, serde_json::Value::Array(items).to_string())
        }
        ("POST", "") => {
            if let Some((s, b)) = &inner.faults.upload_answer {
                return (*s, b.clone());
            }
            let Ok(json) = serde_json::from_str::<serde_json::Value>(body) else {
                return (400, r#"{"error":"bad json"}"#.into());
            };
            let pem = json["fileContent"].as_str().unwrap_or("");
            if !pem.contains("BEGIN CERTIFICATE")
                || json["role"].is_null()
                || json["entity"].is_null()
            {
                return (
                    400,
                    r#"{"o:errorDetails":[{"detail":"Invalid fileContent, role or entity."}]}"#
                        .into(),
                );
            }
            if inner.certs.iter().filter(|c| c.active).count() >= 5 {
                return (400, r#"{"o:errorDetails":[{"detail":"The maximum number of active certificates (5) for this application has been reached.","o:errorCode":"USER_ERROR"}]}"#.into());
            }
            let alias = format!("NEW{}", inner.certs.len() + 1);
            let file = inner.dir.join(format!("{alias}.pem"));
            std::fs::write(&file, pem).unwrap();
            let id = crate::stand_in::certificate_id(&file);
            let not_usable_for = inner.faults.new_not_usable_for;
            inner.certs.push(Cert {
                alias,
                id: id.clone(),
                pem: file,
                active: true,
                not_usable_for,
                role: json["role"].to_string(),
                entity: json["entity"].to_string(),
            });
            // Oracle's add answer (article_0209112025).
            (
                200,
                serde_json::json!({"entity_role_id": {"com": "1234567", "ent": json["entity"], "rol": json["role"]},
                    "application_id": 1, "certificate_id": id, "certificate": pem, "algorithm": "EC",
                    "created_at": "2026-11-22", "valid_from": "2026-11-22", "valid_until": "2028-11-21",
                    "invalidated": false})
                .to_string(),
            )
        }
        ("POST", r) if r.ends_with("/revoke") => {
            if let Some((s, b)) = &inner.faults.revoke_answer {
                return (*s, b.clone());
            }
            let id = r.trim_start_matches('/').trim_end_matches("/revoke");
            match inner.certs.iter_mut().find(|c| c.id == id) {
                Some(c) => {
                    c.active = false;
                    // Oracle's answer (article_0209112818): plain text.
                    (200, "Successfully revoked".into())
                }
                None => (
                    404,
                    r#"{"o:errorDetails":[{"detail":"No such certificate."}]}"#.into(),
                ),
            }
        }
        _ => (404, r#"{"error":"not found"}"#.into()),
    }
}

fn token(inner: &mut Inner, body: &str, base: &str) -> (u16, String) {
    let refuse = |code: &str| (400, format!(r#"{{"error":"{code}"}}"#));
    let jwt = body
        .split('&')
        .find_map(|kv| kv.strip_prefix("client_assertion="))
        .unwrap_or("");
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return refuse("invalid_request");
    }
    let dec = |s: &str| URL_SAFE_NO_PAD.decode(s).unwrap_or_default();
    let header: serde_json::Value = serde_json::from_slice(&dec(parts[0])).unwrap_or_default();
    let claims: serde_json::Value = serde_json::from_slice(&dec(parts[1])).unwrap_or_default();
    let kid = header["kid"].as_str().unwrap_or("").to_string();
    inner.kids_tried.push(kid.clone());
    if claims["iss"] != CLIENT {
        return (401, r#"{"error":"invalid_client"}"#.into());
    }
    if claims["aud"] != format!("{base}{TOKEN_PATH}").as_str() {
        return refuse("invalid_request");
    }
    let Some(cert) = inner.certs.iter_mut().find(|c| c.id == kid && c.active) else {
        return refuse("invalid_request");
    };
    if cert.not_usable_for > 0 {
        if cert.not_usable_for != u32::MAX {
            cert.not_usable_for -= 1;
        }
        return refuse("invalid_request");
    }
    let signed = format!("{}.{}", parts[0], parts[1]);
    let alg = header["alg"].as_str().unwrap_or("");
    if !crate::stand_in::verify_signature(alg, &cert.pem, signed.as_bytes(), &dec(parts[2])) {
        return refuse("invalid_request");
    }
    let token = format!("api-token-{}", inner.tokens.len());
    inner.tokens.push((token.clone(), kid));
    (
        200,
        format!(r#"{{"access_token":"{token}","expires_in":3600,"token_type":"bearer"}}"#),
    )
}
