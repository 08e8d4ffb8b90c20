//! The same tree gives byte-identical reports whatever the number of threads
//! and whatever order the file system lists directories in, on the whole
//! real-world corpus of `../shared/corpus`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "skipped: {} is absent (the corpus sits beside the repository in CI)",
            p.display()
        );
        None
    }
}

fn report(root: &Path, format: &str, jobs: &str) -> Vec<u8> {
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(root)
        .args(["check", "--fail-on", "never", "--show-skipped"])
        .args(["--format", format, "-j", jobs, "."])
        .env("SCALELINT_TODAY", "2026-06-01")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Copies `from` into `to`, creating the entries of every directory in
/// reverse name order, so that a listing in creation order differs from the
/// original's.
fn copy_reversed(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    let mut entries: Vec<_> = fs::read_dir(from).unwrap().map(|e| e.unwrap()).collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.file_name()));
    for e in entries {
        let t = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if t.is_dir() {
            copy_reversed(&e.path(), &dest);
        } else if t.is_file() {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let lo = at.saturating_sub(200);
    format!(
        "first difference at byte {at}:\n--- one\n{}\n--- other\n{}",
        String::from_utf8_lossy(&a[lo..(at + 200).min(a.len())]),
        String::from_utf8_lossy(&b[lo..(at + 200).min(b.len())])
    )
}

#[test]
fn one_thread_eight_threads_and_a_reversed_copy_give_the_same_bytes() {
    let Some(corpus) = corpus() else { return };
    let one = report(&corpus, "json", "1");
    assert!(one.len() > 100_000, "the corpus should give many findings");
    let eight = report(&corpus, "json", "8");
    assert!(
        one == eight,
        "-j 1 and -j 8 differ: {}",
        first_difference(&one, &eight)
    );

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("corpus");
    copy_reversed(&corpus, &copy);
    // The corpus holds no symlinks, so the copy holds the same files.
    let copied = report(&copy, "json", "8");
    assert!(
        one == copied,
        "the reversed copy differs: {}",
        first_difference(&one, &copied)
    );

    let sarif_one = report(&corpus, "sarif", "1");
    let sarif_copy = report(&copy, "sarif", "8");
    assert!(
        sarif_one == sarif_copy,
        "SARIF differs: {}",
        first_difference(&sarif_one, &sarif_copy)
    );
}
