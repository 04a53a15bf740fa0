//! Man pages from the clap definitions (clap_mangen): `nskeys man` prints `nskeys(1)`;
//! `nskeys man --dir DIR` writes it as `DIR/nskeys.1` plus one page per subcommand
//! (`nskeys-gen.1`, `nskeys-certs-list.1`, ...). Every page has NAME, SYNOPSIS, DESCRIPTION,
//! OPTIONS, ENVIRONMENT (the variables its options read), EXIT STATUS and SEE ALSO; the main
//! page lists the subcommand pages, and they are the pages `--dir` writes.

use crate::error::{Error, Result, Status};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One rendered page: its file name (`nskeys-gen.1`) and its roff.
pub struct Page {
    /// File name, `<display name>.1`.
    pub file: String,
    /// The roff source.
    pub roff: Vec<u8>,
}

/// Every page: `nskeys.1` first, then each visible subcommand's, depth first (`nskeys-certs.1`,
/// then `nskeys-certs-list.1`).
pub fn pages(cmd: clap::Command, exit_status: &str) -> std::io::Result<Vec<Page>> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut subs = Vec::new();
    collect(&cmd, &mut subs);
    let sub_names: Vec<String> = subs.iter().map(page_name).collect();
    let mut out = vec![render(&cmd, exit_status, &sub_names)?];
    for sub in &subs {
        out.push(render(sub, exit_status, &[])?);
    }
    Ok(out)
}

fn collect(cmd: &clap::Command, into: &mut Vec<clap::Command>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        into.push(sub.clone());
        collect(sub, into);
    }
}

/// `nskeys`, `nskeys-gen`, `nskeys-certs-list`: clap's display name after `build`.
fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

fn render(cmd: &clap::Command, exit_status: &str, sub_pages: &[String]) -> std::io::Result<Page> {
    let version = cmd.get_version().unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("nskeys {version}"))
        .manual("nskeys manual");
    let mut w = Vec::new();
    man.render_title(&mut w)?;
    man.render_name_section(&mut w)?;
    man.render_synopsis_section(&mut w)?;
    man.render_description_section(&mut w)?;
    let has_options = cmd
        .get_arguments()
        .any(|a| !a.is_hide_set() && !a.is_positional())
        || cmd.get_positionals().next().is_some();
    if has_options {
        man.render_options_section(&mut w)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut w)?;
    }
    // after_long_help holds the exit status text (its own section below) and maybe notes.
    let after = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let notes = after.replace(exit_status, "");
    if !notes.trim().is_empty() {
        section(&mut w, "NOTES");
        preformatted(&mut w, notes.trim());
    }
    environment(&mut w, cmd);
    section(&mut w, "EXIT STATUS");
    exit_status_section(&mut w, exit_status);
    section(&mut w, "SEE ALSO");
    let mut see: Vec<String> = if sub_pages.is_empty() {
        vec!["nskeys".into()]
    } else {
        sub_pages.to_vec()
    };
    see.retain(|n| *n != page_name(cmd));
    let refs: Vec<String> = see
        .iter()
        // `\%`: a page name is never hyphenated.
        .map(|n| format!("\\fB\\%{}\\fR(1)", escape(n)))
        .collect();
    w.extend_from_slice(format!("{}\n", refs.join(", ")).as_bytes());
    if sub_pages.is_empty() {
        w.extend_from_slice(b".PP\n`nskeys man \\-\\-dir DIR' writes every page.\n");
    }
    man.render_version_section(&mut w)?;
    Ok(Page {
        file: format!("{}.1", page_name(cmd)),
        roff: once_preamble(&w),
    })
}

/// clap_mangen starts each section it renders with the same two-line string definition;
/// a page needs it once, at the top.
fn once_preamble(roff: &[u8]) -> Vec<u8> {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let text = String::from_utf8_lossy(roff);
    let body = text.replace(PREAMBLE, "");
    if body.len() == text.len() {
        return roff.to_vec();
    }
    format!("{PREAMBLE}{body}").into_bytes()
}

fn section(w: &mut Vec<u8>, name: &str) {
    w.extend_from_slice(format!(".SH \"{name}\"\n").as_bytes());
}

/// Text kept as written (lines, indentation), in roman.
fn preformatted(w: &mut Vec<u8>, text: &str) {
    w.extend_from_slice(b".nf\n");
    for line in text.lines() {
        w.extend_from_slice(format!("{}\n", escape_line(line)).as_bytes());
    }
    w.extend_from_slice(b".fi\n");
}

/// ENVIRONMENT: each variable an option of `cmd` (or, on the main page, of any subcommand)
/// reads, with the option.
fn environment(w: &mut Vec<u8>, cmd: &clap::Command) {
    let mut vars: Vec<(String, String, String)> = Vec::new();
    let mut visit = |c: &clap::Command| {
        for a in c.get_arguments().filter(|a| !a.is_hide_set()) {
            let Some(env) = a.get_env() else { continue };
            let var = env.to_string_lossy().into_owned();
            if vars.iter().any(|(v, _, _)| *v == var) {
                continue;
            }
            let flag = a
                .get_long()
                .map(|l| format!("--{l}"))
                .unwrap_or_else(|| a.get_id().to_string().to_uppercase());
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            vars.push((var, flag, help));
        }
    };
    visit(cmd);
    let mut stack: Vec<clap::Command> = cmd.get_subcommands().cloned().collect();
    while let Some(c) = stack.pop() {
        visit(&c);
        stack.extend(c.get_subcommands().cloned());
    }
    section(w, "ENVIRONMENT");
    if vars.is_empty() {
        w.extend_from_slice(
            b"No option of this command reads an environment variable. (Commands that connect to NetSuite take every option from an NS_* variable too: see \\fBnskeys\\fR(1).)\n",
        );
        return;
    }
    vars.sort();
    for (var, flag, help) in vars {
        w.extend_from_slice(
            format!(
                ".TP\n\\fB{}\\fR\nThe same as \\fB{}\\fR (the option wins). {}\n",
                escape(&var),
                escape(&flag),
                escape_line(help.lines().next().unwrap_or_default())
            )
            .as_bytes(),
        );
    }
}

/// The exit status text (`  0  OK: ...` lines with indented continuations) as a tagged list.
fn exit_status_section(w: &mut Vec<u8>, text: &str) {
    let mut items: Vec<(String, String)> = Vec::new();
    for line in text.lines().skip(1) {
        let t = line.trim();
        match t.split_once("  ") {
            Some((code, rest)) if code.chars().all(|c| c.is_ascii_digit()) => {
                items.push((code.to_string(), rest.trim().to_string()));
            }
            _ => {
                if let Some(last) = items.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(t);
                }
            }
        }
    }
    for (code, what) in items {
        w.extend_from_slice(format!(".TP\n\\fB{code}\\fR\n{}\n", escape_line(&what)).as_bytes());
    }
}

/// Escape text for roff: backslashes and hyphens (so `--force` stays two ASCII hyphens).
fn escape(s: &str) -> String {
    s.replace('\\', "\\e").replace('-', "\\-")
}

/// [`escape`], and a line starting with `.` or `'` is not taken for a request.
fn escape_line(s: &str) -> String {
    let e = escape(s);
    if e.starts_with('.') || e.starts_with('\'') {
        format!("\\&{e}")
    } else {
        e
    }
}

/// `nskeys man` (stdout) or `nskeys man --dir DIR` (files; one line per page on stdout).
pub fn run(
    cmd: clap::Command,
    exit_status: &str,
    dir: Option<&Path>,
    out: &mut dyn Write,
) -> Result<Status> {
    let fail = |e: std::io::Error| {
        Error::unknown(
            format!("cannot write the man page: {e}"),
            "check the directory and its permissions",
        )
    };
    let pages = pages(cmd, exit_status).map_err(fail)?;
    let Some(dir) = dir else {
        out.write_all(&pages[0].roff).map_err(fail)?;
        return Ok(Status::Ok);
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(e).at(dir.display()))?;
    for page in &pages {
        let path: PathBuf = dir.join(&page.file);
        write_replacing(&path, &page.roff).map_err(|e| fail(e).at(path.display()))?;
        writeln!(out, "{}", path.display()).map_err(fail)?;
    }
    Ok(Status::Ok)
}

/// Write `path` whole or not at all: a temporary file beside it, renamed over it.
fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".nskeys-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
