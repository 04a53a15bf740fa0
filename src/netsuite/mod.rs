//! The NetSuite protocol (`../shared/NETSUITE.md`): the client assertion, HTTP, the token
//! endpoint and the certificates API. Uses `pki`; knows nothing of files or commands.

pub mod assertion;
pub mod certs_api;
pub mod http;
pub mod token;

/// Where NetSuite's real reason for a refusal is written.
/// Oracle's steps (section_158323851171): Use Advanced Search, then the Detail and
/// Token-based Application Name columns on the Results subtab.
pub const LOGIN_AUDIT_TRAIL: &str = "Setup > Users/Roles > User Management > View Login Audit Trail: check Use Advanced Search, on the Results subtab add the Detail and Token-based Application Name columns";

/// Where certificates are uploaded and mapped to an integration, role and entity.
pub const M2M_SETUP_PAGE: &str =
    "Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup";

/// Whether `id` can be a NetSuite client or certificate ID in a URL path: 1 to 256 base64url
/// characters (letters, digits, `-`, `_`, and `=` padding); never `.` or `..`.
pub fn is_id(id: &str) -> bool {
    (1..=256).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='))
}
