//! Where a key or certificate VALUE leads (`--key`/`NS_PRIVATE_KEY`, `--cert`/`NS_CERTIFICATE`):
//! one routing, decided by the value's content, so a key handed over the way CI systems and
//! integration platforms hand it over works, and a value that is not a usable path is described,
//! never quoted (it may be a private key).
//!
//! In order:
//! 1. `-`: standard input.
//! 2. Text containing `-----BEGIN`: PEM text itself. Newlines a CI system mangled are repaired:
//!    literal `\n`, spaces instead of newlines, CRLF, surrounding quotes.
//! 3. The path of an existing file (or directory, which is then refused as such).
//! 4. At least 64 characters of the base64 alphabet (whitespace allowed) decoding to PEM text
//!    or DER: that file, base64-encoded (`base64 -w0 private.pem`).
//! 5. Anything else: a file that does not exist. It is named in the error only when it looks
//!    like a path (one line, no long base64 run); otherwise it is described by its length.

use crate::error::{Error, Result};
use crate::origin::{Origin, Sourced};
use crate::pki::key::{self, KeyFormat, LoadedKey};
use crate::store::passphrase::{self, Passphrase, PassphraseParams, Purpose};
use crate::store::read::{quotable, read_capped};
use base64ct::Encoding;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A value given for a key or certificate option: a path, `-`, PEM text or base64 (from a
/// flag or variable: [`From<OsString>`], [`From<&str>`]), or a file only (a path nskeys made or
/// read from its state file: [`From<PathBuf>`]). It may be a private key, so `Debug` never
/// shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct InputValue {
    raw: OsString,
    file_only: bool,
}

impl fmt::Debug for InputValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.route() {
            Route::Path(p) if quotable(&p) => write!(f, "InputValue({})", p.display()),
            _ => write!(f, "InputValue(<{} bytes, not shown>)", self.raw.len()),
        }
    }
}

impl From<OsString> for InputValue {
    fn from(raw: OsString) -> Self {
        InputValue {
            raw,
            file_only: false,
        }
    }
}

impl From<&str> for InputValue {
    fn from(s: &str) -> Self {
        InputValue::from(OsString::from(s))
    }
}

impl From<PathBuf> for InputValue {
    fn from(p: PathBuf) -> Self {
        InputValue {
            raw: p.into_os_string(),
            file_only: true,
        }
    }
}

impl InputValue {
    /// Where the value leads.
    pub fn route(&self) -> Route {
        if self.file_only {
            return Route::Path(PathBuf::from(&self.raw));
        }
        route_of(&self.raw)
    }

    /// The value as given (it may be key material: never show it).
    pub fn as_os_str(&self) -> &OsStr {
        &self.raw
    }

    /// The file the value names, if it names one (existing or not), not text or stdin.
    pub fn path(&self) -> Option<PathBuf> {
        match self.route() {
            Route::Path(p) => Some(p),
            _ => None,
        }
    }
}

/// What a value is, by its content.
#[derive(Clone, PartialEq, Eq)]
pub enum Route {
    /// `-`.
    Stdin,
    /// PEM text (repaired if a CI system mangled its newlines).
    PemText,
    /// base64 of a PEM or DER file.
    Base64,
    /// A path (which may not exist).
    Path(PathBuf),
}

/// Which option a value was given for: names it in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionName {
    /// The flag, `--key`.
    pub flag: &'static str,
    /// What it is, `private key`.
    pub what: &'static str,
}

/// `--key`.
pub const KEY: OptionName = OptionName {
    flag: "--key",
    what: "private key",
};
/// `--cert`.
pub const CERT: OptionName = OptionName {
    flag: "--cert",
    what: "certificate",
};

/// Where an input came from, described for a message without quoting a value that may be
/// key material: "PEM text in NS_PRIVATE_KEY", "k.pem, from --key".
#[derive(Clone, PartialEq, Eq)]
pub struct InputSource {
    /// What the value was.
    pub form: Form,
    /// Where it came from.
    pub origin: Origin,
    /// The option.
    pub option: OptionName,
}

/// What a value was, as far as a message may say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// Standard input.
    Stdin,
    /// A file (existing or not) with a name that may be shown.
    File(PathBuf),
    /// PEM text.
    PemText,
    /// base64 text.
    Base64,
    /// A value that is none of these and is not shown: its length.
    Unrecognised(usize),
}

impl fmt::Debug for InputSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InputSource({self})")
    }
}

impl fmt::Display for InputSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = match &self.origin {
            Origin::Default => format!("the default {}", self.option.flag),
            Origin::Env(var) => (*var).to_string(),
            other => other.to_string(),
        };
        match &self.form {
            Form::File(p) => write!(f, "{}, from {from}", p.display()),
            Form::Stdin => write!(f, "standard input, from {from}"),
            Form::PemText => write!(f, "PEM text in {from}"),
            Form::Base64 => write!(f, "base64 text in {from}"),
            Form::Unrecognised(n) => write!(
                f,
                "a value of {n} characters in {from} that is neither an existing file, PEM text nor base64 (not shown)"
            ),
        }
    }
}

impl InputSource {
    /// A file, as the source of an input (for the state file's names, `--ca-cert`).
    pub fn file(path: &Path, origin: Origin, option: OptionName) -> InputSource {
        InputSource {
            form: Form::File(path.to_path_buf()),
            origin,
            option,
        }
    }

    /// The file, when the input is one.
    pub fn path(&self) -> Option<&Path> {
        match &self.form {
            Form::File(p) => Some(p),
            _ => None,
        }
    }
}

/// An input's bytes, with where they came from.
pub struct Input {
    /// Where they came from, for messages.
    pub source: InputSource,
    /// The bytes (PEM text or DER), zeroized when dropped.
    pub data: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Input({}, {} bytes)", self.source, self.data.len())
    }
}

/// The source a value would be read from, without reading it.
pub fn source_of(value: &Sourced<InputValue>, option: OptionName) -> InputSource {
    let form = match value.value.route() {
        Route::Stdin => Form::Stdin,
        Route::PemText => Form::PemText,
        Route::Base64 => Form::Base64,
        Route::Path(p) if quotable(&p) => Form::File(p),
        Route::Path(p) => Form::Unrecognised(p.as_os_str().len()),
    };
    InputSource {
        form,
        origin: value.origin.clone(),
        option,
    }
}

/// Read an input: the file, stdin, or the text itself, decoded. Errors name the source.
pub fn read(value: &Sourced<InputValue>, option: OptionName) -> Result<Input> {
    let source = source_of(value, option);
    let raw = &value.value.raw;
    let data = match value.value.route() {
        Route::Stdin => read_capped(Path::new("-")).map_err(|e| e.at(&source))?,
        Route::PemText => repair_pem(raw.as_encoded_bytes()),
        Route::Base64 => decode_base64(raw.as_encoded_bytes()).ok_or_else(|| {
            Error::unknown("invalid base64", "give the file's base64 (base64 -w0 FILE)").at(&source)
        })?,
        Route::Path(p) => match &source.form {
            Form::File(_) => read_capped(&p).map_err(|e| e.at(&source))?,
            _ => {
                return Err(Error::unknown(
                    format!("no usable {}", option.what),
                    format!(
                        "give the path of the {} file, - for standard input, its PEM text, or its base64",
                        option.what
                    ),
                )
                .at(&source));
            }
        },
    };
    Ok(Input { source, data })
}

/// A private key read from an input, decrypted if it was encrypted.
pub struct KeyRead {
    /// Where it came from.
    pub source: InputSource,
    /// The key and its format.
    pub loaded: LoadedKey,
    /// With the passphrase it was encrypted with, if it was (to encrypt its successor).
    pub passphrase: Option<Passphrase>,
}

impl fmt::Debug for KeyRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeyRead({}, {:?}, encrypted: {})",
            self.source,
            self.loaded,
            self.passphrase.is_some()
        )
    }
}

/// How a private key input is encrypted.
enum Encryption {
    None,
    /// OpenSSL's legacy PEM encryption (`Proc-Type: 4,ENCRYPTED`).
    Legacy,
    /// Encrypted PKCS#8: its DER.
    Pkcs8(Zeroizing<Vec<u8>>),
}

/// Whether the bytes of a key input are an encrypted key (PKCS#8 or OpenSSL's legacy PEM).
pub fn is_encrypted(data: &[u8]) -> bool {
    !matches!(encryption(data), Encryption::None)
}

fn encryption(data: &[u8]) -> Encryption {
    if !crate::pki::pem::looks_like_pem(data) {
        return if key::is_encrypted_pkcs8_der(data) {
            Encryption::Pkcs8(Zeroizing::new(data.to_vec()))
        } else {
            Encryption::None
        };
    }
    let Ok(blocks) = crate::pki::pem::pem_blocks(data) else {
        return Encryption::None;
    };
    // The first private key block decides, as `Contents::private_key` does.
    match blocks.iter().find(|b| b.label.contains("PRIVATE KEY")) {
        Some(b) if b.legacy_encrypted => Encryption::Legacy,
        Some(b) if b.label == "ENCRYPTED PRIVATE KEY" => Encryption::Pkcs8(b.der.clone()),
        _ => Encryption::None,
    }
}

/// Read the private key a value leads to; an encrypted PKCS#8 key is decrypted with the
/// passphrase from `passphrase` (a wrong one is exit 3, never shown).
pub fn read_key(value: &Sourced<InputValue>, passphrase: &PassphraseParams) -> Result<KeyRead> {
    let input = read(value, KEY)?;
    let name = input.source.to_string();
    match encryption(&input.data) {
        Encryption::None => {
            // The advice names the file itself (it may be a command to run on it); the
            // subject says where it came from.
            let file = input
                .source
                .path()
                .map_or_else(|| name.clone(), crate::store::read::display_name);
            let loaded = crate::store::read::private_key_in(&input.data, &file)
                .map_err(|e| e.at(&name))?;
            Ok(KeyRead {
                source: input.source,
                loaded,
                passphrase: None,
            })
        }
        Encryption::Legacy => Err(Error::unknown(
            "the private key has OpenSSL's legacy encryption (Proc-Type: 4,ENCRYPTED), which nskeys does not read",
            "convert it to encrypted PKCS#8 (it asks for the passphrase): openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.pem -out private.pem",
        )
        .at(&name)),
        Encryption::Pkcs8(der) => {
            let pass = passphrase::obtain(passphrase, &name, Purpose::Decrypt)?;
            let plain = key::decrypt_pkcs8(&der, pass.as_bytes()).map_err(|p| p.error().at(&name))?;
            let key = key::parse_private_key(&plain, KeyFormat::Pkcs8)
                .map_err(|p| p.error().at(&name))?;
            Ok(KeyRead {
                source: input.source,
                loaded: LoadedKey {
                    key,
                    format: KeyFormat::Pkcs8,
                },
                passphrase: Some(pass),
            })
        }
    }
}

/// Where a value leads, by its content.
fn route_of(raw: &OsStr) -> Route {
    let bytes = raw.as_encoded_bytes();
    if bytes == b"-" {
        return Route::Stdin;
    }
    if contains(bytes, b"-----BEGIN") {
        return Route::PemText;
    }
    let path = PathBuf::from(raw);
    if path.symlink_metadata().is_ok() {
        return Route::Path(path);
    }
    if decode_base64(bytes).is_some() {
        return Route::Base64;
    }
    Route::Path(path)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The base64 alphabet (standard and URL-safe) and padding.
fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
}

/// base64 (standard or URL-safe, padded or not, whitespace and literal `\n` ignored) of PEM
/// text or DER: the decoded bytes. `None` for fewer than 64 characters or anything else.
fn decode_base64(text: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let text = strip_quotes(trim(text));
    let mut clean = Zeroizing::new(Vec::with_capacity(text.len()));
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c == b'\\' && matches!(text.get(i + 1), Some(b'n' | b'r')) {
            i += 2;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if !is_b64(c) {
            return None;
        }
        clean.push(c);
        i += 1;
    }
    if clean.len() < 64 {
        return None;
    }
    while clean.last() == Some(&b'=') {
        clean.pop();
    }
    let url = clean.iter().any(|c| matches!(c, b'-' | b'_'));
    let s = std::str::from_utf8(&clean).ok()?;
    let decoded = Zeroizing::new(if url {
        base64ct::Base64UrlUnpadded::decode_vec(s).ok()?
    } else {
        base64ct::Base64Unpadded::decode_vec(s).ok()?
    });
    let pem = contains(&decoded, b"-----BEGIN");
    let der = decoded.first() == Some(&0x30);
    (pem || der).then_some(decoded)
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

fn strip_quotes(b: &[u8]) -> &[u8] {
    match (b.first(), b.last()) {
        (Some(b'"'), Some(b'"')) | (Some(b'\''), Some(b'\'')) if b.len() >= 2 => &b[1..b.len() - 1],
        _ => b,
    }
}

/// PEM text as CI systems mangle it, repaired: literal `\n` and `\r` become line breaks,
/// CRLF becomes LF, surrounding quotes go, and each block whose lines were joined by spaces
/// is rebuilt (its base64 body re-wrapped at 64 columns). Legacy encrypted blocks, whose
/// headers cannot be rebuilt, are left as they are.
fn repair_pem(text: &[u8]) -> Zeroizing<Vec<u8>> {
    let text = strip_quotes(trim(text));
    let mut unescaped = Zeroizing::new(Vec::with_capacity(text.len() + 1));
    let mut i = 0;
    while i < text.len() {
        match (text[i], text.get(i + 1)) {
            (b'\\', Some(b'n')) => {
                unescaped.push(b'\n');
                i += 2;
            }
            (b'\\', Some(b'r')) | (b'\r', _) => i += if text[i] == b'\\' { 2 } else { 1 },
            (c, _) => {
                unescaped.push(c);
                i += 1;
            }
        }
    }
    if contains(&unescaped, b"Proc-Type:") {
        unescaped.push(b'\n');
        return unescaped;
    }
    rebuild_blocks(&unescaped).unwrap_or(unescaped)
}

/// Every `-----BEGIN L-----` ... `-----END L-----` block, whitespace in the body dropped and
/// the body re-wrapped; text outside blocks dropped. `None` if a block is not closed.
fn rebuild_blocks(text: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const DASHES: &[u8] = b"-----";
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() + text.len() / 64 + 64));
    let mut at = 0;
    while let Some(b) = find(text, BEGIN, at) {
        let label_start = b + BEGIN.len();
        let label_end = find(text, DASHES, label_start)?;
        let label = &text[label_start..label_end];
        if label.contains(&b'\n') {
            return None;
        }
        let body_start = label_end + DASHES.len();
        let mut end_marker = b"-----END ".to_vec();
        end_marker.extend_from_slice(label);
        end_marker.extend_from_slice(DASHES);
        let body_end = find(text, &end_marker, body_start)?;
        let body: Zeroizing<Vec<u8>> = Zeroizing::new(
            text[body_start..body_end]
                .iter()
                .copied()
                .filter(|c| !c.is_ascii_whitespace())
                .collect(),
        );
        out.extend_from_slice(BEGIN);
        out.extend_from_slice(label);
        out.extend_from_slice(b"-----\n");
        for line in body.chunks(64) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out.extend_from_slice(&end_marker);
        out.push(b'\n');
        at = body_end + end_marker.len();
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevZzL1gdAFr88hb2\nOF/2NxApJCzGCEDdfSp6VQO30hyhRANCAAQRWz+jn65BtOMvdyHKcvjBeBSDZH2r\n1RTwjmYSi9R/zpBnuQ4EiMnCqfMPWiZqB4QdbAd0E7oH50VpuZ1P087G\n-----END PRIVATE KEY-----\n";

    fn sourced(s: &str) -> Sourced<InputValue> {
        Sourced::new(InputValue::from(s), Origin::Env("NS_PRIVATE_KEY"))
    }

    #[test]
    fn mangled_pem_is_repaired() {
        for mangled in [
            PEM.to_string(),
            PEM.replace('\n', "\\n"),
            PEM.replace('\n', " "),
            PEM.replace('\n', "\r\n"),
            format!("\"{}\"", PEM.replace('\n', "\\n")),
            PEM.trim_end().replace('\n', " "),
        ] {
            assert!(sourced(&mangled).value.route() == Route::PemText);
            let input = read(&sourced(&mangled), KEY).unwrap();
            assert_eq!(
                std::str::from_utf8(&input.data).unwrap(),
                PEM,
                "{mangled:?}"
            );
        }
    }

    #[test]
    fn base64_of_pem_or_der_is_decoded() {
        let b64 = base64ct::Base64::encode_string(PEM.as_bytes());
        let input = read(&sourced(&b64), KEY).unwrap();
        assert_eq!(&input.data[..], PEM.as_bytes());
        assert_eq!(input.source.to_string(), "base64 text in NS_PRIVATE_KEY");
        // The body alone is base64 of DER.
        let body: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(sourced(&body).value.route() == Route::Base64);
        assert_eq!(read(&sourced(&body), KEY).unwrap().data[0], 0x30);
    }

    #[test]
    fn values_that_are_not_paths_are_never_quoted() {
        let body: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        let garbage = format!("{}!", &body[..100]);
        let e = read(&sourced(&garbage), KEY).unwrap_err().to_string();
        assert!(!e.contains(&body[..24]), "{e}");
        assert!(e.contains("NS_PRIVATE_KEY"), "{e}");
        assert!(format!("{:?}", InputValue::from(PEM)).contains("not shown"));
        let e = read(&sourced("/nope.pem"), KEY).unwrap_err().to_string();
        assert!(
            e.contains("/nope.pem") && e.contains("NS_PRIVATE_KEY"),
            "{e}"
        );
        assert!(e.starts_with("no such file"), "{e}");
    }
}
