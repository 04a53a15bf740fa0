//! The `nskeys` binary: parse, run, and map the outcome to the exit contract.
#![forbid(unsafe_code)]

use nskeys::cli::{self, Action};
use nskeys::commands;
use std::io::{self, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let action = match cli::parse(std::env::args_os()) {
        Ok(action) => action,
        Err(exit) => return ExitCode::from(exit.report().code()),
    };
    let mut out = Stdout::default();
    let result = match action {
        Action::Run(invocation) => commands::run(*invocation, &mut out),
        Action::Completions(shell) => cli::completions(shell, &mut out),
        Action::Man(dir) => cli::man(dir.as_deref(), &mut out),
    };
    let status = match result {
        Ok(status) => status,
        Err(e) => {
            eprintln!("nskeys: {e}");
            e.status
        }
    };
    ExitCode::from(status.code())
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
            Err(e) if closed_pipe(&e) => {
                self.closed = true;
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match io::stdout().lock().flush() {
            Err(e) if closed_pipe(&e) => Ok(()),
            other => other,
        }
    }
}

/// The reader of our stdout has gone: EPIPE on Unix; on Windows also ERROR_NO_DATA (232,
/// "the pipe is being closed") and ERROR_PIPE_NOT_CONNECTED (233), which std does not map
/// to `BrokenPipe`.
fn closed_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
        || (cfg!(windows) && matches!(e.raw_os_error(), Some(232 | 233)))
}
