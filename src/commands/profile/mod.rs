//! `nskeys profile add|list|show|remove`: the named profiles of the configuration file,
//! managed without hand-editing (comments in the file are kept). `list --check` runs the live
//! exchange for every profile, one line each, for one cron line that watches every account.

use crate::commands::connection;
use crate::commands::preflight::{self, ExchangeParams};
use crate::error::{Error, Result, Status};
use crate::store::config::{self, Field, Profile};
use crate::store::read::display_name;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to do with the profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileParams {
    /// Add (or with `force`, replace) a profile.
    Add {
        /// Its name.
        name: String,
        /// Its settings (paths as given; made absolute here).
        values: Vec<(Field, String)>,
        /// Replace an existing profile of that name.
        force: bool,
    },
    /// List the profiles; with `check`, exchange a token for each.
    List {
        /// Run the live exchange per profile.
        check: bool,
    },
    /// Show one profile (no key material).
    Show {
        /// Its name.
        name: String,
    },
    /// Remove one profile.
    Remove {
        /// Its name.
        name: String,
    },
}

fn config_file() -> Result<PathBuf> {
    config::default_config_path().ok_or_else(|| {
        Error::unknown(
            "no configuration directory",
            "set HOME or XDG_CONFIG_HOME, or point NSKEYS_CONFIG at the configuration file",
        )
    })
}

fn write_err(e: std::io::Error) -> Error {
    Error::unknown(format!("cannot write the report: {e}"), "")
}

/// `nskeys profile ...`.
pub fn command(params: &ProfileParams, out: &mut dyn Write) -> Result<Status> {
    let file = config_file()?;
    match params {
        ProfileParams::Add {
            name,
            values,
            force,
        } => {
            if values.is_empty() {
                return Err(Error::unknown(
                    format!("nothing to put in profile '{name}'"),
                    "give connection options, e.g. nskeys profile add prod --account 1234567 --client-id ID --dir ~/keys/prod",
                ));
            }
            let values: Vec<(Field, String)> = values
                .iter()
                .map(|(f, v)| {
                    let v = if f.is_path() {
                        connection::absolute(Path::new(v))
                            .to_string_lossy()
                            .into_owned()
                    } else {
                        v.clone()
                    };
                    (*f, v)
                })
                .collect();
            config::add(&file, name, &values, *force)?;
            writeln!(
                out,
                "Profile '{name}' saved in {}; use it with --profile {name} or NS_PROFILE={name}.",
                display_name(&file)
            )
            .map_err(write_err)?;
            Ok(Status::Ok)
        }
        ProfileParams::Remove { name } => {
            config::remove(&file, name)?;
            writeln!(
                out,
                "Profile '{name}' removed from {}.",
                display_name(&file)
            )
            .map_err(write_err)?;
            Ok(Status::Ok)
        }
        ProfileParams::Show { name } => {
            let p = config::find(&file, name)?;
            show(&p, out).map_err(write_err)?;
            Ok(Status::Ok)
        }
        ProfileParams::List { check } => {
            let profiles = config::load(&file)?;
            if profiles.is_empty() {
                if *check {
                    return Err(Error::unknown(
                        "no profiles to check",
                        "add one with nskeys profile add NAME ...",
                    )
                    .at(display_name(&file)));
                }
                writeln!(
                    out,
                    "No profiles in {}; add one with nskeys profile add NAME ...",
                    display_name(&file)
                )
                .map_err(write_err)?;
                return Ok(Status::Ok);
            }
            if *check {
                return check_all(&profiles, out);
            }
            let width = profiles.iter().map(|p| p.name.len()).max().unwrap_or(0);
            for p in &profiles {
                writeln!(out, "{:<width$}  {}", p.name, summary(p)).map_err(write_err)?;
            }
            Ok(Status::Ok)
        }
    }
}

/// What a profile connects to, in a few words.
fn summary(p: &Profile) -> String {
    let endpoint = p
        .get(Field::TokenUrl)
        .map(str::to_string)
        .or_else(|| p.get(Field::Account).map(|a| format!("account {a}")))
        .unwrap_or_else(|| "no account".into());
    match p.get(Field::Dir).or(p.get(Field::Key)) {
        Some(k) if !looks_inline(k) => format!("{endpoint}, key {k}"),
        Some(_) => format!("{endpoint}, inline key"),
        None => endpoint,
    }
}

/// A value that is key or certificate material rather than a path.
fn looks_inline(v: &str) -> bool {
    v.contains("-----") || (v.len() > 200 && !Path::new(v).exists())
}

fn show(p: &Profile, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "Profile '{}' in {}", p.name, display_name(&p.file))?;
    for (field, value) in &p.values {
        let shown = match field {
            Field::Key if looks_inline(value) => {
                format!(
                    "<inline key material, {} characters, not shown>",
                    value.len()
                )
            }
            Field::Cert | Field::CaCert if looks_inline(value) => {
                format!("<inline certificate, {} characters>", value.len())
            }
            _ => value.clone(),
        };
        writeln!(out, "  {:<15}{shown}", field.key())?;
    }
    Ok(())
}

/// The exchange parameters a profile gives, nothing from flags or variables.
fn params_of(p: &Profile) -> Result<ExchangeParams> {
    let mut params = ExchangeParams::defaults();
    connection::apply(&mut params, p)?;
    Ok(params)
}

/// One line per profile: OK / CRITICAL (refused, with the likely cause) / UNKNOWN
/// (unreachable, bad settings); the exit status is the worst.
fn check_all(profiles: &[Profile], out: &mut dyn Write) -> Result<Status> {
    let mut worst = Status::Ok;
    let width = profiles.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in profiles {
        let result = params_of(p).and_then(|params| {
            let plan = preflight::plan(&params, crate::time::now())?;
            let http = plan.http(plan.timeout)?;
            plan.fetch_token(&http)?;
            Ok(plan.token_url().to_string())
        });
        let (status, line) = match result {
            Ok(url) => (Status::Ok, format!("NetSuite issued a token ({url})")),
            Err(e) => {
                let kind = match e.status {
                    Status::Critical if e.what.starts_with("NetSuite refused") => "refused: ",
                    Status::Critical => "would be refused: ",
                    _ if e.what.contains("connect")
                        || e.what.contains("time")
                        || e.what.contains("resolve") =>
                    {
                        "unreachable: "
                    }
                    _ => "",
                };
                let said = e.to_string();
                let said = said
                    .strip_prefix("NetSuite refused the token request: ")
                    .unwrap_or(&said);
                (e.status, format!("{kind}{said}"))
            }
        };
        worst = worst.max(status);
        writeln!(out, "{:<8} {:<width$}  {line}", status.label(), p.name).map_err(write_err)?;
    }
    Ok(worst)
}
