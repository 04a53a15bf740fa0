//! Usage errors as one line (exit 3, since clap's own code 2 means CRITICAL to monitoring),
//! built from clap's error context, never from its rendered text: what is wrong (clap's
//! message as its rich formatter words it, its lines joined), then what to do: a suggestion
//! of our own (`did you mean --warn-days?`), and the help of the command the arguments named
//! (`see 'nskeys expiry --help'`). clap's tip to write `-- --days` is left out: it would turn
//! a mistyped option into a file name. For an RS* `--alg`, the reason and the fix.

use super::{Cli, Exit};
use crate::pki::alg::Alg;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Command, CommandFactory, ValueEnum};
use std::ffi::OsString;

/// clap's own errors for the command line `args`: `--help` and `--version` print as usual;
/// anything else becomes one line (exit 3, since clap's own code 2 means CRITICAL to
/// monitoring).
pub(super) fn exit(e: clap::Error, args: &[OsString]) -> Exit {
    let mut root = Cli::command();
    root.build();
    let path = command_path(&root, args);
    let cmd = path
        .iter()
        .try_fold(&root, |c, name| c.find_subcommand(name))
        .unwrap_or(&root);
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Exit::Info(e),
        // `nskeys` or `nskeys certs` alone: one line like every other error, naming the
        // (sub)commands to choose from.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            let subs = subcommand_names(cmd);
            Exit::Usage(if path.is_empty() {
                format!(
                    "nskeys: no command given (arguments): use one of {}; see 'nskeys --help'",
                    subs.join(", ")
                )
            } else {
                let full = format!("nskeys {}", path.join(" "));
                let choice = match subs.as_slice() {
                    [one] => format!("run '{full} {one}'"),
                    _ => format!("use one of {}", subs.join(", ")),
                };
                format!(
                    "nskeys: '{full}' needs a subcommand: {} (arguments): {choice}; see '{full} --help'",
                    subs.join(", ")
                )
            })
        }
        _ => Exit::Usage(usage_line(&e, &path, cmd)),
    }
}

/// The names of a command's subcommands (not `help`).
fn subcommand_names(cmd: &Command) -> Vec<String> {
    cmd.get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|n| n != "help")
        .collect()
}

/// The subcommands the arguments name, in order (`["certs", "list"]`), found by walking the
/// definitions: an option's value is skipped, so `--key certs` names no command.
fn command_path(root: &Command, args: &[OsString]) -> Vec<String> {
    let mut path = Vec::new();
    let mut cmd = root;
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        if cmd.get_subcommands().next().is_none() {
            break;
        }
        let Some(arg) = arg.to_str() else { continue };
        if arg == "--" {
            break;
        }
        let takes_value = |a: &clap::Arg| a.get_action().takes_values();
        if let Some(long) = arg.strip_prefix("--") {
            if !long.contains('=')
                && cmd
                    .get_arguments()
                    .any(|a| a.get_long() == Some(long) && takes_value(a))
            {
                rest.next();
            }
            continue;
        }
        if let Some(shorts) = arg.strip_prefix('-') {
            if shorts.chars().count() == 1
                && cmd
                    .get_arguments()
                    .any(|a| shorts.chars().next() == a.get_short() && takes_value(a))
            {
                rest.next();
            }
            continue;
        }
        if let Some(sub) = cmd.find_subcommand(arg) {
            path.push(sub.get_name().to_string());
            cmd = sub;
        }
    }
    path
}

/// A usage error on one line, `nskeys: <what> (arguments): <what to do>`, built from clap's
/// error context.
fn usage_line(e: &clap::Error, path: &[String], cmd: &Command) -> String {
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
    let help = if path.is_empty() {
        "see 'nskeys --help'".to_string()
    } else {
        format!("see 'nskeys {} --help'", path.join(" "))
    };
    let for_command = if path.is_empty() {
        String::new()
    } else {
        format!(" for {}", path.join(" "))
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
    let invalid_arg = string(ContextKind::InvalidArg);
    let (what, suggestion) = match e.kind() {
        ErrorKind::UnknownArgument => match invalid_arg {
            Some(a) if a.starts_with('-') => (
                format!("unknown option {a}{for_command}"),
                suggested_option(e, a, cmd, path),
            ),
            Some(a) => (format!("unexpected argument '{a}'{for_command}"), None),
            None => (one_line(&clap_message(e)), None),
        },
        ErrorKind::InvalidSubcommand => {
            let sub = string(ContextKind::InvalidSubcommand).unwrap_or_default();
            let what = if path.is_empty() {
                format!("unknown command '{sub}'")
            } else {
                format!("unknown subcommand '{sub}'{for_command}")
            };
            let choices = subcommand_names(cmd).join(", ");
            let suggestion = Some(match suggested(e, ContextKind::SuggestedSubcommand) {
                Some(s) => format!("did you mean {s}? (one of {choices});"),
                None => format!("use one of {choices};"),
            });
            (what, suggestion)
        }
        _ => (
            one_line(&clap_message(e)),
            if rs_alg {
                None
            } else {
                suggested(e, ContextKind::SuggestedValue).map(|v| format!("did you mean {v}?"))
            },
        ),
    };
    let what = if what.is_empty() {
        "invalid arguments".to_string()
    } else {
        what
    };
    let hint = if rs_alg {
        "NetSuite no longer accepts RS* (PKCS#1 v1.5) assertions: use ps256 with the same kind of RSA key, or es256".to_string()
    } else {
        match suggestion {
            Some(s) => format!("{s} {help}"),
            None => help,
        }
    };
    format!("nskeys: {what} (arguments): {hint}")
}

/// clap's lines joined into one.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// clap's suggestions of one kind, as `a or b`.
fn suggested(e: &clap::Error, kind: ContextKind) -> Option<String> {
    let names: Vec<String> = match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => Vec::new(),
    };
    (!names.is_empty()).then(|| names.join(" or "))
}

/// What a mistyped option probably meant: clap's suggestion, else the command's options
/// whose name holds the typed one or is held by it (`--days`: `--warn-days`, `--crit-days`);
/// and the commands that have the option, if others do (`gen --cert-id`: verify, token, ...).
fn suggested_option(
    e: &clap::Error,
    typed: &str,
    cmd: &Command,
    path: &[String],
) -> Option<String> {
    let name = typed.trim_start_matches('-');
    let name = name
        .split_once('=')
        .map_or(name, |(n, _)| n)
        .to_ascii_lowercase();
    let similar = suggested(e, ContextKind::SuggestedArg).or_else(|| {
        let similar: Vec<String> = cmd
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long())
            .filter(|long| name.len() >= 3 && (long.contains(name.as_str()) || name.contains(long)))
            .map(|long| format!("--{long}"))
            .collect();
        (!similar.is_empty()).then(|| similar.join(" or "))
    });
    // Another command's option: say whose.
    let mut root = Cli::command();
    root.build();
    let mut owners = Vec::new();
    for c in root.get_subcommands() {
        let mut candidates = vec![(c.get_name().to_string(), c)];
        candidates.extend(
            c.get_subcommands()
                .map(|n| (format!("{} {}", c.get_name(), n.get_name()), n)),
        );
        for (full, c) in candidates {
            if full != path.join(" ")
                && c.get_arguments()
                    .any(|a| a.get_long().is_some_and(|l| l.eq_ignore_ascii_case(&name)))
            {
                owners.push(full);
            }
        }
    }
    let owners =
        (!owners.is_empty()).then(|| format!("--{name} is an option of {}", owners.join(", ")));
    match (similar, owners) {
        (Some(s), Some(o)) => Some(format!("did you mean {s}? ({o});")),
        (Some(s), None) => Some(format!("did you mean {s}?")),
        (None, Some(o)) => Some(format!("{o};")),
        (None, None) => None,
    }
}

/// clap's message for an error, as its rich formatter words it (without styles).
fn clap_message(e: &clap::Error) -> String {
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
