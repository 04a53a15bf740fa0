//! Writing a command's report to stdout: the helpers every command shares.

use crate::error::{Error, Result};
use std::io::Write;

/// Write a whole report to stdout.
pub(crate) fn write_output(out: &mut dyn Write, text: &str) -> Result<()> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::unknown(format!("cannot write output: {e}"), "").at("<stdout>"))
}

/// Pretty JSON with a final newline.
pub(crate) fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(value)
        .map_err(|e| Error::unknown(e.to_string(), "report this"))?;
    s.push('\n');
    Ok(s)
}

/// Output formats of the commands that are also monitoring checks (`expiry`, `certs list`,
/// `verify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people (and cron).
    Text,
    /// One JSON document.
    Json,
    /// One line with perfdata, for Nagios/Icinga.
    Nagios,
    /// Textfile-collector metrics.
    Prometheus,
}

/// `--crit-days` must lie inside `--warn-days` (expiry, certs list): one rule, one message.
pub fn check_windows(warn_days: u32, crit_days: u32) -> Result<()> {
    if crit_days > warn_days {
        return Err(Error::unknown(
            format!("--crit-days {crit_days} is more than --warn-days {warn_days}"),
            "the critical window must lie inside the warning window: raise --warn-days or lower --crit-days",
        )
        .at("arguments"));
    }
    Ok(())
}
