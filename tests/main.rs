//! nskeys' integration tests, in one binary (as ripgrep does): it is built and linked once, and
//! its tests run in parallel threads instead of one test binary after another.
//!
//! Every process a test starts, nskeys or a wrapper around it (sh, strace, script, setpriv,
//! python3, GNU time) or a judge (openssl, python3), is made by [`harness::Dir::command`]: a
//! clean environment, HOME and the XDG directories inside the test's temporary directory, and
//! umask 000. `tests/cmd/` holds the command-line contract as trycmd cases (`contract`).
//!
//! Run one module or test with a filter: `cargo test --test main gen_files::`.
//!
//! Unix only: the suite drives Unix tools (strace, setpriv, script, file modes). The Windows
//! build is checked by `ci/windows-smoke.sh` (the release nskeys.exe under Wine, judged by
//! openssl and PyJWT) and by `cargo clippy --target x86_64-pc-windows-gnu --all-targets`.
#![cfg(unix)]

// Support: the harness, the `gen` helpers, and the NetSuite stand-ins.
mod gen_util;
mod harness;
mod ns_api;
mod stand_in;

// The tests, one module per area.
mod certs;
mod ci_recipes;
mod cli;
mod contract;
mod encrypted_keys;
mod expiry;
mod full_disk;
mod gen_files;
mod gen_force;
mod gen_pair;
mod hostile_input;
mod inspect;
mod key_input;
mod layers;
mod leaks;
mod man_pages;
mod new_user;
mod oracle_standin;
mod parsers_proptest;
mod portable;
mod profiles;
mod readme;
mod rotate;
mod rsagen;
mod secrets;
mod security;
mod token_cache;
mod verdict_agreement;
mod verify;
mod verify_faults;
