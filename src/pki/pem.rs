//! PEM text: splitting it into blocks, tolerating the text around them (openssl's "Bag
//! Attributes", comments) but not broken blocks; and encoding DER as PEM.

use base64ct::Encoding;
use zeroize::Zeroizing;

/// One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, ...), its decoded body, and
/// whether it carried RFC 1421 `Proc-Type: 4,ENCRYPTED` headers (legacy encrypted keys).
/// The body may be a private key: it is zeroized on drop and `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// The label between `BEGIN ` and the dashes.
    pub label: String,
    /// The DER bytes.
    pub der: Zeroizing<Vec<u8>>,
    /// Legacy OpenSSL encryption headers were present.
    pub legacy_encrypted: bool,
}

impl std::fmt::Debug for PemBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PemBlock")
            .field("label", &self.label)
            .field("der", &format_args!("<{} bytes>", self.der.len()))
            .field("legacy_encrypted", &self.legacy_encrypted)
            .finish()
    }
}

/// Whether the data looks like PEM text (a `-----BEGIN ` line somewhere in it).
pub fn looks_like_pem(data: &[u8]) -> bool {
    find(data, b"-----BEGIN ").is_some()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Why PEM text cannot be split into blocks (or a block cannot be written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PemError {
    /// A `-----BEGIN ` line without its closing dashes.
    BeginCutOff,
    /// A label that is too long or spans lines.
    BeginMalformed,
    /// No `-----END <label>-----` line for a block.
    NoEnd {
        /// The block's label.
        label: String,
    },
    /// The body is not base64.
    BadBase64 {
        /// The block's label.
        label: String,
    },
    /// The body is empty.
    Empty {
        /// The block's label.
        label: String,
    },
    /// A label RFC 7468 does not allow, when writing.
    Unwritable {
        /// The label.
        label: String,
    },
}

impl std::fmt::Display for PemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PemError::BeginCutOff => f.write_str("a BEGIN line is cut off"),
            PemError::BeginMalformed => f.write_str("a BEGIN line is malformed"),
            PemError::NoEnd { label } => {
                write!(f, "the {label} block has no END line (file cut short?)")
            }
            PemError::BadBase64 { label } => {
                write!(f, "the {label} block has invalid base64 (file damaged?)")
            }
            PemError::Empty { label } => write!(f, "the {label} block is empty"),
            PemError::Unwritable { label } => write!(f, "{label:?} cannot be a PEM label"),
        }
    }
}

impl std::error::Error for PemError {}

/// Split PEM text into its blocks. Text outside blocks is ignored; a block that is broken
/// (no END line, mismatched END label, bad base64) is an error naming the block.
pub fn pem_blocks(data: &[u8]) -> Result<Vec<PemBlock>, PemError> {
    let text = String::from_utf8_lossy(data);
    let mut blocks = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            return Err(PemError::BeginCutOff);
        };
        let label = after[..label_end].trim().to_string();
        if label.len() > 64 || label.contains('\n') {
            return Err(PemError::BeginMalformed);
        }
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            return Err(PemError::NoEnd { label });
        };
        let body = &body_start[..end];
        let mut legacy_encrypted = false;
        // The base64 of a private key is as secret as the key.
        let mut b64 = Zeroizing::new(String::with_capacity(body.len()));
        for line in body.lines() {
            let line = line.trim();
            if let Some((key, value)) = line.split_once(':') {
                // RFC 1421 headers, as legacy OpenSSL encrypted keys carry.
                if key.eq_ignore_ascii_case("Proc-Type") && value.contains("ENCRYPTED") {
                    legacy_encrypted = true;
                }
                continue;
            }
            b64.push_str(line);
        }
        let Ok(der) = base64ct::Base64::decode_vec(&b64) else {
            return Err(PemError::BadBase64 { label });
        };
        let der = Zeroizing::new(der);
        if der.is_empty() {
            return Err(PemError::Empty { label });
        }
        blocks.push(PemBlock {
            label,
            der,
            legacy_encrypted,
        });
        rest = &body_start[end + end_marker.len()..];
    }
    Ok(blocks)
}

/// Encode DER as PEM with the given label (RFC 7468: 64-column lines, LF endings).
pub fn to_pem(label: &str, der: &[u8]) -> Result<String, PemError> {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).map_err(|_| {
        PemError::Unwritable {
            label: label.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_blocks_and_ignores_surrounding_text() {
        let pem = format!(
            "Bag Attributes\n{}junk\n{}",
            to_pem("CERTIFICATE", b"abc").unwrap(),
            to_pem("PRIVATE KEY", b"defg").unwrap()
        );
        let blocks = pem_blocks(pem.as_bytes()).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].label, "CERTIFICATE");
        assert_eq!(blocks[0].der.as_slice(), b"abc");
        assert_eq!(blocks[1].der.as_slice(), b"defg");
    }

    #[test]
    fn missing_end_line_is_an_error() {
        let pem = to_pem("CERTIFICATE", b"abc").unwrap();
        let cut = &pem[..pem.len() - 10];
        assert_eq!(
            pem_blocks(cut.as_bytes()).unwrap_err().to_string(),
            "the CERTIFICATE block has no END line (file cut short?)"
        );
    }

    #[test]
    fn bad_base64_is_an_error() {
        let pem = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(
            pem_blocks(pem.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("base64")
        );
    }

    #[test]
    fn legacy_encryption_headers_are_noticed() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nYWJj\n-----END RSA PRIVATE KEY-----\n";
        let blocks = pem_blocks(pem.as_bytes()).unwrap();
        assert!(blocks[0].legacy_encrypted);
    }

    /// What the hand-written encoder wrote before pem-rfc7468 did: 64-column lines, LF.
    #[test]
    fn pem_is_written_as_before() {
        fn old(label: &str, der: &[u8]) -> String {
            let b64 = base64ct::Base64::encode_string(der);
            let mut out = format!("-----BEGIN {label}-----\n");
            for chunk in b64.as_bytes().chunks(64) {
                out.push_str(std::str::from_utf8(chunk).unwrap());
                out.push('\n');
            }
            out.push_str(&format!("-----END {label}-----\n"));
            out
        }
        for len in [1, 2, 3, 47, 48, 49, 96, 1000, 4097] {
            let der: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            for label in ["CERTIFICATE", "EC PRIVATE KEY"] {
                assert_eq!(to_pem(label, &der).unwrap(), old(label, &der), "{len}");
            }
        }
        assert!(to_pem("BAD\nLABEL", b"x").is_err());
    }
}
