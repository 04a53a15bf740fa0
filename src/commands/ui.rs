//! Terminal niceties on stderr: a spinner for slow work. (nskeys prints no colour, so
//! `NO_COLOR` is honoured by having nothing to turn off.)

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A spinner on stderr while slow work runs; nothing at all when stderr is not a terminal.
/// It is erased when dropped.
pub struct Spinner {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Start spinning with `message` if stderr is a terminal.
    pub fn start(message: &str) -> Spinner {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::io::stderr().is_terminal().then(|| {
            let stop = Arc::clone(&stop);
            let message = message.to_string();
            std::thread::spawn(move || {
                let frames = ['|', '/', '-', '\\'];
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let _ = write!(
                        std::io::stderr(),
                        "\r{} {message}",
                        frames[i % frames.len()]
                    );
                    i += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                let _ = write!(std::io::stderr(), "\r{}\r", " ".repeat(message.len() + 2));
            })
        });
        Spinner { stop, thread }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The one-line warning for a private key others may be able to read.
pub fn exposure_warning(key: &std::path::Path, e: &crate::store::protect::Exposure) -> String {
    match e {
        crate::store::protect::Exposure::OutsideProfile { profile } => format!(
            "warning: {} is outside your user profile ({}): on Windows a key file is protected only by its folder's permissions (ACL), and folders outside the profile are often readable by other users; keep keys under {} or check the folder with `icacls`",
            key.display(),
            profile.display(),
            profile.display()
        ),
    }
}
