//! Instants as `time::OffsetDateTime` in UTC and whole seconds (certificates and JWT claims
//! have no finer precision), written and read as RFC 3339.

use ::time::format_description::well_known::Rfc3339;
use ::time::{Duration, OffsetDateTime, UtcOffset};

/// Now, in UTC, cut to whole seconds.
pub fn now() -> OffsetDateTime {
    whole_seconds(OffsetDateTime::now_utc())
}

/// `t` without its sub-second part, in UTC.
pub fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    t - Duration::nanoseconds(i64::from(t.nanosecond()))
}

/// `2028-11-22T14:30:00Z`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    t.format(&Rfc3339)
        .unwrap_or_else(|_| format!("@{}", t.unix_timestamp()))
}

/// Parse an RFC 3339 instant (`2027-01-31T00:00:00Z`, offsets allowed) or a bare date
/// (`2027-01-31`, taken as midnight UTC); the result is in UTC.
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    let parsed = OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .or_else(|| OffsetDateTime::parse(&format!("{s}T00:00:00Z"), &Rfc3339).ok())?;
    Some(whole_seconds(parsed))
}

/// Whole days from `from` to `to`, rounded down (negative once `to` is past).
pub fn days_between(from: OffsetDateTime, to: OffsetDateTime) -> i64 {
    (to - from).whole_seconds().div_euclid(86_400)
}

/// `days` whole days.
pub fn days(days: u32) -> Duration {
    Duration::days(i64::from(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    #[test]
    fn roundtrip() {
        let t = parse_rfc3339("2027-01-31T12:00:00Z").unwrap();
        assert_eq!(rfc3339(t), "2027-01-31T12:00:00Z");
        assert_eq!(
            parse_rfc3339("2027-01-31"),
            parse_rfc3339("2027-01-31T00:00:00+00:00")
        );
        assert_eq!(
            rfc3339(parse_rfc3339("2027-01-31T02:00:00+02:00").unwrap()),
            "2027-01-31T00:00:00Z"
        );
        assert!(parse_rfc3339("yesterday").is_none());
    }

    #[test]
    fn days_round_down() {
        assert_eq!(days_between(at(0), at(86_399)), 0);
        assert_eq!(days_between(at(0), at(86_400)), 1);
        assert_eq!(days_between(at(0), at(-1)), -1);
        assert_eq!(days_between(at(100), at(100 - 86_401)), -2);
    }

    #[test]
    fn now_has_no_fraction() {
        assert_eq!(now().nanosecond(), 0);
    }
}
