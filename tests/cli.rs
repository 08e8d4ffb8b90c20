//! The real binary, run on trees built inline in temporary directories.
//!
//! Bad input first (DESIGN.md §7: every file gets a finding or a note at its
//! location, the rest of the tree is still linted, nothing panics), then exit
//! codes, options, config, subcommands and output formats (DESIGN.md §3).
//!
//! Every bad-input tree also holds `good.yaml`, a valid Deployment whose
//! container has no readinessProbe: its SL101 at 10:11 must still be reported,
//! which shows the bad file did not stop the run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use scalelint::formats::yaml::{ALIAS_BUDGET, MAX_DEPTH};
use scalelint::lint::DEFAULT_MAX_FILE_SIZE;

/// A valid Deployment that fires SL101 (and nothing else) at 10:11, the
/// container's `name` key, which spans 10:11–10:15.
const FIRING: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
          resources:
            requests:
              cpu: 100m
              memory: 64Mi
            limits:
              memory: 64Mi
";

/// Fires SL101 and SL104, both at 10:11.
const NO_REQUESTS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: worker
          image: worker:1
";

/// A Deployment with nothing to report.
const QUIET: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: web:1
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 64Mi}
";

const GOOD_SL101: &str = "good.yaml:10:11 SL101";

// ---------------------------------------------------------------------------
// Harness

/// A temporary directory holding the tree to lint. A `.git` directory at its
/// root stops config discovery there, so no stray config above the
/// temporary directory can change a test.
struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Tree {
    fn new() -> Tree {
        let t = Tree::bare();
        fs::create_dir(t.root.join(".git")).unwrap();
        t
    }

    /// Without the `.git` marker (for config discovery tests).
    fn bare() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        Tree { _dir: dir, root }
    }

    /// A tree with `good.yaml` (FIRING) in it.
    fn with_good() -> Tree {
        let t = Tree::new();
        t.write("good.yaml", FIRING);
        t
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&p, contents).unwrap();
        p
    }

    fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(&p).unwrap();
        p
    }

    #[cfg(unix)]
    fn symlink(&self, target: &str, link: &str) {
        let p = self.path(link);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        std::os::unix::fs::symlink(target, p).unwrap();
    }

    /// The binary, run in the tree's root.
    fn cmd(&self) -> Command {
        self.cmd_in(".")
    }

    /// The binary, run in a directory of the tree.
    fn cmd_in(&self, rel: &str) -> Command {
        let mut c = Command::cargo_bin("scalelint").unwrap();
        c.current_dir(self.root.join(rel));
        c.env_remove("NO_COLOR");
        c.env_remove("CLICOLOR_FORCE");
        c.env_remove("FORCE_COLOR");
        c
    }
}

struct Out {
    /// `None` when the process was killed by a signal.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// Exit code 0 or 1 (never 101 = panic, never a signal), nothing on stderr.
    fn assert_clean(&self) {
        assert!(
            matches!(self.code, Some(0 | 1)),
            "exit code {:?} (a crash?)\nstderr:\n{}",
            self.code,
            self.stderr
        );
        assert!(
            self.stderr.is_empty(),
            "unexpected stderr:\n{}",
            self.stderr
        );
    }
}

fn run(cmd: &mut Command) -> Out {
    let o = cmd.output().unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Every finding as `path:line:col RULE`, in report order.
fn locs(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect()
}

/// The one finding of `rule` in `path`.
fn finding<'a>(v: &'a Value, path: &str, rule: &str) -> &'a Value {
    let all: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == path && f["rule"] == rule)
        .collect();
    assert_eq!(all.len(), 1, "want one {rule} in {path}: {v:#}");
    all[0]
}

fn message<'a>(v: &'a Value, path: &str, rule: &str) -> &'a str {
    finding(v, path, rule)["message"].as_str().unwrap()
}

/// Lints a bad-input tree with `--format json --show-skipped`: the process
/// exits 1 (good.yaml's warning) without a crash, and good.yaml's SL101 is
/// reported.
fn lint_bad_tree(t: &Tree) -> Value {
    let out = run(t.cmd().args(["--format", "json", "--show-skipped"]));
    out.assert_clean();
    assert_eq!(out.code, Some(1), "good.yaml's warning must fail the run");
    let v = out.json();
    assert!(
        locs(&v).iter().any(|l| l == GOOD_SL101),
        "the rest of the tree must still be linted: {:?}",
        locs(&v)
    );
    v
}

fn concise(t: &Tree, args: &[&str]) -> Out {
    run(t.cmd().args(["--format", "concise", "-q"]).args(args))
}

/// The `path:line:col RULE` of each line of concise output.
fn concise_locs(out: &Out) -> Vec<String> {
    out.stdout
        .lines()
        .map(|l| {
            let mut parts = l.splitn(5, ' ');
            let place = parts.next().unwrap().trim_end_matches(':');
            let rule = parts.next().unwrap();
            format!("{place} {rule}")
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Bad input

#[test]
fn invalid_yaml_is_sl901_at_the_parsers_position() {
    let t = Tree::with_good();
    // The second `:` on a line of a block mapping: the parser stops at it.
    t.write("colon.yaml", "a: b: c\n");
    // A sequence entry dedented below its sibling.
    t.write("dedent.yaml", "a:\n  - x\n - y\n");
    // A tab used for block indentation.
    t.write("tab.yaml", "a: 1\nb:\n\t- x\n");
    let v = lint_bad_tree(&t);
    assert_eq!(
        locs(&v),
        [
            "colon.yaml:1:5 SL901",
            "dedent.yaml:3:2 SL901",
            GOOD_SL101,
            "tab.yaml:3:2 SL901",
        ]
    );
    let f = finding(&v, "colon.yaml", "SL901");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["name"], "parse-error");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid YAML: mapping values are not allowed"),
        "{f}"
    );
}

#[test]
fn a_syntax_error_in_a_later_document_keeps_the_earlier_documents() {
    let t = Tree::new();
    // Document 1 (lines 1-15) fires SL101; document 2 is broken at 17:5.
    t.write("good.yaml", format!("{FIRING}---\na: b: c\n"));
    let v = lint_bad_tree(&t);
    assert_eq!(locs(&v), [GOOD_SL101, "good.yaml:19:5 SL901"]);
}

/// The aliases of a "billion laughs" bomb: level 0 is a list of 9 strings,
/// each further level a list of 9 aliases to the one before.
fn alias_bomb(levels: usize) -> (String, (u64, u64)) {
    let mut lines = vec![format!("a0: &a0 [{}]", ["\"lol\""; 9].join(", "))];
    for i in 1..levels {
        lines.push(format!(
            "a{i}: &a{i} [{}]",
            vec![format!("*a{}", i - 1); 9].join(", ")
        ));
    }
    // Where the parser must stop: the first alias that takes the number of
    // nodes the aliases stand for (as if expanded) past the budget.
    let mut size: u64 = 10; // the list and its 9 strings
    let mut total: u64 = 0;
    let mut at = None;
    'levels: for (i, line) in lines.iter().enumerate().skip(1) {
        let stars: Vec<usize> = line.match_indices('*').map(|(c, _)| c).collect();
        for col in stars {
            total += size;
            if total > ALIAS_BUDGET {
                at = Some((i as u64 + 1, col as u64 + 1));
                break 'levels;
            }
        }
        size = 1 + 9 * size;
    }
    let at = at.expect("the bomb is bigger than the budget");
    (lines.join("\n") + "\n", at)
}

#[test]
fn alias_bomb_is_sl901_at_the_alias_that_exceeds_the_budget() {
    let t = Tree::with_good();
    let (bomb, (line, col)) = alias_bomb(10);
    assert_eq!(
        (line, col),
        (6, 10),
        "the budget moved; check the arithmetic"
    );
    t.write("bomb.yaml", bomb);
    let v = lint_bad_tree(&t);
    assert_eq!(
        locs(&v),
        [format!("bomb.yaml:{line}:{col} SL901"), GOOD_SL101.into()]
    );
    assert!(
        message(&v, "bomb.yaml", "SL901").contains("alias bomb"),
        "{v:#}"
    );
}

#[test]
fn an_alias_bomb_in_the_human_format_does_not_crash_either() {
    let t = Tree::with_good();
    t.write("bomb.yaml", alias_bomb(12).0);
    let out = run(&mut t.cmd());
    out.assert_clean();
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.contains("bomb.yaml:6:10: SL901 [error]"));
    assert!(out.stdout.contains("good.yaml:10:11: SL101 [warning]"));
}

#[test]
fn ten_thousand_deep_flow_nesting_is_sl901() {
    let t = Tree::with_good();
    let n = 10_000;
    t.write(
        "flow-seq.yaml",
        format!("x: {}{}\n", "[".repeat(n), "]".repeat(n)),
    );
    t.write(
        "flow-map.yaml",
        format!("{}1{}\n", "{a: ".repeat(n), "}".repeat(n)),
    );
    let v = lint_bad_tree(&t);
    // The parser refuses the 256th nested flow collection: in `x: [[[…` the
    // 256th `[` is at column 3 + 256; in `{a: {a: …` the 256th `{` at
    // 4 × 255 + 1.
    assert_eq!(
        locs(&v),
        [
            "flow-map.yaml:1:1021 SL901",
            "flow-seq.yaml:1:259 SL901",
            GOOD_SL101
        ]
    );
}

#[test]
fn ten_thousand_deep_block_nesting_is_sl901() {
    let t = Tree::with_good();
    // 10,000 nested block sequences in compact form, one line: the k-th
    // sequence starts at column 2k - 1.
    t.write("compact.yaml", format!("{}x\n", "- ".repeat(10_000)));
    // The same below a mapping key.
    t.write(
        "under-key.yaml",
        format!("a:\n  {}x\n", "- ".repeat(10_000)),
    );
    // Block mappings, one level per line and one more space each: 10,000
    // levels this way would be a 50 MB file (over the size cap), so 1,000;
    // the limit is reached long before.
    let mut indented = String::new();
    for i in 0..1_000 {
        indented.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
    }
    indented.push_str(&format!("{}v\n", " ".repeat(1_000)));
    t.write("indented.yaml", indented);
    let v = lint_bad_tree(&t);
    // The collection that is MAX_DEPTH + 1 deep is refused where it starts.
    let limit = MAX_DEPTH as u64 + 1;
    assert_eq!(
        locs(&v),
        [
            format!("compact.yaml:1:{} SL901", 2 * limit - 1),
            GOOD_SL101.into(),
            format!("indented.yaml:{limit}:{limit} SL901"),
            // Under `a:` the first sequence is collection 2, at column 3.
            format!("under-key.yaml:2:{} SL901", 3 + 2 * (limit - 2)),
        ]
    );
    assert!(message(&v, "compact.yaml", "SL901").contains("nested deeper than"));
}

#[test]
fn deep_nesting_is_rendered_in_human_format_without_a_crash() {
    let t = Tree::with_good();
    t.write(
        "flow-seq.yaml",
        format!("x: {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    );
    t.write("compact.yaml", format!("{}x\n", "- ".repeat(10_000)));
    let out = run(&mut t.cmd());
    out.assert_clean();
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.contains("flow-seq.yaml:1:259: SL901 [error]"));
    assert!(out.stdout.contains("compact.yaml:1:513: SL901 [error]"));
    assert!(out.stdout.contains("good.yaml:10:11: SL101 [warning]"));
}

#[test]
fn nesting_below_the_limit_is_read() {
    let t = Tree::with_good();
    let n = 100;
    t.write(
        "deep-ok.yaml",
        format!("x: {}{}\n", "[".repeat(n), "]".repeat(n)),
    );
    t.write("compact-ok.yaml", format!("{}x\n", "- ".repeat(n)));
    let v = lint_bad_tree(&t);
    assert_eq!(locs(&v), [GOOD_SL101]);
}

#[test]
fn duplicate_keys_are_sl901_at_the_second_key() {
    let t = Tree::with_good();
    t.write(
        "configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"1\"\n  b: \"2\"\n  a: \"3\"\n",
    );
    t.write("flow.yaml", "{a: 1, b: 2, a: 3}\n");
    // A mapping large enough to be checked through a hash map; a quoted key
    // is the same key as a plain one.
    let mut many: String = (0..20).map(|i| format!("k{i}: {i}\n")).collect();
    many.push_str("\"k3\": x\n");
    t.write("many.yaml", many);
    // Columns count characters, not bytes.
    t.write("unicode.yaml", "{é: 1, é: 2}\n");
    // In a Deployment: the rest of the object is still read, the last value
    // winning, so SL101 names `web2`.
    t.write(
        "deploy.yaml",
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: web:1
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}
          name: web2
",
    );
    let v = lint_bad_tree(&t);
    assert_eq!(
        locs(&v),
        [
            "configmap.yaml:8:3 SL901",
            "deploy.yaml:12:11 SL101",
            "deploy.yaml:12:11 SL901",
            "flow.yaml:1:14 SL901",
            GOOD_SL101,
            "many.yaml:21:1 SL901",
            "unicode.yaml:1:8 SL901",
        ]
    );
    assert!(message(&v, "many.yaml", "SL901").contains("`k3` in a mapping (first at line 4:1)"));
    let m = message(&v, "configmap.yaml", "SL901");
    assert!(
        m.contains("duplicate key `a`") && m.contains("first at line 6:3"),
        "{m}"
    );
    assert!(message(&v, "deploy.yaml", "SL101").contains("`web2`"));
}

/// Exactly `len` bytes of YAML comment lines.
fn comment_file(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while len - out.len() >= 64 {
        out.extend(std::iter::repeat_n(b'#', 63));
        out.push(b'\n');
    }
    let rest = len - out.len();
    if rest > 0 {
        out.extend(std::iter::repeat_n(b'#', rest - 1));
        out.push(b'\n');
    }
    assert_eq!(out.len(), len);
    out
}

#[test]
fn a_file_over_the_size_cap_is_a_sl902_note() {
    let cap = DEFAULT_MAX_FILE_SIZE as usize;
    assert_eq!(cap, 10 * 1024 * 1024);
    let t = Tree::with_good();
    t.write("big.yaml", comment_file(cap + 1));
    // Exactly at the cap is still read.
    t.write("edge.yaml", comment_file(cap));

    let v = lint_bad_tree(&t);
    assert_eq!(locs(&v), ["big.yaml:1:1 SL902", GOOD_SL101]);
    let f = finding(&v, "big.yaml", "SL902");
    assert_eq!(f["severity"], "note");
    assert_eq!(f["name"], "file-skipped");
    assert!(
        f["message"].as_str().unwrap().contains("10 MiB size cap"),
        "{f}"
    );
    assert_eq!(v["summary"]["files"], 3);
    assert_eq!(v["summary"]["skipped"], 1);
    assert_eq!(v["summary"]["linted"], 2);

    // Without --show-skipped the note is only counted.
    let out = run(t.cmd().args(["--format", "json"]));
    assert_eq!(out.code, Some(1));
    let v = out.json();
    assert_eq!(locs(&v), [GOOD_SL101]);
    assert_eq!(v["summary"]["skipped"], 1);

    let out = run(&mut t.cmd());
    assert_eq!(out.code, Some(1));
    assert!(!out.stdout.contains("SL902"), "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "1 file(s) were not linted (templates, binary, too large or unreadable); see them with --show-skipped."
        ),
        "{}",
        out.stdout
    );

    // --statistics counts it.
    let out = run(t.cmd().arg("--statistics"));
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout.contains("files:   3 found (3 yaml)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("2 linted, 1 skipped (SL902 file-skipped), 0 of kinds not parsed yet"),
        "{}",
        out.stdout
    );
}

#[test]
fn sl902_never_fails_the_run() {
    let t = Tree::new();
    t.write("web.yaml", QUIET);
    t.write("big.yaml", comment_file(DEFAULT_MAX_FILE_SIZE as usize + 1));
    t.write("blob.yaml", b"\0\x01\x02");
    t.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    t.write("chart/templates/cm.yaml", "a: {{ .Values.a }}\n");
    for fail_on in ["error", "warning", "note"] {
        let out = run(t
            .cmd()
            .args(["--format", "json", "--show-skipped", "--fail-on", fail_on]));
        out.assert_clean();
        assert_eq!(out.code, Some(0), "--fail-on {fail_on}");
        assert_eq!(
            locs(&out.json()),
            [
                "big.yaml:1:1 SL902",
                "blob.yaml:1:1 SL902",
                "chart/templates/cm.yaml:1:1 SL902"
            ]
        );
    }
    // Also when it is asked for by name.
    let out = run(t.cmd().args(["--select", "SL902", "--fail-on", "note"]));
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(out.stdout.contains("big.yaml:1:1: SL902 [note]"));
}

#[test]
fn binary_data_with_a_yaml_name_is_a_sl902_note() {
    let t = Tree::with_good();
    let mut blob = b"apiVersion: v1\n".to_vec();
    blob.extend([0u8, 1, 2, 0xff, 0xfe, 0x80, b'\n']);
    blob.extend((0..=255u8).cycle().take(4096));
    t.write("blob.yaml", &blob);
    t.write("image.yml", [0x89, b'P', b'N', b'G', 0, 0, 0, 0x0d]);
    let v = lint_bad_tree(&t);
    assert_eq!(
        locs(&v),
        ["blob.yaml:1:1 SL902", GOOD_SL101, "image.yml:1:1 SL902"]
    );
    assert_eq!(
        message(&v, "blob.yaml", "SL902"),
        "binary content (NUL byte at offset 15); not linted"
    );
    assert_eq!(
        message(&v, "image.yml", "SL902"),
        "binary content (NUL byte at offset 4); not linted"
    );
}

#[test]
fn non_utf8_text_is_sl901_at_the_first_invalid_byte() {
    let t = Tree::with_good();
    // Latin-1 `é` after `caf`.
    t.write("latin1.yaml", b"a: 1\nb: caf\xe9\n");
    // A valid two-byte `é` earlier on the line counts as one column.
    t.write("mixed.yaml", b"a: 1\nb: h\xc3\xa9llo \xff\n");
    t.write("first.yaml", b"\x80a: 1\n");
    let v = lint_bad_tree(&t);
    assert_eq!(
        locs(&v),
        [
            "first.yaml:1:1 SL901",
            GOOD_SL101,
            "latin1.yaml:2:7 SL901",
            "mixed.yaml:2:10 SL901",
        ]
    );
    assert_eq!(
        message(&v, "latin1.yaml", "SL901"),
        "invalid UTF-8 at byte 11: YAML files must be UTF-8"
    );
    assert_eq!(
        message(&v, "mixed.yaml", "SL901"),
        "invalid UTF-8 at byte 15: YAML files must be UTF-8"
    );
}

#[test]
fn a_non_utf8_file_is_not_counted_as_skipped() {
    let t = Tree::with_good();
    t.write("latin1.yaml", b"a: 1\nb: caf\xe9\n");
    let out = run(t.cmd().args(["--format", "json", "--show-skipped"]));
    let v = out.json();
    assert_eq!(locs(&v), [GOOD_SL101, "latin1.yaml:2:7 SL901"]);
    // Every skipped file has its SL902 note when notes are shown.
    let notes = locs(&v).iter().filter(|l| l.ends_with("SL902")).count();
    assert_eq!(v["summary"]["skipped"], notes, "{v:#}");
    let out = run(t.cmd().arg("--show-skipped"));
    assert!(
        !out.stdout.contains("see them with --show-skipped"),
        "{}",
        out.stdout
    );
}

#[test]
fn non_utf8_column_after_a_bom_does_not_count_the_bom() {
    let t = Tree::with_good();
    t.write("bom-latin1.yaml", b"\xef\xbb\xbfa: caf\xe9\n");
    // Parse errors do not count the BOM: `a: b: c` breaks at 1:5.
    t.write("bom-syntax.yaml", b"\xef\xbb\xbfa: b: c\n");
    let v = lint_bad_tree(&t);
    assert_eq!(
        locs(&v),
        [
            "bom-latin1.yaml:1:7 SL901",
            "bom-syntax.yaml:1:5 SL901",
            GOOD_SL101
        ]
    );
}

/// How to run the binary so that it cannot read `probe`: directly when this
/// user cannot read it, else (root) as `nobody` through `setpriv` when that
/// works. `None`, with the reason, when neither is possible.
#[cfg(unix)]
fn cmd_that_cannot_read(t: &Tree, probe: &Path) -> Result<Command, String> {
    use std::os::unix::fs::PermissionsExt;
    if fs::read(probe).is_err() {
        return Ok(t.cmd());
    }
    // Root reads anything. Try again as nobody.
    let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let bin = assert_cmd::cargo::cargo_bin("scalelint");
    fs::set_permissions(&t.root, fs::Permissions::from_mode(0o755)).unwrap();
    let works = std::process::Command::new("setpriv")
        .args(nobody)
        .arg(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        return Err("running as root and `setpriv` cannot run the binary as nobody".into());
    }
    let can_read = std::process::Command::new("setpriv")
        .args(nobody)
        .args(["cat", "--"])
        .arg(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if can_read {
        return Err("even nobody can read a mode-000 file here".into());
    }
    let mut c = Command::new("setpriv");
    c.args(nobody).arg(bin).current_dir(&t.root);
    c.env_remove("NO_COLOR");
    Ok(c)
}

#[test]
#[cfg(unix)]
fn an_unreadable_file_and_directory_are_sl902_notes() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tree::with_good();
    let file = t.write("locked.yaml", "a: 1\n");
    let dir = t.mkdir("lockdir");
    t.write("lockdir/api.yaml", NO_REQUESTS);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o000)).unwrap();
    let restore = || {
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    };
    let mut cmd = match cmd_that_cannot_read(&t, &file) {
        Ok(c) => c,
        Err(why) => {
            restore();
            eprintln!("SKIPPED an_unreadable_file_and_directory_are_sl902_notes: {why}");
            return;
        }
    };
    let out = run(cmd.args(["--format", "json", "--show-skipped"]));
    restore();
    out.assert_clean();
    assert_eq!(out.code, Some(1));
    let v = out.json();
    assert_eq!(
        locs(&v),
        [GOOD_SL101, "lockdir:1:1 SL902", "locked.yaml:1:1 SL902"]
    );
    for path in ["lockdir", "locked.yaml"] {
        let m = message(&v, path, "SL902");
        assert!(m.starts_with("cannot read: "), "{m}");
        assert!(m.contains("Permission denied"), "{m}");
    }
}

#[test]
#[cfg(unix)]
fn a_dangling_symlink_is_a_sl902_note() {
    let t = Tree::with_good();
    t.symlink("missing", "x.yaml");
    t.symlink("self.yaml", "self.yaml");
    let v = lint_bad_tree(&t);
    assert_eq!(
        locs(&v),
        [GOOD_SL101, "self.yaml:1:1 SL902", "x.yaml:1:1 SL902"]
    );
    for path in ["x.yaml", "self.yaml"] {
        let m = message(&v, path, "SL902");
        assert!(m.starts_with("cannot read: "), "{m}");
    }
    assert!(message(&v, "x.yaml", "SL902").contains("No such file or directory"));
}

#[test]
#[cfg(unix)]
fn a_symlink_loop_is_a_note_and_the_walk_goes_on() {
    let t = Tree::with_good();
    t.write("sub/api.yaml", FIRING);
    t.symlink("..", "sub/loop");
    t.write("sub/zz/last.yaml", FIRING);
    let v = lint_bad_tree(&t);
    // Each file once: the loop is not walked into.
    assert_eq!(
        locs(&v),
        [
            GOOD_SL101,
            "sub/api.yaml:10:11 SL101",
            "sub/loop:1:1 SL902",
            "sub/zz/last.yaml:10:11 SL101",
        ]
    );
    assert!(message(&v, "sub/loop", "SL902").contains("symlink loop"));
}

#[test]
#[cfg(unix)]
fn symlinks_out_of_the_scanned_root_are_not_followed() {
    let t = Tree::new();
    t.write("outside/leak.yaml", NO_REQUESTS);
    t.write("scan/good.yaml", FIRING);
    t.symlink("../outside", "scan/out");
    t.symlink("../outside/leak.yaml", "scan/leak.yaml");
    // A link that stays inside the root is followed.
    t.symlink("good.yaml", "scan/linked.yaml");
    let out = run(t
        .cmd_in("scan")
        .args(["--format", "json", "--show-skipped"]));
    out.assert_clean();
    let v = out.json();
    assert_eq!(
        locs(&v),
        [
            GOOD_SL101,
            "leak.yaml:1:1 SL902",
            "linked.yaml:10:11 SL101",
            "out:1:1 SL902",
        ]
    );
    for path in ["leak.yaml", "out"] {
        assert_eq!(
            message(&v, path, "SL902"),
            "symlink leads outside the scanned paths; not followed"
        );
    }
    assert!(!out.stdout.contains("worker"), "{}", out.stdout);
    assert!(!out.stdout.contains("outside/"), "{}", out.stdout);
}

#[test]
fn helm_templates_are_sl902_not_sl901() {
    let t = Tree::with_good();
    t.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    t.write("chart/values.yaml", "replicas: 2\nimage: web:1\n");
    // Valid YAML as written, and it would fire SL101 and SL104: inside a
    // chart's templates/ it is recognised by where it stands.
    t.write(
        "chart/templates/deployment.yaml",
        NO_REQUESTS.replace("worker:1", "\"{{ .Values.image }}\""),
    );
    t.write(
        "chart/templates/service.yaml",
        "{{- if .Values.service.enabled }}\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include \"web.fullname\" . }}\n{{- end }}\n",
    );
    // A template file without placeholders is plain YAML and linted.
    t.write("chart/templates/plain.yaml", FIRING);
    // Loose files, recognised by what the placeholders do to the parse.
    t.write(
        "loose.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Values.x }}\n",
    );
    t.write(
        "loose-if.yaml",
        "{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n{{- end }}\n",
    );
    let v = lint_bad_tree(&t);
    assert_eq!(
        locs(&v),
        [
            "chart/templates/deployment.yaml:1:1 SL902",
            "chart/templates/plain.yaml:10:11 SL101",
            "chart/templates/service.yaml:1:1 SL902",
            GOOD_SL101,
            "loose-if.yaml:1:1 SL902",
            "loose.yaml:1:1 SL902",
        ]
    );
    assert!(
        message(&v, "chart/templates/deployment.yaml", "SL902").contains("Helm chart template")
    );
    assert!(message(&v, "loose.yaml", "SL902").contains("template placeholders"));
}

#[test]
fn quoted_placeholders_outside_a_chart_are_plain_yaml_and_linted() {
    let t = Tree::with_good();
    // templates/ without a Chart.yaml above it; the placeholder is a string.
    t.write(
        "templates/api.yaml",
        FIRING.replace("api:1", "\"{{ .Values.image }}\""),
    );
    let v = lint_bad_tree(&t);
    assert_eq!(locs(&v), [GOOD_SL101, "templates/api.yaml:10:11 SL101"]);
}

#[test]
fn braces_in_a_comment_do_not_hide_a_syntax_error() {
    let t = Tree::new();
    t.write(
        "broken.yaml",
        "# rendered by {{ tooling }} upstream\na: b: c\n",
    );
    let out = run(t.cmd().args(["--format", "json", "--show-skipped"]));
    assert_eq!(locs(&out.json()), ["broken.yaml:2:5 SL901"]);
    assert_eq!(out.code, Some(1));
}

#[test]
fn empty_and_document_marker_only_files_have_no_finding() {
    let t = Tree::with_good();
    t.write("empty.yaml", "");
    t.write("dashes.yaml", "---\n");
    t.write("dashes-no-newline.yml", "---");
    t.write("start-end.yaml", "---\n...\n");
    t.write("comment.yaml", "# nothing here\n");
    t.write("blank.yaml", "\n  \n\n");
    t.write("crlf.yaml", "---\r\n---\r\n");
    let v = lint_bad_tree(&t);
    assert_eq!(locs(&v), [GOOD_SL101]);
    // They were read, not skipped.
    assert_eq!(v["summary"]["linted"], 8);
    assert_eq!(v["summary"]["skipped"], 0);
}

#[test]
fn non_kubernetes_yaml_has_no_finding() {
    let t = Tree::with_good();
    t.write(
        ".github/workflows/ci.yml",
        "\
name: ci
on: [push, pull_request]
jobs:
  build:
    runs-on: ubuntu-latest
    container:
      image: rust:1
    steps:
      - uses: actions/checkout@v4
      - name: test
        run: cargo test
",
    );
    t.write(
        "docs/mkdocs.yml",
        "site_name: x\nnav:\n  - Home: index.md\n",
    );
    let v = lint_bad_tree(&t);
    assert_eq!(locs(&v), [GOOD_SL101]);
    // The workflow was read (hidden directories are walked), not skipped.
    assert_eq!(v["summary"]["files"], 3);
    assert_eq!(v["summary"]["linted"], 3);
}

// ---------------------------------------------------------------------------
// Exit codes

#[test]
fn exit_0_without_findings_and_1_with() {
    let t = Tree::new();
    t.write("web.yaml", QUIET);
    let out = run(&mut t.cmd());
    out.assert_clean();
    assert_eq!(out.code, Some(0));
    assert_eq!(out.stdout, "✓ No findings in 1 file linted.\n");

    t.write("api.yaml", FIRING);
    let out = run(&mut t.cmd());
    out.assert_clean();
    assert_eq!(out.code, Some(1));
}

#[test]
fn a_path_that_does_not_exist_is_exit_2() {
    let t = Tree::with_good();
    for args in [&["nope"][..], &[".", "nope"], &["nope.yaml", "."]] {
        let out = run(t.cmd().args(args));
        assert_eq!(out.code, Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        let missing = args.iter().find(|a| a.starts_with("nope")).unwrap();
        assert_eq!(
            out.stderr,
            format!("scalelint: path `{missing}` does not exist\n")
        );
    }
}

#[test]
fn unknown_rules_in_select_and_ignore_are_exit_2() {
    let t = Tree::with_good();
    for (flag, value) in [
        ("--select", "SL999"),
        ("--select", "SL101,nonsense"),
        ("--ignore", "no-such-rule"),
        // A well-formed prefix of a family with no rules.
        ("--select", "SL7"),
    ] {
        let out = run(t.cmd().args([flag, value]));
        assert_eq!(out.code, Some(2), "{flag} {value}");
        assert!(out.stdout.is_empty());
        let bad = value.rsplit(',').next().unwrap();
        assert_eq!(
            out.stderr,
            format!("scalelint: {flag}: unknown rule `{bad}` (see `scalelint rules`)\n")
        );
    }
}

#[test]
fn a_bad_exclude_glob_is_exit_2() {
    let t = Tree::with_good();
    let out = run(t.cmd().args(["--exclude", "a/["]));
    assert_eq!(out.code, Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .starts_with("scalelint: --exclude `a/[`: invalid glob"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_unknown_config_key_is_sl905_with_its_location_and_exit_2() {
    let t = Tree::with_good();
    let cfg = t.write(
        ".scalelint.toml",
        "select = [\"SL1\"]\n\nselcet = [\"SL101\"]\n",
    );
    let out = run(&mut t.cmd());
    assert_eq!(out.code, Some(2));
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let want = format!(
        "scalelint: {}:3:1: SL905 [error] unknown field `selcet`",
        cfg.display()
    );
    assert!(out.stderr.starts_with(&want), "{}", out.stderr);

    // Given with --config, the path is shown as given.
    t.write("other.toml", "\n  fail_on = \"never\"\n");
    let out = run(t.cmd().args(["--no-ignore", "--config", "other.toml"]));
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .starts_with("scalelint: other.toml:2:3: SL905 [error] unknown field `fail_on`"),
        "{}",
        out.stderr
    );
}

#[test]
fn other_invalid_configs_are_exit_2_at_the_value() {
    let t = Tree::with_good();
    for (text, at) in [
        ("ignore = [\"SL101\", \"SL777\"]\n", "1:20"),
        ("fail-on = \"sometimes\"\n", "1:11"),
        ("[severity]\nSL101 = \"fatal\"\n", "2:9"),
        ("exclude = [\"ok\", \"a/[\"]\n", "1:18"),
    ] {
        t.write(".scalelint.toml", text);
        let out = run(&mut t.cmd());
        assert_eq!(out.code, Some(2), "{text}");
        assert!(
            out.stderr
                .contains(&format!(".scalelint.toml:{at}: SL905 [error] ")),
            "{text}: {}",
            out.stderr
        );
    }
    // --config naming a file that does not exist.
    let out = run(t.cmd().args(["--config", "missing.toml"]));
    assert_eq!(out.code, Some(2));
    assert_eq!(
        out.stderr,
        "scalelint: config file `missing.toml` does not exist\n"
    );
}

#[test]
fn fail_on_levels() {
    // good.yaml: a warning. broken.yaml: an error.
    let t = Tree::with_good();
    let code = |args: &[&str]| run(t.cmd().args(args)).code;
    assert_eq!(code(&[]), Some(1));
    assert_eq!(code(&["--fail-on", "warning"]), Some(1));
    assert_eq!(code(&["--fail-on", "note"]), Some(1));
    assert_eq!(code(&["--fail-on", "error"]), Some(0));
    assert_eq!(code(&["--fail-on", "never"]), Some(0));

    t.write("broken.yaml", "a: b: c\n");
    assert_eq!(code(&["--fail-on", "error"]), Some(1));
    assert_eq!(code(&["--fail-on", "never"]), Some(0));
    // Only the error selected: still 1 at error.
    assert_eq!(code(&["--select", "SL901", "--fail-on", "error"]), Some(1));
    // Only the warning selected: 0 at error.
    assert_eq!(code(&["--select", "SL101", "--fail-on", "error"]), Some(0));

    // A note: SL101 turned into a note by config.
    fs::remove_file(t.path("broken.yaml")).unwrap();
    t.write(".scalelint.toml", "[severity]\nSL101 = \"note\"\n");
    assert_eq!(code(&[]), Some(0));
    assert_eq!(code(&["--fail-on", "warning"]), Some(0));
    assert_eq!(code(&["--fail-on", "note"]), Some(1));

    let out = run(t.cmd().args(["--fail-on", "sometimes"]));
    assert_eq!(out.code, Some(2));
}

// ---------------------------------------------------------------------------
// Output formats

#[test]
fn human_format_first_line_and_underline() {
    let t = Tree::with_good();
    let out = run(&mut t.cmd());
    assert_eq!(out.code, Some(1));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "good.yaml:10:11: SL101 [warning] container `api` of Deployment shop/api has no readinessProbe: it gets traffic as soon as it starts, and keeps getting it while it cannot serve"
    );
    assert_eq!(lines[1], "   |");
    assert_eq!(lines[2], " 9 |       containers:");
    assert_eq!(lines[3], "10 |         - name: api");
    // Under the container's `name` key (10:11 to 10:15, as in the JSON).
    assert_eq!(lines[4], "   |           ^^^^ readiness-probe-missing");
    let src = lines[3].find("name").unwrap();
    assert_eq!(lines[4].find('^'), Some(src));
    assert_eq!(lines[5], "   |");
    assert!(lines[6].starts_with("   = help: add a readinessProbe"));
    assert_eq!(lines[7], "");
    assert_eq!(lines[8], "Found 1 finding (1 warning) in 1 file linted.");
    assert_eq!(lines.len(), 9);

    let v = run(t.cmd().args(["--format", "json"])).json();
    let f = finding(&v, "good.yaml", "SL101");
    assert_eq!(
        (&f["line"], &f["column"], &f["end_line"], &f["end_column"]),
        (&10.into(), &11.into(), &10.into(), &15.into())
    );
}

#[test]
fn human_format_underlines_with_tabs_and_wide_characters() {
    let t = Tree::with_good();
    // The SL901 is at the second `:` (character column 9: `é` is one).
    t.write("accent.yaml", "clé: b: c\n");
    let out = run(t.cmd().args(["accent.yaml"]));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("accent.yaml:1:7: SL901 [error]"),
        "{}",
        out.stdout
    );
    assert_eq!(lines[2], "1 | clé: b: c");
    assert_eq!(lines[3], "  |       ^ parse-error");

    // A tab before the error is shown expanded to the next multiple of 4,
    // and the caret stays under the `:` (character column 7).
    t.write("tab.yaml", "a: x\ty: z\n");
    let out = run(t.cmd().args(["tab.yaml"]));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("tab.yaml:1:7: SL901 [error]"),
        "{}",
        out.stdout
    );
    assert_eq!(lines[2], "1 | a: x    y: z");
    assert_eq!(lines[3], "  |          ^ parse-error");
}

#[test]
fn concise_format_is_one_line_per_finding() {
    let t = Tree::with_good();
    t.write("broken.yaml", "a: b: c\n");
    let out = run(t.cmd().args(["--format", "concise"]));
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stdout,
        "broken.yaml:1:5: SL901 [error] invalid YAML: mapping values are not allowed in this context\n\
         good.yaml:10:11: SL101 [warning] container `api` of Deployment shop/api has no readinessProbe: it gets traffic as soon as it starts, and keeps getting it while it cannot serve\n\
         Found 2 findings (1 error, 1 warning) in 2 files linted.\n"
    );
}

#[test]
fn json_format_has_every_field_of_the_contract() {
    let t = Tree::new();
    t.write("k8s/api.yaml", FIRING);
    t.write("k8s/web.yaml", QUIET);
    t.write("k8s/deep/broken.yaml", "a: b: c\n");
    t.write("README.md", "# not linted\n");
    let out = run(t.cmd().args(["--format", "json"]));
    out.assert_clean();
    assert_eq!(out.code, Some(1));
    let v = out.json();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        locs(&v),
        ["k8s/api.yaml:10:11 SL101", "k8s/deep/broken.yaml:1:5 SL901"]
    );
    let f = finding(&v, "k8s/api.yaml", "SL101");
    let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "rule",
        "name",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "help",
        "related",
        "suppressed",
    ] {
        assert!(keys.contains(&k), "missing `{k}` in {f:#}");
    }
    assert_eq!(f["name"], "readiness-probe-missing");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["end_line"], 10);
    assert_eq!(f["end_column"], 15);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("container `api`")
    );
    assert!(
        f["help"]
            .as_str()
            .unwrap()
            .starts_with("add a readinessProbe")
    );
    assert_eq!(f["related"], serde_json::json!([]));
    assert_eq!(f["suppressed"], false);

    let e = finding(&v, "k8s/deep/broken.yaml", "SL901");
    assert_eq!(e["severity"], "error");
    assert_eq!((&e["end_line"], &e["end_column"]), (&1.into(), &5.into()));

    let s = &v["summary"];
    assert_eq!(s["files"], 3);
    assert_eq!(s["findings"], 2);
    assert_eq!(
        s["by_severity"],
        serde_json::json!({"error": 1, "warning": 1, "note": 0})
    );
    assert_eq!(s["suppressed"], 0);
}

#[test]
fn json_paths_are_relative_to_the_working_directory() {
    let t = Tree::new();
    t.write("k8s/api.yaml", FIRING);
    let root = t.root.display().to_string();
    for arg in [
        "k8s".to_string(),
        "./k8s/".to_string(),
        format!("{root}/k8s"),
        format!("{root}/k8s/api.yaml"),
    ] {
        let out = run(t.cmd().args(["--format", "json", &arg]));
        assert_eq!(locs(&out.json()), ["k8s/api.yaml:10:11 SL101"], "{arg}");
        assert!(!out.stdout.contains(&root), "{arg}: {}", out.stdout);
    }
    // From a subdirectory, paths are relative to it.
    let out = run(t.cmd_in("k8s").args(["--format", "json"]));
    assert_eq!(locs(&out.json()), ["api.yaml:10:11 SL101"]);
}

#[test]
fn github_format_is_one_workflow_command_per_finding() {
    let t = Tree::with_good();
    t.write("broken.yaml", "a: b: c\n");
    let out = run(t.cmd().args(["--format", "github"]));
    assert_eq!(out.code, Some(1));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert_eq!(
        lines[2],
        "scalelint: found 2 findings (1 error, 1 warning) in 2 files linted."
    );
    assert_eq!(
        lines[0],
        "::error file=broken.yaml,line=1,col=5,endLine=1,endColumn=5,title=SL901 parse-error::invalid YAML: mapping values are not allowed in this context%0Ahelp: fix the syntax: documents from this point on were not read"
    );
    assert!(
        lines[1].starts_with(
            "::warning file=good.yaml,line=10,col=11,endLine=10,endColumn=15,title=SL101 readiness-probe-missing::container `api` of Deployment shop/api has no readinessProbe"
        ),
        "{}",
        lines[1]
    );
}

#[test]
fn github_format_escapes_properties_and_data() {
    let t = Tree::new();
    // `,` and `:` in a property, `%` and a line break in the data.
    t.write(
        "k8s/a,b:c.yaml",
        FIRING.replace("- name: api", "- name: \"api%1\""),
    );
    t.write("k8s/web.yaml", QUIET);
    let out = run(t.cmd().args(["--format", "github"]));
    assert_eq!(out.code, Some(1));
    insta::assert_snapshot!("github", out.stdout);
}

#[test]
fn github_summary_gives_the_total_past_ten_annotations_a_level() {
    let t = Tree::new();
    let docs = |n: usize| {
        (0..n)
            .map(|i| FIRING.replace("name: api", &format!("name: api{i}")))
            .collect::<Vec<_>>()
            .join("---\n")
    };
    t.write("ten.yaml", docs(10));
    let out = run(t.cmd().args(["--format", "github"]));
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("::warning "))
            .count(),
        10
    );
    assert_eq!(
        out.stdout.lines().last(),
        Some("scalelint: found 10 findings (10 warnings) in 1 file linted.")
    );
    t.write("ten.yaml", docs(11));
    let out = run(t.cmd().args(["--format", "github"]));
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("::warning "))
            .count(),
        11
    );
    assert_eq!(
        out.stdout.lines().last(),
        Some(
            "scalelint: found 11 findings (11 warnings) in 1 file linted. GitHub shows the first 10 \
             annotations of each level; this log lists them all."
        )
    );
    // -q: the workflow commands only.
    let out = run(t.cmd().args(["--format", "github", "-q"]));
    assert!(
        out.stdout.lines().all(|l| l.starts_with("::warning ")),
        "{}",
        out.stdout
    );
}

#[test]
fn extra_reports_come_from_the_same_run() {
    let t = mixed_tree();
    let out = run(t.cmd().args([
        "--format",
        "github",
        "-o",
        "sarif=out/scalelint.sarif",
        "-o",
        "json=report.json",
    ]));
    // The parent directory of a report is not created.
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cannot write the report to `out/scalelint.sarif`"),
        "{}",
        out.stderr
    );
    t.mkdir("out");
    let out = run(t.cmd().args([
        "--format",
        "github",
        "-o",
        "sarif=out/scalelint.sarif",
        "-o",
        "json=report.json",
    ]));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let direct = run(t.cmd().args(["--format", "github"]));
    assert_eq!(
        out.stdout, direct.stdout,
        "the --format report stays on stdout"
    );
    let json: Value =
        serde_json::from_str(&fs::read_to_string(t.path("report.json")).unwrap()).unwrap();
    assert_eq!(
        locs(&json),
        locs(&run(t.cmd().args(["--format", "json"])).json())
    );
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(t.path("out/scalelint.sarif")).unwrap()).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        json["findings"].as_array().unwrap().len()
    );

    // `-o FILE` takes --format; FORMAT=FILE reports go beside it.
    let out = run(t
        .cmd()
        .args(["--format", "json", "-o", "main.json", "-o", "concise=c.txt"]));
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.is_empty());
    let main: Value =
        serde_json::from_str(&fs::read_to_string(t.path("main.json")).unwrap()).unwrap();
    assert_eq!(locs(&main), locs(&json));
    let concise = fs::read_to_string(t.path("c.txt")).unwrap();
    assert!(
        concise.starts_with("broken.yaml:1:5: SL901 [error]"),
        "{concise}"
    );
    assert!(!concise.contains('\x1b'));

    // Not a format before `=`: a plain file name.
    let out = run(t.cmd().args(["--format", "json", "-o", "x=y.json"]));
    assert_eq!(out.code, Some(1));
    assert!(t.path("x=y.json").is_file());

    for (args, why) in [
        (
            &["-o", "a.txt", "-o", "b.txt"][..],
            "-o FILE is given more than once",
        ),
        (
            &["-o", "json="][..],
            "FORMAT=FILE needs a file name after `=`",
        ),
    ] {
        let out = run(t.cmd().args(args));
        assert_eq!(out.code, Some(2), "{args:?}");
        assert!(out.stderr.contains(why), "{args:?}: {}", out.stderr);
    }
}

/// Two Deployments in one stream, as `helm template` writes them: SL101 at
/// 12:11 (first document) and 26:11 (second).
const RENDERED: &str = "\
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: web:1
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}
---
# Source: web/templates/worker.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: worker
          image: worker:1
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}
";

#[test]
fn stdin_is_one_yaml_stream_named_by_stdin_filename() {
    let t = Tree::new();
    let out = run(t
        .cmd()
        .args(["check", "--format", "json", "-"])
        .write_stdin(RENDERED));
    out.assert_clean();
    assert_eq!(out.code, Some(1));
    let v = out.json();
    assert_eq!(locs(&v), ["<stdin>:12:11 SL101", "<stdin>:26:11 SL101"]);
    assert_eq!(v["summary"]["files"], 1);

    let out = run(t
        .cmd()
        .args([
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "rendered/web.yaml",
            "-",
        ])
        .write_stdin(RENDERED));
    assert_eq!(
        concise_locs(&Out {
            stdout: out
                .stdout
                .lines()
                .filter(|l| l.contains(": SL"))
                .collect::<Vec<_>>()
                .join("\n"),
            ..out
        }),
        [
            "rendered/web.yaml:12:11 SL101",
            "rendered/web.yaml:26:11 SL101"
        ]
    );

    // The human report shows the lines, from memory.
    let out = run(t
        .cmd()
        .args(["check", "--stdin-filename", "web.yaml", "-"])
        .write_stdin(RENDERED));
    assert!(
        out.stdout
            .contains("12 |         - name: web\n   |           ^^^^"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Found 2 findings (2 warnings) in 1 file linted."),
        "{}",
        out.stdout
    );

    // Nothing to report: exit 0.
    let out = run(t.cmd().args(["check", "-"]).write_stdin(QUIET));
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    // Empty input: nothing to report either.
    let out = run(t.cmd().args(["check", "-"]).write_stdin(""));
    assert_eq!(out.code, Some(0), "{}", out.stdout);
}

#[test]
fn stdin_with_other_paths_and_the_config() {
    let t = Tree::with_good();
    // `-` beside a directory: both are linted, in path order.
    let out = run(t
        .cmd()
        .args([
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "zz/rendered.yaml",
            ".",
            "-",
        ])
        .write_stdin(RENDERED));
    assert_eq!(
        locs(&out.json()),
        [
            GOOD_SL101,
            "zz/rendered.yaml:12:11 SL101",
            "zz/rendered.yaml:26:11 SL101"
        ]
    );

    // per-file-ignores match the stdin filename; the config is found from it.
    t.write(
        "deploy/.scalelint.toml",
        "[per-file-ignores]\n\"rendered/**\" = [\"SL101\"]\n",
    );
    let out = run(t
        .cmd()
        .args([
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "deploy/rendered/web.yaml",
            "-",
        ])
        .write_stdin(RENDERED));
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(locs(&out.json()).is_empty(), "{}", out.stdout);

    // Parse errors and templates on stdin are reported at the stdin filename.
    let out = run(t
        .cmd()
        .args([
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "x.yaml",
            "-",
        ])
        .write_stdin("a: b: c\n"));
    assert_eq!(locs(&out.json()), ["x.yaml:1:5 SL901"]);
    let out = run(t
        .cmd()
        .args(["check", "--format", "json", "--show-skipped", "-"])
        .write_stdin(b"\0\x01binary".as_slice()));
    assert_eq!(locs(&out.json()), ["<stdin>:1:1 SL902"]);
}

#[test]
fn stdin_misuse_is_exit_2() {
    let t = Tree::new();
    for (args, why) in [
        (
            &["check", "-", "-"][..],
            "`-` (standard input) is given more than once",
        ),
        (
            &["check", "--stdin-filename", "a.yaml", "."][..],
            "--stdin-filename names standard input: add `-` to the paths",
        ),
    ] {
        let out = run(t.cmd().args(args).write_stdin(""));
        assert_eq!(out.code, Some(2), "{args:?}");
        assert_eq!(out.stderr, format!("scalelint: {why}\n"), "{args:?}");
    }
}

#[test]
fn sarif_format_has_one_run_with_the_findings() {
    let t = Tree::with_good();
    t.write("k8s/broken.yaml", "a: b: c\n");
    let out = run(t.cmd().args(["--format", "sarif"]));
    out.assert_clean();
    assert_eq!(out.code, Some(1));
    let v = out.json();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"].as_array().unwrap().len(), 1);
    let run0 = &v["runs"][0];
    let driver = &run0["tool"]["driver"];
    assert_eq!(driver["name"], "scalelint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{run0:#}");
    let mut seen = Vec::new();
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let region = &loc["region"];
        seen.push(format!(
            "{}:{}:{} {}",
            loc["artifactLocation"]["uri"].as_str().unwrap(),
            region["startLine"],
            region["startColumn"],
            r["ruleId"].as_str().unwrap()
        ));
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        // ruleIndex points at the rule in the driver.
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(driver["rules"][index]["id"], r["ruleId"]);
        assert!(
            r["partialFingerprints"]
                .as_object()
                .is_some_and(|o| !o.is_empty())
        );
    }
    seen.sort();
    assert_eq!(seen, [GOOD_SL101, "k8s/broken.yaml:1:5 SL901"]);
}

#[test]
fn output_file_gets_the_report_and_stdout_nothing() {
    let t = Tree::with_good();
    for format in ["human", "concise", "json", "github"] {
        let direct = run(t.cmd().args(["--format", format]));
        let out = run(t.cmd().args(["--format", format, "-o", "report.out"]));
        assert_eq!(out.code, Some(1), "{format}");
        assert!(out.stdout.is_empty(), "{format}: {}", out.stdout);
        assert!(out.stderr.is_empty(), "{format}: {}", out.stderr);
        let written = fs::read_to_string(t.path("report.out")).unwrap();
        assert_eq!(written, direct.stdout, "{format}");
    }
    let out = run(t.cmd().args(["--format", "json", "--output", "r.json"]));
    assert_eq!(out.code, Some(1));
    let v: Value = serde_json::from_str(&fs::read_to_string(t.path("r.json")).unwrap()).unwrap();
    assert_eq!(locs(&v), [GOOD_SL101]);

    // A file that cannot be created is a failed run.
    let out = run(t.cmd().args(["-o", "no/such/dir/r.txt"]));
    assert_eq!(out.code, Some(2));
}

/// Runs the binary with its stdout on a pipe whose reading end is closed,
/// as in `scalelint … | head -1`. The report is over 64 KiB (more than a
/// pipe holds), so the writes fail whenever the end is closed.
fn with_closed_stdout(t: &Tree, format: &str) -> Out {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("scalelint"));
    c.args(["--format", format, "--fail-on", "never", "big.yaml"])
        .current_dir(&t.root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    Out {
        code: o.status.code(),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn many_findings_tree() -> Tree {
    let t = Tree::new();
    let docs: Vec<String> = (0..300)
        .map(|i| FIRING.replace("name: api", &format!("name: api{i}")))
        .collect();
    t.write("big.yaml", docs.join("---\n"));
    t
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let t = many_findings_tree();
    for format in ["human", "concise", "json", "sarif", "github"] {
        let out = with_closed_stdout(&t, format);
        assert_eq!(out.code, Some(0), "{format}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{format}: {}", out.stderr);
    }
}

// ---------------------------------------------------------------------------
// Selection, walking, config

/// A tree with SL101 and SL104 (worker.yaml), SL101 (good.yaml) and SL901.
fn mixed_tree() -> Tree {
    let t = Tree::with_good();
    t.write("worker.yaml", NO_REQUESTS);
    t.write("broken.yaml", "a: b: c\n");
    t
}

#[test]
fn select_and_ignore_take_ids_names_and_prefixes() {
    let t = mixed_tree();
    let all = [
        "broken.yaml:1:5 SL901",
        "good.yaml:10:11 SL101",
        "worker.yaml:10:11 SL101",
        "worker.yaml:10:11 SL104",
    ];
    let case = |args: &[&str], want: &[&str]| {
        let out = concise(&t, args);
        assert_eq!(concise_locs(&out), want, "{args:?}");
    };
    case(&[], &all);
    case(&["--select", "SL101"], &[all[1], all[2]]);
    case(&["--select", "sl101"], &[all[1], all[2]]);
    case(&["--select", "readiness-probe-missing"], &[all[1], all[2]]);
    case(&["--select", "SL1"], &[all[1], all[2], all[3]]);
    case(&["--select", "SL104,parse-error"], &[all[0], all[3]]);
    case(
        &["--select", "SL104", "--select", "SL901"],
        &[all[0], all[3]],
    );
    case(&["--select", "ALL", "--ignore", "SL1"], &[all[0]]);
    case(&["--ignore", "SL1"], &[all[0]]);
    case(
        &["--ignore", "resource-requests-missing"],
        &[all[0], all[1], all[2]],
    );
    case(&["--select", "SL1", "--ignore", "SL104"], &[all[1], all[2]]);
    case(&["--ignore", "SL101,SL104,SL901"], &[]);
}

#[test]
fn exclude_globs() {
    let t = Tree::with_good();
    t.write("legacy/api.yaml", FIRING);
    t.write("k8s/legacy/api.yaml", FIRING);
    t.write("jobs/a.yaml", FIRING);
    t.write("jobs/sub/b.yaml", FIRING);
    let l = |args: &[&str]| concise_locs(&concise(&t, args));
    let all = [
        GOOD_SL101,
        "jobs/a.yaml:10:11 SL101",
        "jobs/sub/b.yaml:10:11 SL101",
        "k8s/legacy/api.yaml:10:11 SL101",
        "legacy/api.yaml:10:11 SL101",
    ];
    assert_eq!(l(&[]), all);
    // A name without `/` matches at any depth.
    assert_eq!(l(&["--exclude", "legacy"]), [all[0], all[1], all[2]]);
    // A path glob is anchored at the working directory; `*` stays in one directory.
    assert_eq!(
        l(&["--exclude", "jobs/*.yaml"]),
        [all[0], all[2], all[3], all[4]]
    );
    assert_eq!(l(&["--exclude", "jobs/**"]), [all[0], all[3], all[4]]);
    // Repeatable.
    assert_eq!(l(&["--exclude", "legacy", "--exclude", "jobs"]), [all[0]]);
}

#[test]
fn gitignore_is_honoured_unless_no_ignore() {
    let t = Tree::with_good();
    t.write(".gitignore", "gen/\n*.generated.yaml\n");
    t.write("gen/api.yaml", FIRING);
    t.write("x.generated.yaml", FIRING);
    t.write(".ignore", "scratch/\n");
    t.write("scratch/api.yaml", FIRING);
    assert_eq!(concise_locs(&concise(&t, &[])), [GOOD_SL101]);
    assert_eq!(
        concise_locs(&concise(&t, &["--no-ignore"])),
        [
            "gen/api.yaml:10:11 SL101",
            GOOD_SL101,
            "scratch/api.yaml:10:11 SL101",
            "x.generated.yaml:10:11 SL101",
        ]
    );
    // A file named on the command line is linted even when ignored.
    assert_eq!(
        concise_locs(&concise(&t, &["gen/api.yaml"])),
        ["gen/api.yaml:10:11 SL101"]
    );
}

#[test]
fn a_file_named_on_the_command_line_is_linted_whatever_its_name() {
    let t = Tree::new();
    t.write("deploy.txt", FIRING);
    assert_eq!(concise_locs(&concise(&t, &[])), Vec::<String>::new());
    assert_eq!(
        concise_locs(&concise(&t, &["deploy.txt"])),
        ["deploy.txt:10:11 SL101"]
    );
}

#[test]
fn config_select_ignore_and_cli_override() {
    let t = mixed_tree();
    t.write(".scalelint.toml", "select = [\"SL104\"]\n");
    assert_eq!(concise_locs(&concise(&t, &[])), ["worker.yaml:10:11 SL104"]);
    // --select replaces the config's select.
    assert_eq!(
        concise_locs(&concise(&t, &["--select", "SL901"])),
        ["broken.yaml:1:5 SL901"]
    );

    t.write(
        ".scalelint.toml",
        "ignore = [\"readiness-probe-missing\"]\n",
    );
    assert_eq!(
        concise_locs(&concise(&t, &[])),
        ["broken.yaml:1:5 SL901", "worker.yaml:10:11 SL104"]
    );
    // --ignore adds to the config's ignore.
    assert_eq!(
        concise_locs(&concise(&t, &["--ignore", "SL104"])),
        ["broken.yaml:1:5 SL901"]
    );
    // --no-config drops it.
    assert_eq!(concise_locs(&concise(&t, &["--no-config"])).len(), 4);
}

#[test]
fn config_exclude_is_relative_to_the_config_file() {
    let t = Tree::with_good();
    t.write("legacy/api.yaml", FIRING);
    t.write("k8s/legacy/api.yaml", FIRING);
    t.write("k8s/jobs/a.yaml", FIRING);
    t.write("jobs/a.yaml", FIRING);
    t.write(
        ".scalelint.toml",
        "exclude = [\"legacy\", \"k8s/jobs/*.yaml\"]\n",
    );
    assert_eq!(
        concise_locs(&concise(&t, &[])),
        [GOOD_SL101, "jobs/a.yaml:10:11 SL101"]
    );
    // Given a subdirectory as PATH: the globs stay relative to the config.
    assert_eq!(concise_locs(&concise(&t, &["k8s"])), Vec::<String>::new());
    // Run from a subdirectory, the config is found upwards and a name
    // pattern still applies.
    t.write("k8s/api.yaml", FIRING);
    let out = run(t
        .cmd_in("k8s")
        .args(["--format", "concise", "-q", "--select", "SL101"]));
    assert!(!out.stdout.contains("legacy"), "{}", out.stdout);
    assert!(
        out.stdout.starts_with("api.yaml:10:11: SL101"),
        "{}",
        out.stdout
    );
}

#[test]
fn config_exclude_path_glob_applies_when_run_from_a_subdirectory() {
    let t = Tree::new();
    t.write("k8s/api.yaml", FIRING);
    t.write("k8s/jobs/a.yaml", FIRING);
    t.write(".scalelint.toml", "exclude = [\"k8s/jobs/*.yaml\"]\n");
    // From the root, and with the subdirectory as PATH, it is excluded.
    assert_eq!(
        concise_locs(&concise(&t, &["k8s"])),
        ["k8s/api.yaml:10:11 SL101"]
    );
    // From k8s/ itself it is not: the walk path `./jobs/a.yaml` is joined to
    // the working directory and the glob is matched against `k8s/./jobs/a.yaml`.
    let out = run(t.cmd_in("k8s").args(["--format", "concise", "-q"]));
    assert_eq!(concise_locs(&out), ["api.yaml:10:11 SL101"]);
}

#[test]
fn config_fail_on_and_cli_override() {
    let t = Tree::with_good();
    t.write(".scalelint.toml", "fail-on = \"never\"\n");
    let out = run(t.cmd().args(["--format", "concise"]));
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.starts_with("good.yaml:10:11: SL101 [warning]"));
    assert_eq!(run(t.cmd().args(["--fail-on", "warning"])).code, Some(1));
    t.write(".scalelint.toml", "fail-on = \"error\"\n");
    assert_eq!(run(&mut t.cmd()).code, Some(0));
    t.write(".scalelint.toml", "fail-on = \"note\"\n");
    assert_eq!(run(&mut t.cmd()).code, Some(1));
}

#[test]
fn config_severity_overrides() {
    let t = Tree::with_good();
    assert_eq!(run(t.cmd().args(["--fail-on", "error"])).code, Some(0));
    t.write(
        ".scalelint.toml",
        "[severity]\nreadiness-probe-missing = \"error\"\n",
    );
    let out = run(t.cmd().args(["--format", "json", "--fail-on", "error"]));
    assert_eq!(out.code, Some(1));
    let v = out.json();
    assert_eq!(finding(&v, "good.yaml", "SL101")["severity"], "error");
    assert_eq!(
        v["summary"]["by_severity"],
        serde_json::json!({"error": 1, "warning": 0, "note": 0})
    );
    let out = run(t.cmd().args(["--format", "concise", "-q"]));
    assert!(out.stdout.starts_with("good.yaml:10:11: SL101 [error] "));
}

#[test]
fn config_per_file_ignores() {
    let t = Tree::with_good();
    t.write("jobs/a.yaml", NO_REQUESTS);
    t.write("jobs/sub/b.yaml", NO_REQUESTS);
    t.write(
        ".scalelint.toml",
        "[per-file-ignores]\n\"jobs/*.yaml\" = [\"SL101\"]\n",
    );
    assert_eq!(
        concise_locs(&concise(&t, &[])),
        [
            GOOD_SL101,
            "jobs/a.yaml:10:11 SL104",
            "jobs/sub/b.yaml:10:11 SL101",
            "jobs/sub/b.yaml:10:11 SL104",
        ]
    );
}

#[test]
fn config_file_given_with_config() {
    let t = Tree::with_good();
    t.write(".scalelint.toml", "ignore = [\"SL101\"]\n");
    t.write("ci/strict.toml", "[severity]\nSL101 = \"error\"\n");
    // The named file replaces the discovered one.
    let out = concise(&t, &["--config", "ci/strict.toml"]);
    assert_eq!(out.stdout.lines().count(), 1);
    assert!(out.stdout.starts_with("good.yaml:10:11: SL101 [error] "));
    // --config and --no-config together are a usage error.
    let out = run(t.cmd().args(["--config", "ci/strict.toml", "--no-config"]));
    assert_eq!(out.code, Some(2));
}

#[test]
fn config_is_found_from_the_first_path_upwards_and_stops_at_git() {
    let t = Tree::bare();
    // Above the repository: never read.
    t.write(".scalelint.toml", "ignore = [\"SL104\"]\n");
    t.mkdir("repo/.git");
    t.write("repo/.scalelint.toml", "ignore = [\"SL101\"]\n");
    t.write("repo/k8s/deep/api.yaml", NO_REQUESTS);
    let want = ["api.yaml:10:11 SL104"];
    // From the working directory's parents.
    let out = run(t
        .cmd_in("repo/k8s/deep")
        .args(["--format", "concise", "-q"]));
    assert_eq!(concise_locs(&out), want);
    // From the first PATH's parents, not the working directory's.
    let out = run(t.cmd().args(["--format", "concise", "-q", "repo/k8s/deep"]));
    assert_eq!(concise_locs(&out), ["repo/k8s/deep/api.yaml:10:11 SL104"]);
    let out = run(t
        .cmd()
        .args(["--format", "concise", "-q", "repo/k8s/deep/api.yaml"]));
    assert_eq!(concise_locs(&out), ["repo/k8s/deep/api.yaml:10:11 SL104"]);

    // Without a config in the repository, the one above `.git` is not used.
    fs::remove_file(t.path("repo/.scalelint.toml")).unwrap();
    let out = run(t
        .cmd_in("repo/k8s/deep")
        .args(["--format", "concise", "-q"]));
    assert_eq!(
        concise_locs(&out),
        ["api.yaml:10:11 SL101", "api.yaml:10:11 SL104"]
    );
    // Without `.git`, the search goes on up and finds it.
    fs::remove_dir(t.path("repo/.git")).unwrap();
    let out = run(t
        .cmd_in("repo/k8s/deep")
        .args(["--format", "concise", "-q"]));
    assert_eq!(concise_locs(&out), ["api.yaml:10:11 SL101"]);
}

#[test]
fn only_the_first_path_decides_the_config() {
    let t = Tree::new();
    t.write("a/.scalelint.toml", "ignore = [\"SL101\"]\n");
    t.write("a/api.yaml", FIRING);
    t.write("b/api.yaml", FIRING);
    // The config in a/ applies to the whole run.
    assert_eq!(
        concise_locs(&concise(&t, &["a", "b"])),
        Vec::<String>::new()
    );
    // b/ has none (and the search stops at the root's .git).
    assert_eq!(
        concise_locs(&concise(&t, &["b", "a"])),
        ["a/api.yaml:10:11 SL101", "b/api.yaml:10:11 SL101"]
    );
}

#[test]
fn scalelint_without_arguments_lints_the_working_directory() {
    let t = Tree::with_good();
    t.write("k8s/worker.yaml", NO_REQUESTS);
    let bare = run(&mut t.cmd());
    assert_eq!(bare.code, Some(1));
    assert!(bare.stdout.starts_with("good.yaml:10:11: SL101 [warning]"));
    assert!(
        bare.stdout
            .contains("k8s/worker.yaml:10:11: SL104 [warning]")
    );
    assert_eq!(run(t.cmd().arg(".")).stdout, bare.stdout);
    assert_eq!(run(t.cmd().arg("check")).stdout, bare.stdout);
    assert_eq!(run(t.cmd().args(["check", "."])).stdout, bare.stdout);
    // Options after `check` work as well.
    let out = run(t.cmd().args(["check", "--format", "concise", "-q", "k8s"]));
    assert_eq!(
        concise_locs(&out),
        ["k8s/worker.yaml:10:11 SL101", "k8s/worker.yaml:10:11 SL104"]
    );
}

// ---------------------------------------------------------------------------
// Parallelism, statistics, colour, quiet

#[test]
fn jobs_do_not_change_the_output() {
    let t = Tree::new();
    let dirs = ["a", "b/c", "d/e/f"];
    for i in 0..30 {
        let dir = dirs[i % 3];
        let name = format!("{dir}/f{i:02}.yaml");
        let text = match i % 5 {
            0 => format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  k{i}: a: b\n"),
            1 => FIRING.replace("name: api", &format!("name: api{i}")),
            2 => NO_REQUESTS.replace("worker", &format!("worker{i}")),
            3 => QUIET.to_string(),
            _ => format!("data:\n  x{i}: {{{{ .Values.x }}}}\n"),
        };
        t.write(&name, text);
    }
    let render = |args: &[&str]| {
        let out = run(t
            .cmd()
            .args(["--format", "json", "--show-skipped"])
            .args(args));
        out.assert_clean();
        out.stdout
    };
    let one = render(&["-j", "1"]);
    let v: Value = serde_json::from_str(&one).unwrap();
    // 6 × (SL901 + SL101 + SL101 + SL104 + SL902).
    assert_eq!(v["findings"].as_array().unwrap().len(), 30);
    assert_eq!(v["summary"]["files"], 30);
    for _ in 0..3 {
        assert_eq!(render(&["-j", "2"]), one);
    }
    assert_eq!(render(&["-j", "8"]), one);
    assert_eq!(render(&[]), one);
    // The human output too.
    let h1 = run(t.cmd().args(["-j", "1", "--show-skipped"])).stdout;
    let h2 = run(t.cmd().args(["-j", "2", "--show-skipped"])).stdout;
    assert_eq!(h1, h2);
}

#[test]
fn statistics_count_findings_per_rule_and_files() {
    let t = mixed_tree();
    t.write("blob.yaml", b"\0\0");
    let out = run(t.cmd().arg("--statistics"));
    assert_eq!(out.code, Some(1));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "     2  SL101  readiness-probe-missing                  [warning]",
            "     1  SL104  resource-requests-missing                [warning]",
            "     1  SL901  parse-error                              [error]",
            "",
        ]
    );
    assert_eq!(lines[4], "files:   4 found (4 yaml)");
    assert_eq!(
        lines[5],
        "         3 linted, 1 skipped (SL902 file-skipped), 0 of kinds not parsed yet"
    );
    // broken.yaml holds no object: it counts as other YAML.
    assert_eq!(lines[6], "yaml:    2 kubernetes, 1 other");
    assert_eq!(lines[7], "objects: 2 Kubernetes objects");
    assert!(lines[8].starts_with("time:    "));
    assert_eq!(lines.len(), 9);
}

#[test]
fn color_always_and_never() {
    let t = mixed_tree();
    for format in ["human", "concise"] {
        let out = run(t.cmd().args(["--format", format, "--color", "always"]));
        assert!(
            out.stdout.contains("\x1b[1;33mSL101\x1b[0m"),
            "{format}: {}",
            out.stdout
        );
        assert!(out.stdout.contains("\x1b[1;31mSL901\x1b[0m"), "{format}");
        for args in [&["--color", "never"][..], &["--color", "auto"], &[]] {
            let out = run(t.cmd().args(["--format", format]).args(args));
            assert!(!out.stdout.contains('\x1b'), "{format} {args:?}");
        }
        let out = run(t
            .cmd()
            .env("NO_COLOR", "1")
            .args(["--format", format, "--color", "auto"]));
        assert!(!out.stdout.contains('\x1b'));
    }
    // Machine formats never get colour.
    for format in ["json", "github"] {
        let out = run(t.cmd().args(["--format", format, "--color", "always"]));
        assert!(!out.stdout.contains('\x1b'), "{format}");
    }
    run(t.cmd().args(["--format", "json", "--color", "always"])).json();
}

/// Runs the binary with its stdout on a terminal, through util-linux
/// `script`. `None` when that is not available.
#[cfg(target_os = "linux")]
fn on_a_terminal(t: &Tree, args: &str, no_color: Option<&str>) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("scalelint");
    let quoted = format!("'{}'", bin.display().to_string().replace('\'', r"'\''"));
    let mut c = std::process::Command::new("script");
    c.args(["-q", "-e", "-c", &format!("{quoted} {args}"), "/dev/null"])
        .current_dir(&t.root)
        .stdin(std::process::Stdio::null())
        .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let o = c.output().ok()?;
    // 1: good.yaml's warning.
    if o.status.code() != Some(1) {
        return None;
    }
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
#[cfg(target_os = "linux")]
fn color_auto_follows_the_terminal_and_no_color() {
    let t = Tree::with_good();
    let Some(tty) = on_a_terminal(&t, "--format concise", None) else {
        eprintln!("SKIPPED color_auto_follows_the_terminal_and_no_color: `script` is not usable");
        return;
    };
    assert!(tty.contains("\x1b[1;33mSL101\x1b[0m"), "{tty:?}");
    let no_color = on_a_terminal(&t, "--format concise", Some("1")).unwrap();
    assert!(
        no_color.contains("good.yaml:10:11: SL101 [warning]"),
        "{no_color:?}"
    );
    assert!(!no_color.contains('\x1b'), "{no_color:?}");
    // An empty NO_COLOR does not count.
    let empty = on_a_terminal(&t, "--format concise", Some("")).unwrap();
    assert!(empty.contains('\x1b'), "{empty:?}");
    let never = on_a_terminal(&t, "--format concise --color never", None).unwrap();
    assert!(!never.contains('\x1b'), "{never:?}");
    // A report written to a file has no colour.
    let _ = on_a_terminal(&t, "--format concise -o report.txt", None).unwrap();
    let file = fs::read_to_string(t.path("report.txt")).unwrap();
    assert!(
        file.starts_with("good.yaml:10:11: SL101 [warning]"),
        "{file}"
    );
    assert!(!file.contains('\x1b'));
}

/// Runs the binary with stdout and stderr on a terminal (util-linux
/// `script`), the `CI` variable set or not; what the terminal showed.
#[cfg(target_os = "linux")]
fn terminal_screen(t: &Tree, args: &str, ci: bool) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("scalelint");
    let quoted = format!("'{}'", bin.display().to_string().replace('\'', r"'\''"));
    let mut c = std::process::Command::new("script");
    c.args([
        "-q",
        "-e",
        "-c",
        &format!("{quoted} {args} >/dev/null"),
        "/dev/null",
    ])
    .current_dir(&t.root)
    .stdin(std::process::Stdio::null())
    .env_remove("CI");
    if ci {
        c.env("CI", "true");
    }
    let o = c.output().ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
#[cfg(target_os = "linux")]
fn a_progress_bar_only_on_a_terminal_outside_ci_and_without_q() {
    // One file that takes the debug build well over a second to read.
    let t = Tree::new();
    let docs: Vec<String> = (0..20_000)
        .map(|i| {
            QUIET.replace(
                "name: web\n  namespace",
                &format!("name: web{i}\n  namespace"),
            )
        })
        .collect();
    t.write("big.yaml", docs.join("---\n"));
    let Some(screen) = terminal_screen(&t, "--format concise big.yaml", false) else {
        eprintln!(
            "SKIPPED a_progress_bar_only_on_a_terminal_outside_ci_and_without_q: `script` is not usable"
        );
        return;
    };
    assert!(screen.contains("scalelint: 0/1 files read ["), "{screen:?}");
    // Erased at the end: the last thing on the line is the clear-line code.
    assert!(screen.ends_with("\r\x1b[2K"), "{screen:?}");
    let ci = terminal_screen(&t, "--format concise big.yaml", true).unwrap();
    assert_eq!(ci, "", "no progress in a CI log");
    let quiet = terminal_screen(&t, "--format concise -q big.yaml", false).unwrap();
    assert_eq!(quiet, "", "no progress with -q");
}

#[test]
fn quiet_drops_the_summary() {
    let t = mixed_tree();
    t.write("blob.yaml", b"\0");
    for format in ["human", "concise"] {
        let full = run(t.cmd().args(["--format", format])).stdout;
        let quiet = run(t.cmd().args(["--format", format, "-q"]));
        assert_eq!(quiet.code, Some(1));
        let found = full.lines().find(|l| l.starts_with("Found ")).unwrap();
        assert_eq!(
            found,
            "Found 4 findings (1 error, 3 warnings) in 3 files linted, 1 skipped."
        );
        if format == "human" {
            assert!(full.ends_with("see them with --show-skipped.\n"), "{full}");
        }
        assert!(!quiet.stdout.contains("Found "), "{}", quiet.stdout);
        assert!(!quiet.stdout.contains("--show-skipped"));
        let without: String = full
            .lines()
            .filter(|l| !l.starts_with("Found ") && !l.contains("see them with --show-skipped"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(quiet.stdout, without, "{format}");
    }
    // -q with no findings prints nothing.
    let t = Tree::new();
    t.write("web.yaml", QUIET);
    let out = run(t.cmd().arg("-q"));
    assert_eq!(out.code, Some(0));
    assert_eq!(out.stdout, "");
}

// ---------------------------------------------------------------------------
// Subcommands, version, help

#[test]
fn version_and_help() {
    let t = Tree::new();
    let out = run(t.cmd().arg("--version"));
    assert_eq!(out.code, Some(0));
    assert_eq!(
        out.stdout,
        format!("scalelint {}\n", env!("CARGO_PKG_VERSION"))
    );

    let out = run(t.cmd().arg("--help"));
    assert_eq!(out.code, Some(0));
    for want in [
        "Examples:",
        "scalelint explain SL101",
        "scalelint --format sarif -o scalelint.sarif .",
        "Exit status: 0 no finding at or above --fail-on",
        "--show-skipped",
        "--fail-on <LEVEL>",
    ] {
        assert!(
            out.stdout.contains(want),
            "--help lacks {want:?}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn rules_lists_every_rule() {
    let t = Tree::new();
    let out = run(t.cmd().arg("rules"));
    assert_eq!(out.code, Some(0));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("id     name"), "{}", out.stdout);
    for (id, name, severity) in [
        ("SL101", "readiness-probe-missing", "warning"),
        ("SL104", "resource-requests-missing", "warning"),
        ("SL901", "parse-error", "error"),
        ("SL902", "file-skipped", "note"),
    ] {
        let line = lines
            .iter()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("no {id}: {}", out.stdout));
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[..3], [id, name, severity], "{line}");
        assert!(words.len() > 3, "{id} has no summary");
    }

    let out = run(t.cmd().args(["rules", "--format", "json"]));
    assert_eq!(out.code, Some(0));
    let v = out.json();
    let list = v.as_array().unwrap();
    for (id, name, severity) in [
        ("SL101", "readiness-probe-missing", "warning"),
        ("SL104", "resource-requests-missing", "warning"),
        ("SL901", "parse-error", "error"),
        ("SL902", "file-skipped", "note"),
    ] {
        let r = list
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {v:#}"));
        assert_eq!(r["name"], name);
        assert_eq!(r["severity"], severity);
        assert!(!r["summary"].as_str().unwrap().is_empty());
    }
    // The table and the JSON list the same rules, in the same order.
    let ids: Vec<&str> = list.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let table_ids: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(ids, table_ids);
}

#[test]
fn explain_prints_the_rule_doc_by_id_or_name() {
    let t = Tree::new();
    let by_id = run(t.cmd().args(["explain", "SL101"]));
    assert_eq!(by_id.code, Some(0));
    assert!(
        by_id
            .stdout
            .starts_with("SL101 readiness-probe-missing (warning)\n\n"),
        "{}",
        by_id.stdout
    );
    for section in [
        "Why this matters:\n",
        "How to fix:\n",
        "Example that fires:\n",
        "Fixed:\n",
        "Sources:\n    https://",
        "Leave it out with `--ignore SL101`",
    ] {
        assert!(by_id.stdout.contains(section), "lacks {section:?}");
    }
    let by_name = run(t.cmd().args(["explain", "readiness-probe-missing"]));
    assert_eq!(by_name.code, Some(0));
    assert_eq!(by_name.stdout, by_id.stdout);

    let out = run(t.cmd().args(["explain", "SL902"]));
    assert!(out.stdout.starts_with("SL902 file-skipped (note)\n"));

    let out = run(t.cmd().args(["explain", "SL999"]));
    assert_eq!(out.code, Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        out.stderr,
        "scalelint: unknown rule `SL999` (see `scalelint rules`)\n"
    );
}

// ---------------------------------------------------------------------------
// Snapshots of one small tree

fn snapshot_tree() -> Tree {
    let t = Tree::new();
    t.write("k8s/api.yaml", FIRING);
    t.write("k8s/web.yaml", QUIET);
    t.write(
        "k8s/settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast: yes\n",
    );
    t.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    t.write(
        "chart/templates/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    t
}

#[test]
fn snapshot_human() {
    let t = snapshot_tree();
    let out = run(&mut t.cmd());
    assert_eq!(out.code, Some(1));
    insta::assert_snapshot!("human", out.stdout);
}

#[test]
fn snapshot_human_show_skipped() {
    let t = snapshot_tree();
    let out = run(t.cmd().arg("--show-skipped"));
    assert_eq!(out.code, Some(1));
    insta::assert_snapshot!("human_show_skipped", out.stdout);
}

#[test]
fn snapshot_concise() {
    let t = snapshot_tree();
    let out = run(t.cmd().args(["--format", "concise", "--show-skipped"]));
    assert_eq!(out.code, Some(1));
    insta::assert_snapshot!("concise", out.stdout);
}

/// Wrongly typed or missing fields in the objects the SL1/SL2 rules join:
/// no crash, no guess. Only the findings that hold whatever the broken
/// field meant are reported.
#[test]
fn wrongly_typed_workload_and_autoscaler_fields_are_not_guessed_at() {
    let t = Tree::new();
    t.write(
        "broken.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: "three"
  strategy:
    rollingUpdate: {maxSurge: 1.5, maxUnavailable: -1}
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      terminationGracePeriodSeconds: soon
      containers: {}
      initContainers: "none"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: shop}
spec:
  replicas: -4
  selector: "app=worker"
  template:
    metadata: {labels: [app, worker]}
    spec:
      containers:
        - "not a container"
        - name: worker
          image: worker:1
          ports: {http: 8080}
          resources: {requests: [cpu]}
          livenessProbe: {httpGet: "/healthz", failureThreshold: many}
          readinessProbe: {httpGet: "/healthz", periodSeconds: [1]}
          lifecycle: {preStop: {sleep: {seconds: forever}}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: "app=api"}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api, namespace: shop}
spec:
  minAvailable: 1.5
  selector: {matchLabels: {app: api}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: worker, namespace: shop}
spec:
  maxUnavailable: 0
  selector: {matchExpressions: [{key: app, operator: Near, values: [worker]}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {kind: Deployment}
  minReplicas: -1
  maxReplicas: "ten"
  metrics: {cpu: 80}
  behavior: {scaleDown: {stabilizationWindowSeconds: long}}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: worker, namespace: shop}
spec:
  scaleTargetRef: {}
  minReplicaCount: "0"
  maxReplicaCount: 1e3
  cooldownPeriod: [30]
  triggers: {kafka: orders}
---
apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata: {name: worker, namespace: shop}
spec:
  targetRef: {kind: Deployment, name: [worker]}
  updatePolicy: {updateMode: 7}
  resourcePolicy: {containerPolicies: {cpu: off}}
---
apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  targetRef: "Deployment/api"
  updatePolicy: [Auto]
"#,
    );
    let out = run(t
        .cmd()
        .args(["--format", "json", "--select", "SL1,SL2", "."]));
    assert!(matches!(out.code, Some(0 | 1)), "crash? {}", out.stderr);
    let v = out.json();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // Guesses that must not happen: a replica count, a rollout, a budget,
    // a grace period, a probe window or an autoscaler target read out of
    // values that are not what the field takes.
    for silent in [
        "SL102", "SL106", "SL108", "SL109", "SL110", "SL111", "SL201", "SL202", "SL204", "SL206",
        "SL209", "SL210", "SL112", "SL211", "SL212", "SL213",
    ] {
        assert!(!rules.contains(&silent), "{silent} guessed: {v:#}");
    }
}

/// `[[facts.database]]` and `[[facts.topic]]` describe servers and topics
/// outside the tree; findings point into the workloads and name the config
/// file's line as the related location.
#[test]
fn declared_facts_in_the_config_join_the_capacity_rules() {
    let t = Tree::new();
    t.write(
        ".scalelint.toml",
        "[[facts.database]]\nhost = \"orders.cluster-abc.eu-west-1.rds.amazonaws.com\"\nmax_connections = 90\n\n[[facts.topic]]\nname = \"orders\"\npartitions = 4\n",
    );
    t.write(
        "k8s/api.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  annotations:
    scalelint.io/consumes: orders/order-api
spec:
  replicas: 6
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: api:1
          env:
            - name: DATABASE_URL
              value: postgresql://app@orders.cluster-abc.eu-west-1.rds.amazonaws.com:5432/orders
            - name: DB_POOL_SIZE
              value: "15"
"#,
    );
    let out = run(t
        .cmd()
        .args(["--format", "json", "--select", "SL401,SL402", "."]));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let v = out.json();
    assert_eq!(
        locs(&v),
        ["k8s/api.yaml:2:1 SL402", "k8s/api.yaml:21:22 SL401"],
        "{v:#}"
    );
    let pool = finding(&v, "k8s/api.yaml", "SL401");
    let msg = pool["message"].as_str().unwrap();
    assert!(
        msg.contains(
            "pool 15 (DB_POOL_SIZE) × 6 max replicas (spec.replicas of Deployment shop/api) = 90"
        ),
        "{msg}"
    );
    assert!(
        msg.contains("90 > 87 usable of max_connections 90 ([[facts.database]])"),
        "{msg}"
    );
    assert_eq!(pool["related"][0]["path"], ".scalelint.toml");
    assert_eq!(pool["related"][0]["line"], 3);
    let topic = finding(&v, "k8s/api.yaml", "SL402");
    assert_eq!(topic["related"][0]["path"], ".scalelint.toml");
    assert_eq!(topic["related"][0]["line"], 7);

    // A value the config cannot mean is SL905 with its position.
    t.write(
        ".scalelint.toml",
        "[[facts.database]]\nhost = \"db\"\nmax_connections = -5\n",
    );
    let out = run(t.cmd().args(["--format", "concise", "."]));
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains(".scalelint.toml:3:19: SL905"),
        "{}",
        out.stderr
    );
}

/// `--explain-facts` shows what the model linked instead of the findings:
/// the replica envelope with its sources, and a database with its client.
#[test]
fn explain_facts_lists_links_and_numbers() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let out = run(Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(&demo)
        .args(["check", "--explain-facts", "."]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("  Deployment shop/checkout-api (k8s/checkout/deployment.yaml:2)\n    replicas: 3 to 15 (minReplicas of HorizontalPodAutoscaler shop/checkout-api; maxReplicas of HorizontalPodAutoscaler shop/checkout-api)\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("pool 10 (DB_POOL_SIZE) (k8s/checkout/configmap.yaml:12), processes 4 (gunicorn --workers), max replicas 15 = 600 connections"),
        "{}",
        out.stdout
    );
    let out = run(Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(&demo)
        .args(["check", "--explain-facts", "--format", "json", "."]));
    let v = out.json();
    let db = &v["databases"][0];
    assert_eq!(db["usable"], 402);
    assert_eq!(db["max_connections"]["at"]["path"], ".scalelint.toml");
    assert_eq!(db["clients"][0]["connections"], 600);
    let worker = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workload"] == "Deployment shop/notifications-worker")
        .unwrap();
    assert_eq!(worker["replicas"]["max"]["value"], 12);
    assert_eq!(worker["served"], false);
}

/// Inline suppressions work in Sentinel configs (a `#` line above the
/// directive) as in YAML.
#[test]
fn a_comment_above_a_sentinel_directive_suppresses_it() {
    let t = Tree::new();
    t.write(
        "sentinel.conf",
        "port 26379\nsentinel monitor main 10.0.0.5 6379 2\n# scalelint-ignore: SL305 -- chaos lab\nsentinel down-after-milliseconds main 1000\nsentinel monitor jobs 10.0.0.6 6379 2\nsentinel down-after-milliseconds jobs 1000\n",
    );
    let out = run(t.cmd().args([
        "--format",
        "json",
        "--include-suppressed",
        "--select",
        "SL305",
        ".",
    ]));
    let v = out.json();
    let got: Vec<(u64, bool)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["suppressed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [(4, true), (6, false)], "{v:#}");
    assert_eq!(out.code, Some(1));
}

/// `replicas: 0` under an HPA that then stops acting is SL211's finding;
/// SL202 reports it only when SL211 does not run.
#[test]
fn zero_replicas_under_an_hpa_is_sl211_not_sl202() {
    let t = Tree::new();
    t.write(
        "k8s/worker.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: jobs}
spec:
  replicas: 0
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
        - name: worker
          image: worker:1
          resources: {requests: {cpu: 100m, memory: 128Mi}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: worker, namespace: jobs}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: worker}
  minReplicas: 2
  maxReplicas: 6
"#,
    );
    let both = run(t
        .cmd()
        .args(["--format", "json", "--select", "SL202,SL211", "."]));
    both.assert_clean();
    assert_eq!(locs(&both.json()), ["k8s/worker.yaml:5:3 SL211"]);
    let alone = run(t.cmd().args(["--format", "json", "--select", "SL202", "."]));
    alone.assert_clean();
    assert_eq!(locs(&alone.json()), ["k8s/worker.yaml:5:3 SL202"]);
}

// ---------------------------------------------------------------------------
// docker compose variables

const COMPOSE_WITH_VARIABLES: &str = "services:
  db:
    image: postgres:16.4
    command: [\"postgres\", \"-c\", \"max_connections=40\"]
  api:
    image: ghcr.io/acme/api:2.0.0
    env_file: ${ENV_DIR:-.}/api.env
    environment:
      DATABASE_URL: postgresql://app@db:5432/app
      DB_POOL_SIZE: ${POOL}
    deploy:
      replicas: 3
";

#[test]
fn compose_variables_come_from_the_tree_never_from_the_host() {
    let t = Tree::new();
    t.write("app/compose.yaml", COMPOSE_WITH_VARIABLES);
    // POOL is set only in the environment scalelint runs in: unknown.
    let out = run(t
        .cmd()
        .args(["--format", "json", "--select", "SL401"])
        .env("POOL", "50"));
    out.assert_clean();
    assert!(locs(&out.json()).is_empty(), "{}", out.stdout);

    // The project's .env sets it; a file named alone reads its .env too.
    t.write(
        "app/.env",
        "# pool per process\nPOOL=\"15\" # 3 × 15 = 45 > 37\n",
    );
    for args in [vec!["."], vec!["app/compose.yaml"]] {
        let out = run(t
            .cmd()
            .args(["--format", "json", "--select", "SL401"])
            .args(&args));
        out.assert_clean();
        assert_eq!(locs(&out.json()), ["app/compose.yaml:10:21 SL401"]);
    }
}

#[test]
fn env_file_values_point_into_the_env_file_and_stay_inside_the_root() {
    let t = Tree::new();
    t.write(
        "app/compose.yaml",
        COMPOSE_WITH_VARIABLES.replace("      DB_POOL_SIZE: ${POOL}\n", ""),
    );
    t.write("app/api.env", "DB_POOL_SIZE=20\n");
    // An env file beside the scanned directory is never read.
    t.write("outside.env", "DB_POOL_SIZE=20\n");
    let out = run(t
        .cmd_in("app")
        .args(["--format", "json", "--select", "SL401", "."]));
    out.assert_clean();
    assert_eq!(locs(&out.json()), ["api.env:1:1 SL401"]);
    t.write(
        "app/compose.yaml",
        COMPOSE_WITH_VARIABLES
            .replace("      DB_POOL_SIZE: ${POOL}\n", "")
            .replace("${ENV_DIR:-.}/api.env", "../outside.env"),
    );
    let out = run(t
        .cmd_in("app")
        .args(["--format", "json", "--select", "SL401", "."]));
    out.assert_clean();
    assert!(locs(&out.json()).is_empty(), "{}", out.stdout);
}

#[test]
fn broken_interpolation_is_silent() {
    let t = Tree::new();
    for (i, bad) in [
        "${",
        "${POOL",
        "${POOL:-${X}",
        "}}${{",
        "$",
        "${POOL:?}",
        "${1}",
    ]
    .iter()
    .enumerate()
    {
        t.write(
            &format!("p{i}/compose.yaml"),
            COMPOSE_WITH_VARIABLES.replace("${POOL}", &format!("\"{bad}\"")),
        );
        t.write(
            &format!("p{i}/.env"),
            format!("A=${{B}}\nB=${{A}}\nC=\"{bad}\nPOOL='{bad}'\n"),
        );
    }
    let out = run(t.cmd().args(["--format", "json", "--select", "SL401"]));
    out.assert_clean();
    assert!(locs(&out.json()).is_empty(), "{}", out.stdout);
}
