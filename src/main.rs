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
        Action::Run(invocation) => commands::run_to_code(*invocation, &mut out),
        Action::Completions(shell) => cli::completions(shell, &mut out).map(|s| s.code()),
        Action::Man(dir) => cli::man(dir.as_deref(), &mut out).map(|s| s.code()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // The one summary line first; the details after it, never before.
            let mut err = io::stderr().lock();
            let _ = writeln!(err, "nskeys: {e}");
            for line in &e.details {
                let _ = writeln!(err, "{}", line.replace(['\r', '\n'], " "));
            }
            ExitCode::from(e.status.code())
        }
    }
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
