//! Usage errors as one line (exit 3, since clap's own code 2 means CRITICAL to monitoring),
//! built from clap's error context: its message as clap's rich formatter words it, its lines
//! joined, and for an RS* `--alg` the reason and the fix instead of clap's tip.

use super::{Cli, Exit};
use crate::pki::alg::Alg;
use clap::{CommandFactory, ValueEnum};

/// clap's own errors: `--help` and `--version` print as usual; anything else becomes one
/// line (exit 3, since clap's own code 2 means CRITICAL to monitoring).
pub(super) fn exit(e: clap::Error) -> Exit {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Exit::Info(e),
        // `nskeys` alone: one line like every other error, naming the commands.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let commands: Vec<String> = Cli::command()
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            Exit::Usage(format!(
                "nskeys: no command given (arguments): use one of {}; see 'nskeys --help'",
                commands.join(", ")
            ))
        }
        _ => Exit::Usage(usage_line(&e)),
    }
}

/// A usage error on one line, `nskeys: <clap's message> (arguments): <hint>`, built from
/// clap's error context: its message as clap words it, its lines joined.
fn usage_line(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    // A key pasted where clap did not expect it (split by the shell, or after a flag that
    // takes no value) would be quoted by clap's message: describe it instead.
    let secret = e.context().any(|(_, v)| match v {
        ContextValue::String(s) => crate::store::read::looks_secret(s),
        ContextValue::Strings(v) => v.iter().any(|s| crate::store::read::looks_secret(s)),
        _ => false,
    });
    if secret {
        return "nskeys: an argument that looks like key material (not shown) is out of place (arguments): \
                give the key as ONE argument, quoted: --key \"$KEY\", or in the NS_PRIVATE_KEY variable; see 'nskeys --help'"
            .to_string();
    }
    let string = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let strings = |kind| match e.get(kind) {
        Some(ContextValue::Strings(v)) => Some(v.as_slice()),
        _ => None,
    };
    // An RS* algorithm for an --alg: not clap's "a similar value exists: 'es256'" tip, but
    // the reason and the fix.
    let alg_names: Vec<String> = Alg::ALL
        .iter()
        .filter_map(|a| a.to_possible_value().map(|v| v.get_name().to_string()))
        .collect();
    let rs_alg = e.kind() == ErrorKind::InvalidValue
        && string(ContextKind::InvalidValue).is_some_and(|v| {
            ["rs256", "rs384", "rs512"]
                .iter()
                .any(|rs| v.eq_ignore_ascii_case(rs))
        })
        && strings(ContextKind::ValidValue) == Some(alg_names.as_slice());
    let mut text = clap_message(e);
    if !rs_alg {
        text.push_str(&clap_suggestions(e));
    }
    let message: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let message = match message.join(" ") {
        m if m.is_empty() => "invalid arguments".to_string(),
        m => m,
    };
    let hint = if rs_alg {
        "NetSuite no longer accepts RS* (PKCS#1 v1.5) assertions: use ps256 with the same kind of RSA key, or es256"
    } else {
        "see 'nskeys --help'"
    };
    format!("nskeys: {message} (arguments): {hint}")
}

/// clap's message for an error, as its rich formatter words it (without styles).
fn clap_message(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let string = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let number = |kind| match e.get(kind) {
        Some(ContextValue::Number(n)) => Some(*n),
        _ => None,
    };
    let list = |kind| match e.get(kind) {
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => Vec::new(),
    };
    let escape = |v: &String| {
        if v.is_empty() || v.contains(char::is_whitespace) {
            format!("{v:?}")
        } else {
            v.clone()
        }
    };
    let values = |name: &str, kind| {
        let v = list(kind);
        if v.is_empty() {
            String::new()
        } else {
            let v: Vec<String> = v.iter().map(escape).collect();
            format!("\n[{name}: {}]", v.join(", "))
        }
    };
    let were = |n: isize| {
        if n > 1 {
            " were provided"
        } else {
            " was provided"
        }
    };
    let arg = string(ContextKind::InvalidArg);
    let value = string(ContextKind::InvalidValue);
    let dynamic = match e.kind() {
        ErrorKind::ArgumentConflict => {
            let prior = e.get(ContextKind::PriorArg);
            let (head, prior) = match (&arg, string(ContextKind::InvalidSubcommand)) {
                (Some(a), _) if prior == Some(&ContextValue::String(a.clone())) => (
                    Some(format!("the argument '{a}' cannot be used multiple times")),
                    None,
                ),
                (Some(a), _) => (
                    Some(format!("the argument '{a}' cannot be used with")),
                    prior,
                ),
                (None, Some(sub)) => (
                    Some(format!("the subcommand '{sub}' cannot be used with")),
                    prior,
                ),
                (None, None) => (e.kind().as_str().map(str::to_string), prior),
            };
            head.map(|head| {
                head + &match prior {
                    Some(ContextValue::Strings(v)) => {
                        format!(
                            ":{}",
                            v.iter().map(|v| format!("\n{v}")).collect::<String>()
                        )
                    }
                    Some(ContextValue::String(v)) => format!(" '{v}'"),
                    Some(_) => " one or more of the other specified arguments".to_string(),
                    None => String::new(),
                }
            })
        }
        ErrorKind::NoEquals => {
            arg.map(|a| format!("equal sign is needed when assigning values to '{a}'"))
        }
        ErrorKind::InvalidValue => match (arg, value) {
            (Some(a), Some(v)) if v.is_empty() => Some(format!(
                "a value is required for '{a}' but none was supplied{}",
                values("possible values", ContextKind::ValidValue)
            )),
            (Some(a), Some(v)) => Some(format!(
                "invalid value '{v}' for '{a}'{}",
                values("possible values", ContextKind::ValidValue)
            )),
            _ => None,
        },
        ErrorKind::InvalidSubcommand => {
            string(ContextKind::InvalidSubcommand).map(|s| format!("unrecognized subcommand '{s}'"))
        }
        ErrorKind::MissingRequiredArgument => match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::Strings(v)) => Some(format!(
                "the following required arguments were not provided:{}",
                v.iter().map(|v| format!("\n{v}")).collect::<String>()
            )),
            _ => None,
        },
        ErrorKind::MissingSubcommand => string(ContextKind::InvalidSubcommand).map(|s| {
            format!(
                "'{s}' requires a subcommand but one was not provided{}",
                values("subcommands", ContextKind::ValidSubcommand)
            )
        }),
        ErrorKind::TooManyValues => match (arg, value) {
            (Some(a), Some(v)) => Some(format!(
                "unexpected value '{v}' for '{a}' found; no more were expected"
            )),
            _ => None,
        },
        ErrorKind::TooFewValues => {
            match (
                arg,
                number(ContextKind::ActualNumValues),
                number(ContextKind::MinValues),
            ) {
                (Some(a), Some(actual), Some(min)) => Some(format!(
                    "{min} values required by '{a}'; only {actual}{}",
                    were(actual)
                )),
                _ => None,
            }
        }
        ErrorKind::ValueValidation => match (arg, value) {
            (Some(a), Some(v)) => Some(match std::error::Error::source(e) {
                Some(source) => format!("invalid value '{v}' for '{a}': {source}"),
                None => format!("invalid value '{v}' for '{a}'"),
            }),
            _ => None,
        },
        ErrorKind::WrongNumberOfValues => match (
            arg,
            number(ContextKind::ActualNumValues),
            number(ContextKind::ExpectedNumValues),
        ) {
            (Some(a), Some(actual), Some(n)) => Some(format!(
                "{n} values required for '{a}' but {actual}{}",
                were(actual)
            )),
            _ => None,
        },
        ErrorKind::UnknownArgument => arg.map(|a| format!("unexpected argument '{a}' found")),
        _ => None,
    };
    dynamic
        .or_else(|| e.kind().as_str().map(str::to_string))
        .or_else(|| std::error::Error::source(e).map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown cause".to_string())
}

/// clap's tips after its message: similar names, and its other suggestions.
fn clap_suggestions(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let mut out = String::new();
    for (kind, what) in [
        (ContextKind::SuggestedSubcommand, "subcommand"),
        (ContextKind::SuggestedArg, "argument"),
        (ContextKind::SuggestedValue, "value"),
    ] {
        match e.get(kind) {
            Some(ContextValue::String(s)) => {
                out.push_str(&format!("\ntip: a similar {what} exists: '{s}'"));
            }
            Some(ContextValue::Strings(v)) => {
                let quoted: Vec<String> = v.iter().map(|s| format!("'{s}'")).collect();
                let head = if v.len() == 1 {
                    format!("a similar {what} exists")
                } else {
                    format!("some similar {what}s exist")
                };
                out.push_str(&format!("\ntip: {head}: {}", quoted.join(", ")));
            }
            _ => {}
        }
    }
    if let Some(ContextValue::StyledStrs(tips)) = e.get(ContextKind::Suggested) {
        for tip in tips {
            out.push_str(&format!("\ntip: {tip}"));
        }
    }
    out
}
