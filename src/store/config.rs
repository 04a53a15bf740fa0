//! The configuration file: named profiles of connection options.
//!
//! `$XDG_CONFIG_HOME/nskeys/config.toml` on Linux and other Unix systems (`~/.config/...`
//! without XDG_CONFIG_HOME), `~/Library/Application Support/nskeys/config.toml` on macOS,
//! `%APPDATA%\nskeys\config.toml` on Windows; `NSKEYS_CONFIG` names another file. Each
//! `[profiles.NAME]` table holds connection options (see [`FIELDS`]). Read with spans, so an
//! error names the file and line; edited with `toml_edit`, so comments and layout survive.

use crate::error::{Error, Result};
use crate::store::read::display_name;
use std::path::{Path, PathBuf};
use toml_edit::{DocumentMut, Item, Table, value};

/// The variable that names another configuration file.
pub const CONFIG_VAR: &str = "NSKEYS_CONFIG";

/// What a profile may hold: the key in the file, and whether its value is a path (a relative
/// path is taken from the configuration file's directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `account`: the NetSuite account ID.
    Account,
    /// `token_url`: the full token endpoint URL.
    TokenUrl,
    /// `client_id`: the integration's client ID.
    ClientId,
    /// `cert_id`: the Certificate ID of the mapping.
    CertId,
    /// `key`: the private key file.
    Key,
    /// `cert`: the certificate file.
    Cert,
    /// `scopes`: comma-separated scopes (or an array).
    Scopes,
    /// `alg`: the JWT algorithm.
    Alg,
    /// `dir`: a key directory: its private.pem, public.pem and state file.
    Dir,
    /// `ca_cert`: extra trusted roots.
    CaCert,
    /// `api_url`: base URL of the certificates API.
    ApiUrl,
    /// `timeout`: seconds for the exchange.
    Timeout,
    /// `assertion_ttl`: the assertion's lifetime.
    AssertionTtl,
    /// `min_valid`: seconds a cached token must still be valid.
    MinValid,
    /// `token_cache`: `true`/`false` (or "on"/"off").
    TokenCache,
}

/// Every field, with its key in the file.
pub const FIELDS: [(Field, &str); 15] = [
    (Field::Account, "account"),
    (Field::TokenUrl, "token_url"),
    (Field::ClientId, "client_id"),
    (Field::CertId, "cert_id"),
    (Field::Key, "key"),
    (Field::Cert, "cert"),
    (Field::Scopes, "scopes"),
    (Field::Alg, "alg"),
    (Field::Dir, "dir"),
    (Field::CaCert, "ca_cert"),
    (Field::ApiUrl, "api_url"),
    (Field::Timeout, "timeout"),
    (Field::AssertionTtl, "assertion_ttl"),
    (Field::MinValid, "min_valid"),
    (Field::TokenCache, "token_cache"),
];

impl Field {
    /// Its key in the file.
    pub fn key(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("", |(_, k)| k)
    }

    /// The field a key in the file names (`-` taken as `_`; `scope` as `scopes`).
    pub fn from_key(key: &str) -> Option<Field> {
        let key = key.replace('-', "_");
        let key = if key == "scope" { "scopes" } else { &key };
        FIELDS.iter().find(|(_, k)| *k == key).map(|(f, _)| *f)
    }

    /// Whether the value is a path.
    pub fn is_path(self) -> bool {
        matches!(self, Field::Key | Field::Cert | Field::Dir | Field::CaCert)
    }

    /// Whether the value is a whole number.
    pub fn is_number(self) -> bool {
        matches!(self, Field::Timeout | Field::AssertionTtl | Field::MinValid)
    }
}

/// One profile, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Its name.
    pub name: String,
    /// The configuration file it is in.
    pub file: PathBuf,
    /// Its values as text (paths made absolute), in the file's order.
    pub values: Vec<(Field, String)>,
}

impl Profile {
    /// The value of `field`, if the profile sets it.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
    }
}

/// The configuration file to use: `NSKEYS_CONFIG` (`config_var`), else the platform's.
pub fn config_path(config_var: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(p) = config_var.filter(|p| !p.as_os_str().is_empty()) {
        return Some(p);
    }
    platform_config_dir().map(|d| d.join("nskeys").join("config.toml"))
}

/// The configuration file named by the environment.
pub fn default_config_path() -> Option<PathBuf> {
    config_path(std::env::var_os(CONFIG_VAR).map(PathBuf::from))
}

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// The platform's configuration directory.
pub fn platform_config_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        env_dir("APPDATA")
    } else if cfg!(target_os = "macos") {
        env_dir("HOME").map(|h| h.join("Library").join("Application Support"))
    } else {
        env_dir("XDG_CONFIG_HOME").or_else(|| env_dir("HOME").map(|h| h.join(".config")))
    }
}

/// The platform's cache directory.
pub fn platform_cache_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        env_dir("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        env_dir("HOME").map(|h| h.join("Library").join("Caches"))
    } else {
        env_dir("XDG_CACHE_HOME").or_else(|| env_dir("HOME").map(|h| h.join(".cache")))
    }
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// `file:line` for an error.
fn at_line(file: &Path, text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let name = display_name(file);
    match span {
        Some(s) => format!("{name}:{}", line_of(text, s.start)),
        None => name,
    }
}

const FIX_CONFIG: &str =
    "fix the file (see 'Profiles' in the README), or point NSKEYS_CONFIG at another one";

/// The configuration file's text, `None` if it does not exist.
fn read_text(file: &Path) -> Result<Option<String>> {
    match std::fs::read(file) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            Error::unknown("the configuration file is not UTF-8 text", FIX_CONFIG)
                .at(display_name(file))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::unknown(
            format!("cannot read the configuration file: {e}"),
            "check its permissions, or point NSKEYS_CONFIG at another file",
        )
        .at(display_name(file))),
    }
}

/// Every profile in `file` (none if the file does not exist), checked.
pub fn load(file: &Path) -> Result<Vec<Profile>> {
    let Some(text) = read_text(file)? else {
        return Ok(Vec::new());
    };
    let doc = toml_edit::Document::parse(text.as_str()).map_err(|e| {
        let first = e.message().lines().next().unwrap_or("invalid TOML").trim();
        Error::unknown(format!("invalid configuration file: {first}"), FIX_CONFIG).at(at_line(
            file,
            &text,
            e.span(),
        ))
    })?;
    let base = file.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (top, item) in doc.iter() {
        let span = doc.get_key_value(top).and_then(|(k, _)| k.span());
        if top != "profiles" {
            return Err(Error::unknown(
                format!("unknown table or key '{top}' in the configuration file"),
                "profiles go in [profiles.NAME] tables",
            )
            .at(at_line(file, &text, span)));
        }
        let Some(profiles) = item.as_table_like() else {
            return Err(Error::unknown("'profiles' must be a table", FIX_CONFIG)
                .at(at_line(file, &text, span)));
        };
        for (name, p) in profiles.iter() {
            let pspan = profiles.get_key_value(name).and_then(|(k, _)| k.span());
            let Some(table) = p.as_table_like() else {
                return Err(Error::unknown(
                    format!("profile '{name}' must be a table ([profiles.{name}])"),
                    FIX_CONFIG,
                )
                .at(at_line(file, &text, pspan)));
            };
            let mut values = Vec::new();
            for (key, v) in table.iter() {
                let kspan = table.get_key_value(key).and_then(|(k, _)| k.span());
                let where_ = || at_line(file, &text, kspan.clone());
                let Some(field) = Field::from_key(key) else {
                    let known: Vec<&str> = FIELDS.iter().map(|(_, k)| *k).collect();
                    return Err(Error::unknown(
                        format!("unknown setting '{key}' in profile '{name}'"),
                        format!("a profile may set {}", known.join(", ")),
                    )
                    .at(where_()));
                };
                let text_value = item_text(field, v).ok_or_else(|| {
                    let kind = if field.is_number() {
                        "a whole number"
                    } else if field == Field::TokenCache {
                        "true or false"
                    } else {
                        "a string"
                    };
                    Error::unknown(
                        format!("'{key}' in profile '{name}' must be {kind}"),
                        FIX_CONFIG,
                    )
                    .at(where_())
                })?;
                let text_value = if field.is_path() && !text_value.trim_start().starts_with("-----")
                {
                    absolute(base, &text_value)
                } else {
                    text_value
                };
                values.push((field, text_value));
            }
            out.push(Profile {
                name: name.to_string(),
                file: file.to_path_buf(),
                values,
            });
        }
    }
    Ok(out)
}

/// A path from the file, relative to the file's directory.
fn absolute(base: &Path, p: &str) -> String {
    let path = Path::new(p);
    if path.is_absolute() || p == "-" {
        p.to_string()
    } else {
        base.join(path).to_string_lossy().into_owned()
    }
}

fn item_text(field: Field, v: &Item) -> Option<String> {
    let v = v.as_value()?;
    if field.is_number() {
        return v
            .as_integer()
            .and_then(|n| u64::try_from(n).ok())
            .map(|n| n.to_string());
    }
    if field == Field::TokenCache {
        return match (v.as_bool(), v.as_str()) {
            (Some(b), _) => Some(if b { "on" } else { "off" }.to_string()),
            (None, Some(s)) => Some(s.to_string()),
            _ => None,
        };
    }
    if field == Field::Scopes
        && let Some(arr) = v.as_array()
    {
        let list: Option<Vec<&str>> = arr.iter().map(|s| s.as_str()).collect();
        return list.map(|l| l.join(","));
    }
    v.as_str().map(str::to_string)
}

/// The profile called `name` in `file`: exit 3 naming the file if there is none.
pub fn find(file: &Path, name: &str) -> Result<Profile> {
    let exists = file.exists();
    let profiles = load(file)?;
    profiles
        .iter()
        .find(|p| p.name == name)
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
            let hint = if !exists {
                format!(
                    "the file does not exist: create the profile with nskeys profile add {name} ..."
                )
            } else if names.is_empty() {
                format!("the file has no profiles: add one with nskeys profile add {name} ...")
            } else {
                format!(
                    "known profiles: {}; add it with nskeys profile add {name} ...",
                    names.join(", ")
                )
            };
            Error::unknown(format!("no profile named '{name}'"), hint).at(display_name(file))
        })
}

/// The file as an editable document (empty if it does not exist), checked first.
fn editable(file: &Path) -> Result<DocumentMut> {
    load(file)?;
    let text = read_text(file)?.unwrap_or_default();
    text.parse::<DocumentMut>().map_err(|e| {
        Error::unknown(
            format!("invalid configuration file: {}", e.message()),
            FIX_CONFIG,
        )
        .at(display_name(file))
    })
}

/// Add (or with `replace`, replace) profile `name` holding `values`. Comments elsewhere in the
/// file are kept.
pub fn add(file: &Path, name: &str, values: &[(Field, String)], replace: bool) -> Result<()> {
    check_name(name)?;
    let mut doc = editable(file)?;
    // A file of comments only: they stay above the first table rather than after it.
    let trailing = doc.trailing().as_str().unwrap_or_default().to_string();
    let no_tables = doc.as_table().iter().all(|(_, item)| {
        item.as_table_like()
            .is_some_and(|t| t.iter().next().is_none())
    });
    let lead = (no_tables && !trailing.trim().is_empty()).then(|| {
        doc.set_trailing("");
        format!("{}\n", trailing.trim_end())
    });
    if !doc.contains_key("profiles") {
        let mut t = Table::new();
        t.set_implicit(true);
        doc.insert("profiles", Item::Table(t));
    }
    let profiles = doc["profiles"].as_table_mut().ok_or_else(|| {
        Error::unknown("'profiles' must be a table", FIX_CONFIG).at(display_name(file))
    })?;
    if profiles.contains_key(name) && !replace {
        return Err(Error::unknown(
            format!("profile '{name}' already exists"),
            format!("use --force to replace it, or nskeys profile remove {name} first"),
        )
        .at(display_name(file)));
    }
    let mut table = Table::new();
    if let Some(lead) = lead {
        table.decor_mut().set_prefix(lead);
    }
    for (field, v) in values {
        if field.is_number() {
            let n: i64 = v.parse().map_err(|_| {
                Error::unknown(format!("{} must be a whole number", field.key()), "")
            })?;
            table.insert(field.key(), value(n));
        } else {
            table.insert(field.key(), value(v.as_str()));
        }
    }
    profiles.insert(name, Item::Table(table));
    save(file, &doc.to_string())
}

/// Remove profile `name`; an error if there is none.
pub fn remove(file: &Path, name: &str) -> Result<()> {
    find(file, name)?;
    let mut doc = editable(file)?;
    // Comments above the profile that a blank line separates from it are about the file, not
    // the profile: they move to the next table (or the end of the file).
    let mut keep = String::new();
    if let Some(p) = doc.get_mut("profiles").and_then(Item::as_table_mut)
        && let Some(Item::Table(removed)) = p.remove(name)
    {
        let prefix = removed
            .decor()
            .prefix()
            .and_then(|r| r.as_str())
            .unwrap_or_default();
        if let Some(i) = prefix.rfind("\n\n") {
            keep = prefix[..i + 2].to_string();
        }
        if !keep.is_empty() {
            let pos = removed.position().unwrap_or(0);
            let next = p
                .iter_mut()
                .filter_map(|(_, item)| item.as_table_mut())
                .filter(|t| t.position().unwrap_or(0) > pos)
                .min_by_key(|t| t.position().unwrap_or(0));
            if let Some(t) = next {
                let old = t
                    .decor()
                    .prefix()
                    .and_then(|r| r.as_str())
                    .unwrap_or_default()
                    .to_string();
                t.decor_mut().set_prefix(format!("{keep}{old}"));
                keep.clear();
            }
        }
    }
    if !keep.is_empty() {
        let old = doc.trailing().as_str().unwrap_or_default().to_string();
        doc.set_trailing(format!("{old}{keep}"));
    }
    save(file, &doc.to_string())
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::unknown(
            format!("invalid profile name {name:?}"),
            "use letters, digits, '_' and '-' (e.g. prod, sb1, release-preview)",
        ))
    }
}

/// Write the file atomically (a temporary file beside it, renamed over it); mode 0600, since
/// it may name a key or hold a Certificate ID.
fn save(file: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let name = display_name(file);
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |e: std::io::Error| {
        Error::unknown(
            format!("cannot write the configuration file: {e}"),
            "check the directory's permissions, or point NSKEYS_CONFIG at another file",
        )
        .at(&name)
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".config.toml.")
        .tempfile_in(&dir)
        .map_err(io)?;
    tmp.write_all(text.as_bytes()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(file).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, "# c\n[profiles.a]\naccount = \"1\"\nbogus = 1\n").unwrap();
        let e = load(&f).unwrap_err();
        assert!(e.subject.unwrap().ends_with("config.toml:4"), "{}", e.what);
        std::fs::write(&f, "[profiles.a]\naccount = \n").unwrap();
        let e = load(&f).unwrap_err();
        assert!(e.subject.unwrap().ends_with("config.toml:2"));
    }

    #[test]
    fn add_keeps_comments_and_remove_works() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(
            &f,
            "# my accounts\n\n[profiles.a]\naccount = \"1\" # prod\n",
        )
        .unwrap();
        add(
            &f,
            "b",
            &[(Field::Timeout, "5".into()), (Field::Key, "/k.pem".into())],
            false,
        )
        .unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.contains("# my accounts") && text.contains("# prod"),
            "{text}"
        );
        let p = find(&f, "b").unwrap();
        assert_eq!(p.get(Field::Timeout), Some("5"));
        assert!(add(&f, "b", &[], false).is_err());
        remove(&f, "a").unwrap();
        assert!(find(&f, "a").is_err());
        assert!(
            std::fs::read_to_string(&f)
                .unwrap()
                .contains("# my accounts")
        );
    }

    #[test]
    fn relative_paths_are_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(
            &f,
            "[profiles.a]\ndir = \"keys\"\nscopes = [\"restlets\", \"rest_webservices\"]\n",
        )
        .unwrap();
        let p = find(&f, "a").unwrap();
        assert_eq!(
            p.get(Field::Dir).map(PathBuf::from),
            Some(dir.path().join("keys"))
        );
        assert_eq!(p.get(Field::Scopes), Some("restlets,rest_webservices"));
    }
}
