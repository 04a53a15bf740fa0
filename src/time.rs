//! Time formatting and parsing, in UTC, as RFC 3339.

use ::time::OffsetDateTime;
use ::time::format_description::well_known::Rfc3339;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (negative before it).
pub fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// The instant `secs` seconds after the Unix epoch.
pub fn from_unix(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// `2028-11-22T14:30:00Z`.
pub fn rfc3339(t: SystemTime) -> String {
    OffsetDateTime::from_unix_timestamp(unix(t))
        .ok()
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("@{}", unix(t)))
}

/// Parse an RFC 3339 instant (`2027-01-31T00:00:00Z`, offsets allowed) or a bare date
/// (`2027-01-31`, taken as midnight UTC).
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let parsed = OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .or_else(|| OffsetDateTime::parse(&format!("{s}T00:00:00Z"), &Rfc3339).ok())?;
    Some(from_unix(parsed.unix_timestamp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let t = parse_rfc3339("2027-01-31T12:00:00Z").unwrap();
        assert_eq!(rfc3339(t), "2027-01-31T12:00:00Z");
        assert_eq!(
            parse_rfc3339("2027-01-31"),
            parse_rfc3339("2027-01-31T00:00:00+00:00")
        );
        assert!(parse_rfc3339("yesterday").is_none());
    }
}
