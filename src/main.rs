//! The `nskeys` binary: parse, dispatch, and map the outcome to the exit contract.
#![forbid(unsafe_code)]

use clap::{CommandFactory, Parser};
use nskeys::cli::{Cli, Command};
use nskeys::{Error, Status};
use std::io::{self, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let mut out = Stdout::default();
    let result = run(cli.command, &mut out);
    let status = match result {
        Ok(status) => status,
        Err(e) => {
            eprintln!("nskeys: {e}");
            e.status
        }
    };
    ExitCode::from(status.code())
}

fn run(command: Command, out: &mut Stdout) -> Result<Status, Error> {
    match command {
        Command::Gen(args) => nskeys::commands::generate::command(&args, out),
        Command::Expiry(args) => nskeys::commands::expiry::command(&args, out),
        Command::Inspect(args) => nskeys::commands::inspect::command(&args, out),
        Command::Verify(args) => nskeys::commands::verify::command_verify(&args, out),
        Command::Token(args) => nskeys::commands::verify::command_token(&args, out),
        Command::Rotate(args) => nskeys::commands::rotate::command(&args, out),
        Command::Certs(nskeys::cli::CertsCommand::List(args)) => {
            nskeys::commands::certs::command_list(&args, out)
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "nskeys", out);
            Ok(Status::Ok)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command())
                .render(out)
                .map_err(|e| Error::unknown(format!("cannot write the man page: {e}"), ""))?;
            Ok(Status::Ok)
        }
    }
}

/// clap's errors become one line and exit 3 (its own code 2 means CRITICAL to monitoring);
/// `--help` and `--version` print as usual and exit 0.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // `nskeys` alone: one line like every other error, naming the commands.
        let commands: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        let _ = writeln!(
            io::stderr(),
            "nskeys: no command given (arguments): use one of {}; see 'nskeys --help'",
            commands.join(", ")
        );
        return ExitCode::from(Status::Unknown.code());
    }
    // clap's message can span lines (the missing arguments, the accepted values, a tip)
    // before its usage block: join them into one.
    let rendered = e.render().to_string();
    let message = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let message = message.trim_start_matches("error: ");
    let message = if message.is_empty() {
        "invalid arguments"
    } else {
        message
    };
    let lower = message.to_ascii_lowercase();
    let rs = ["'rs256'", "'rs384'", "'rs512'"]
        .iter()
        .any(|a| lower.contains(a));
    let (message, hint) = if rs {
        // Not clap's "a similar value exists: 'es256'" tip: the reason and the fix instead.
        (
            message.split(" tip: ").next().unwrap_or(message),
            "NetSuite no longer accepts RS* (PKCS#1 v1.5) assertions: use ps256 with the same kind of RSA key, or es256",
        )
    } else {
        (message, "see 'nskeys --help'")
    };
    let _ = writeln!(io::stderr(), "nskeys: {message} (arguments): {hint}");
    ExitCode::from(Status::Unknown.code())
}

/// Standard output where a closed pipe (`nskeys expiry | head -1`) is not an error.
#[derive(Default)]
struct Stdout {
    closed: bool,
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match io::stdout().lock().write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match io::stdout().lock().flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}
