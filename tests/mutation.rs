//! Mutation run over the real-world corpus: every file of `../shared/corpus`
//! is damaged the ways real files get damaged — bytes flipped, cut short,
//! lines duplicated or deleted, brackets and quotes swapped — and the binary
//! lints all the mutants in one run. It must finish in bounded time with no
//! internal error (a panic anywhere would be one, and exit 2).
//!
//! CI runs `MUTANTS` mutants of each file with a fixed seed. Longer runs:
//!
//! ```sh
//! SCALELINT_MUTANTS=200 SCALELINT_MUTATION_SEED=$RANDOM cargo test --release --test mutation -- --nocapture
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// Mutants per corpus file in CI.
const MUTANTS: usize = 3;
const SEED: u64 = 0x5ca1_e11e;

/// xorshift64*: enough randomness for mutations, with no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const SWAPS: &[(u8, u8)] = &[
    (b'{', b'}'),
    (b'[', b']'),
    (b'<', b'>'),
    (b'"', b'\''),
    (b':', b' '),
    (b';', b'\n'),
    (b'-', b' '),
];

/// One damaged copy of `bytes`.
fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..=rng.below(3) {
        match rng.below(6) {
            // Flip a few bytes, some to invalid UTF-8.
            0 => {
                for _ in 0..=rng.below(4) {
                    let at = rng.below(out.len());
                    if let Some(b) = out.get_mut(at) {
                        *b ^= 1 << rng.below(8);
                    }
                }
            }
            // Cut the file short.
            1 => {
                let at = rng.below(out.len() + 1);
                out.truncate(at);
            }
            // Duplicate or delete a line.
            2 | 3 => {
                let starts: Vec<usize> = std::iter::once(0)
                    .chain(
                        out.iter()
                            .enumerate()
                            .filter(|(_, b)| **b == b'\n')
                            .map(|(i, _)| i + 1),
                    )
                    .filter(|&i| i < out.len())
                    .collect();
                if starts.is_empty() {
                    continue;
                }
                let s = starts[rng.below(starts.len())];
                let e = out[s..]
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(out.len(), |p| s + p + 1);
                let line = out[s..e].to_vec();
                if rng.below(2) == 0 {
                    out.splice(s..s, line);
                } else {
                    out.drain(s..e);
                }
            }
            // Swap an opening for a closing bracket, a quote for another…
            4 => {
                let (a, b) = SWAPS[rng.below(SWAPS.len())];
                let hits: Vec<usize> = out
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| **x == a)
                    .map(|(i, _)| i)
                    .collect();
                if let Some(&i) = hits.get(rng.below(hits.len())) {
                    out[i] = b;
                }
            }
            // Insert structural noise.
            _ => {
                const NOISE: &[&[u8]] = &[
                    b"{",
                    b"}",
                    b"\"",
                    b"'",
                    b"\t",
                    b"\r\n",
                    b"&a",
                    b"*a",
                    b"<!--",
                    b"${",
                    b"\\",
                    b"\0",
                    b"\xff\xfe",
                ];
                let at = rng.below(out.len() + 1);
                let n = NOISE[rng.below(NOISE.len())];
                out.splice(at..at, n.iter().copied());
            }
        }
    }
    out
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn every_corpus_file_damaged_never_makes_the_binary_fail() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: {} is absent", corpus.display());
        return;
    }
    let mutants = env_or("SCALELINT_MUTANTS", MUTANTS);
    let seed = env_or("SCALELINT_MUTATION_SEED", SEED);
    let mut rng = Rng(seed | 1);
    let mut sources = Vec::new();
    files(&corpus, &mut sources);
    let dir = tempfile::tempdir().unwrap();
    let mut written = 0usize;
    let mut bytes = 0usize;
    for src in &sources {
        let rel = src.strip_prefix(&corpus).unwrap();
        let Ok(original) = fs::read(src) else {
            continue;
        };
        for k in 0..mutants {
            let m = mutate(&original, &mut rng);
            let dest = dir.path().join(format!("m{k}")).join(rel);
            fs::create_dir_all(dest.parent().unwrap()).unwrap();
            bytes += m.len();
            fs::write(dest, m).unwrap();
            written += 1;
        }
    }
    let started = Instant::now();
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "check",
            "--fail-on",
            "never",
            "--format",
            "concise",
            "--no-ignore",
            ".",
        ])
        .timeout(Duration::from_secs(env_or(
            "SCALELINT_MUTATION_TIMEOUT",
            600,
        )))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "{written} mutants ({:.1} MB) of {} corpus files, seed {seed:#x}: linted in {:.1?}, {} lines of findings",
        bytes as f64 / 1e6,
        sources.len(),
        started.elapsed(),
        stdout.lines().count()
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "seed {seed:#x}: the run failed (a timeout shows as no code)\n{stderr}"
    );
    assert!(
        !stderr.contains("internal error"),
        "seed {seed:#x}:\n{stderr}"
    );
    assert!(!stdout.contains("internal error"), "seed {seed:#x}: {}", {
        stdout
            .lines()
            .filter(|l| l.contains("internal error"))
            .collect::<Vec<_>>()
            .join("\n")
    });
}
