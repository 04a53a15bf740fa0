//! `nskeys man --dir DIR`: one page per command, each with OPTIONS, ENVIRONMENT and EXIT STATUS
//! sections, that groff renders without a warning; the main page lists exactly the pages
//! written. The subcommands come from `nskeys --help` (every command it lists gets a page).

use crate::harness::Dir;
use std::collections::BTreeSet;
use std::path::Path;

/// The commands `--help` lists (`gen`, `expiry`, ...), and those of every command with
/// subcommands (`certs list`), as page names: `nskeys-gen`, `nskeys-certs-list`.
fn pages_from_help(d: &Dir, prefix: &[&str]) -> Vec<String> {
    let mut args: Vec<&str> = prefix.to_vec();
    args.push("--help");
    let out = d.nskeys().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut names = Vec::new();
    let mut in_commands = false;
    for line in help.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands {
            let Some(rest) = line.strip_prefix("  ") else {
                break;
            };
            let name = rest.split_whitespace().next().unwrap_or_default();
            if name.is_empty() || name == "help" || rest.starts_with(' ') {
                continue;
            }
            let mut path = prefix.to_vec();
            path.push(name);
            names.push(format!("nskeys-{}", path.join("-")));
            names.extend(pages_from_help(d, &path));
        }
    }
    names
}

/// `groff -man` renders the page without a warning; its plain text.
fn render(page: &Path, d: &Dir) -> String {
    let out = d
        .command("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(page)
        .output()
        .expect("groff (Debian: groff-base) renders man pages");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "groff warns about {}: {}",
        page.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = d
        .command("groff")
        .args(["-man", "-Tascii", "-P-c", "-P-b", "-P-u"])
        .arg(page)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn man_dir_writes_a_page_per_command_with_the_sections() {
    let d = Dir::new();
    let out = d.nskeys().args(["man", "--dir", "man1"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();

    let mut want = vec!["nskeys".to_string()];
    want.extend(pages_from_help(&d, &[]));
    assert!(want.len() > 8, "--help lists the commands: {want:?}");
    assert!(
        want.contains(&"nskeys-gen".to_string()) && want.contains(&"nskeys-certs-list".to_string())
    );
    let written: BTreeSet<String> = std::fs::read_dir(d.join("man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let wanted: BTreeSet<String> = want.iter().map(|n| format!("{n}.1")).collect();
    assert_eq!(written, wanted, "one page per command, nothing else");
    let listed_names: BTreeSet<String> = listed
        .iter()
        .map(|l| {
            Path::new(l)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(listed_names, wanted, "stdout names every page written");
    assert!(listed[0].ends_with("nskeys.1"), "{listed:?}");

    for name in &want {
        let page = d.join("man1").join(format!("{name}.1"));
        let roff = std::fs::read_to_string(&page).unwrap();
        let title = roff
            .lines()
            .find(|l| !l.starts_with(".ie") && !l.starts_with(".el"));
        assert!(
            title.is_some_and(|t| t.starts_with(&format!(".TH {name} 1 "))),
            "{name}: a title first"
        );
        assert_eq!(roff.matches(".TH ").count(), 1, "{name}: one title");
        let text = render(&page, &d);
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "ENVIRONMENT",
            "EXIT STATUS",
            "SEE ALSO",
        ] {
            assert!(
                text.lines().any(|l| l == section),
                "{name}: no {section} section in\n{text}"
            );
        }
        for code in ["0", "1", "2", "3"] {
            assert!(
                text.lines()
                    .any(|l| l.trim() == code || l.trim_start().starts_with(&format!("{code} "))),
                "{name}: exit status {code} not listed"
            );
        }
        if name != "nskeys" {
            assert!(
                text.contains("nskeys(1)"),
                "{name}: SEE ALSO names nskeys(1)"
            );
        }
    }

    // The main page lists every subcommand page, and only pages that exist.
    let main = render(&d.join("man1/nskeys.1"), &d);
    let see_also = main.split("SEE ALSO").nth(1).unwrap_or_default();
    for name in want.iter().skip(1) {
        assert!(
            see_also.contains(&format!("{name}(1)")),
            "SEE ALSO lacks {name}(1):\n{see_also}"
        );
    }
    for word in see_also.split(|c: char| c.is_whitespace() || c == ',') {
        if let Some(page) = word.strip_suffix("(1)") {
            assert!(
                d.join("man1").join(format!("{page}.1")).is_file(),
                "{page}(1) is listed but not written"
            );
        }
    }

    // The options a command reads from the environment are in its ENVIRONMENT section.
    let verify = render(&d.join("man1/nskeys-verify.1"), &d);
    let env = verify
        .split("ENVIRONMENT")
        .nth(1)
        .unwrap()
        .split("EXIT STATUS")
        .next()
        .unwrap();
    for var in ["NS_ACCOUNT", "NS_CLIENT_ID", "NS_CERT_ID"] {
        assert!(
            env.contains(var),
            "nskeys-verify(1) ENVIRONMENT lacks {var}:\n{env}"
        );
    }
    // Options keep their two ASCII hyphens (roff's \-), so they can be copied.
    assert!(verify.contains("--client-id"), "{verify}");

    // `nskeys man` prints the main page as written.
    let out = d.nskeys().arg("man").output().unwrap();
    assert_eq!(out.stdout, std::fs::read(d.join("man1/nskeys.1")).unwrap());
}

#[test]
fn man_dir_that_cannot_be_made_is_one_line_exit_3() {
    let d = Dir::new();
    std::fs::write(d.join("file"), "x").unwrap();
    let out = d
        .nskeys()
        .args(["man", "--dir", "file/man1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let line = crate::harness::assert_one_line_error(&out.stderr);
    assert!(
        line.contains("file/man1") || line.contains("file"),
        "{line}"
    );
}

#[test]
fn man_dir_again_replaces_the_pages() {
    let d = Dir::new();
    std::fs::create_dir(d.join("m")).unwrap();
    std::fs::write(d.join("m/nskeys.1"), "old").unwrap();
    let out = d.nskeys().args(["man", "--dir", "m"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(d.join("m/nskeys.1"))
            .unwrap()
            .contains("\n.TH nskeys 1 ")
    );
    let leftovers: Vec<_> = std::fs::read_dir(d.join("m"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
