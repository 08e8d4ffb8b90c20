//! The nginx and HAProxy parsers against the real servers: for every nginx
//! and HAProxy fixture, scalelint reports a syntax error (SL901) exactly when
//! `nginx -t` / `haproxy -c` reports one, on the same line. Errors of other
//! kinds (an unknown directive, a host that does not resolve, a missing
//! certificate) are not syntax and are only counted; a file where such an
//! error stops the server before the first syntax error cannot be compared
//! and is skipped. Skips with a printed reason where the servers are absent
//! (CI installs Debian's nginx-light and haproxy).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

use scalelint::formats::{haproxy, nginx};
use scalelint::source::FileId;

fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn available(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The line of `file` a server's message names (`in FILE:LINE` for nginx,
/// `[NAME:LINE]` for HAProxy).
fn error_line(stderr: &str, file: &Path) -> Option<u32> {
    let name = file.file_name()?.to_string_lossy().to_string();
    let at = stderr.find(&format!("{name}:"))?;
    let digits: String = stderr[at + name.len() + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The line nginx gives for the end of a file.
fn eof_line(text: &str) -> u32 {
    text.matches('\n').count() as u32 + 1
}

struct Tally {
    agreed: usize,
    not_comparable: Vec<String>,
    disagreed: Vec<String>,
}

impl Tally {
    fn new() -> Self {
        Tally {
            agreed: 0,
            not_comparable: Vec::new(),
            disagreed: Vec::new(),
        }
    }

    /// `ours`: our SL901 line; `theirs`: the server's result (`Ok` when it
    /// accepted the file, `Err((syntax, line, message))` otherwise).
    fn compare(
        &mut self,
        file: &Path,
        ours: Option<u32>,
        theirs: Result<(), (bool, Option<u32>, String)>,
    ) {
        let shown = file.display().to_string();
        match (ours, theirs) {
            (None, Ok(())) => self.agreed += 1,
            (Some(a), Err((true, b, _))) if Some(a) == b => self.agreed += 1,
            // A non-syntax error stopped the server before or at our error.
            (_, Err((false, line, msg)))
                if ours.is_none() || line.is_some_and(|l| Some(l) <= ours) =>
            {
                self.not_comparable.push(format!("{shown}: {msg}"))
            }
            (ours, theirs) => self
                .disagreed
                .push(format!("{shown}: scalelint {ours:?}, server {theirs:?}")),
        }
    }

    fn finish(self, tool: &str) {
        println!(
            "{tool}: {} fixtures agree, {} not comparable (a non-syntax error stopped {tool} first)",
            self.agreed,
            self.not_comparable.len()
        );
        for n in &self.not_comparable {
            println!("  not comparable: {n}");
        }
        assert!(
            self.disagreed.is_empty(),
            "{tool} and scalelint disagree on syntax:\n{}",
            self.disagreed.join("\n")
        );
    }
}

#[test]
fn nginx_accepts_the_syntax_scalelint_accepts() {
    if !available("nginx", "-v") {
        println!("skipped: no `nginx` on PATH (CI installs nginx-light)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut tally = Tally::new();
    for file in fixtures().iter().filter(|p| {
        p.extension().is_some_and(|e| e == "conf") && p.to_string_lossy().contains("nginx")
    }) {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).to_string();
        let parsed = nginx::parse(&text, FileId(0));
        let ours = parsed.error.as_ref().map(|e| {
            // An unterminated quote swallows the rest of the file: nginx
            // reports the end of the file, scalelint the opening quote.
            if e.message.contains("never closed: the rest of the file") {
                eof_line(&text)
            } else {
                e.pos.line
            }
        });
        // Read the file in the context it was written for.
        let top: Vec<&str> = parsed
            .directives
            .iter()
            .map(|d| d.name.text.as_str())
            .collect();
        let main_level = top.iter().any(|n| {
            matches!(
                *n,
                "http" | "events" | "stream" | "user" | "worker_processes"
            )
        });
        let include = format!("include {};", file.display());
        let body = if main_level {
            include
        } else if top.contains(&"location") {
            format!("http {{ server {{ {include} }} }}")
        } else {
            format!("http {{ {include} }}")
        };
        let events = if top.contains(&"events") {
            ""
        } else {
            "events {}"
        };
        let main = dir.path().join("main.conf");
        std::fs::write(&main, format!("{events}\n{body}\n")).unwrap();
        let out = Command::new("nginx")
            .arg("-t")
            .arg("-q")
            .arg("-e")
            .arg("stderr")
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&main)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let theirs = if out.status.success() {
            Ok(())
        } else {
            let syntax = stderr.contains("unexpected") || stderr.contains("unterminated");
            Err((syntax, error_line(&stderr, file), stderr.trim().to_string()))
        };
        tally.compare(file, ours, theirs);
    }
    tally.finish("nginx");
}

#[test]
fn haproxy_accepts_the_syntax_scalelint_accepts() {
    if !available("haproxy", "-v") {
        println!("skipped: no `haproxy` on PATH (CI installs haproxy)");
        return;
    }
    let mut tally = Tally::new();
    for file in fixtures()
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "cfg"))
    {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).to_string();
        let ours = haproxy::parse(&text, FileId(0)).error.map(|e| e.pos.line);
        let out = Command::new("haproxy")
            .arg("-c")
            .arg("-f")
            .arg(file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        // Exit 2 is a valid configuration without a listener.
        let theirs = if out.status.code() != Some(1) {
            Ok(())
        } else {
            let syntax = stderr.contains("unmatched") || stderr.contains("out of section");
            Err((syntax, error_line(&stderr, file), stderr.trim().to_string()))
        };
        tally.compare(file, ours, theirs);
    }
    tally.finish("haproxy");
}
