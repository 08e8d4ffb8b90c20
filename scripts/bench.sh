#!/usr/bin/env bash
# Speed, memory and accuracy of scalelint on the synthetic monorepo of
# ../shared/bench (gen_corpus.py), against the saphyr parse-only anchor.
#
#   scripts/bench.sh [--install] [--sizes "100 1000 10000"] [--runs N]
#
# Steps (see BENCHMARKS.md for the results and how to read them):
#   1. corpora: gen_corpus.py --services N --out $WORK/sN --seed 1 (skipped when
#      $WORK/sN/ground-truth.json exists);
#   2. builds scalelint (cargo build --release --locked, into the repo's target/)
#      and the parse-only anchor exactly as ../shared/bench/bench.sh does (its
#      Cargo.toml is taken from that script; a scratch crate outside the repo);
#   3. times `scalelint check --format json --fail-on never -o /dev/null` and
#      `parse-anchor saphyr DIR 2` on sN/k8s and on the whole sN, with hyperfine
#      (median of RUNS runs after one warm-up; else a loop of /usr/bin/time),
#      peak RSS with /usr/bin/time -v, and `scalelint --version` (hyperfine -N
#      mean);  prints a table, a linearity check and the targets;
#   4. times `cat` of the same files (the I/O floor) and, where installed, the
#      peers Checkov (`checkov -d sN/k8s --framework kubernetes --skip-download`)
#      and Trivy (`trivy config sN/k8s`) on the k8s/ subtree, at the sizes in
#      PEER_SIZES (Checkov grows faster than linearly); a missing peer is
#      reported as skipped with the reason;
#   5. at the largest size, times scalelint and the anchor in alternating pairs
#      (PAIRS_N) and reports the median of the per-pair ratios;
#   6. scores precision/recall with scripts/accuracy-check (the benchmark's own
#      scorer) and lists every SL901 finding and every disagreement.
#
# Only --install touches the network beyond cargo's crates.io downloads: it runs
# `apt-get install -y hyperfine` when hyperfine is missing and
# `pip install pyyaml` when PyYAML is missing.
#
# Environment:
#   WORK        corpora and results           (default /tmp/scalelint-bench)
#   OUT         results (hyperfine JSON, time -v logs, summary.md) (default $WORK/results)
#   SHARED      the shared bench directory     (default <repo>/../shared/bench)
#   ANCHOR_DIR  scratch crate of the anchor    (default ${TMPDIR:-/tmp}/scalelint-parse-anchor, as bench.sh)
#   RUNS        timed runs per command         (default 5, at least 5 recommended)
#   PAIRS_N     alternating scalelint/anchor pairs per scope at the largest size,
#               for the paired ratio (default: 2 × RUNS)
#   RSS_RUNS    runs under /usr/bin/time -v per command; peak RSS is their
#               median, since one run varies by several MiB (default: RUNS)
#   BUSY_MAX    % of all CPUs that other processes may use before/while a measurement
#               runs; above it the measurement is repeated (default 15)
#   RETRIES     how many times a disturbed measurement is repeated (default 3)
#   PEER_SIZES  sizes at which Checkov and Trivy are timed (default "100 1000")
#   PEER_RUNS   timed runs per peer command (default 1)
#   CHECKOV, TRIVY  the peers' commands (default: checkov / trivy on PATH)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared/bench}
WORK=${WORK:-/tmp/scalelint-bench}
RUNS=${RUNS:-5}
RSS_RUNS=${RSS_RUNS:-$RUNS}
PAIRS_N=${PAIRS_N:-$((2 * RUNS))}
SIZES="100 1000 10000"
INSTALL=0
BUSY_MAX=${BUSY_MAX:-15}
RETRIES=${RETRIES:-3}
PEER_SIZES=${PEER_SIZES:-100 1000}
PEER_RUNS=${PEER_RUNS:-1}
CHECKOV=${CHECKOV:-checkov}
TRIVY=${TRIVY:-trivy}

while [ $# -gt 0 ]; do
  case $1 in
    --install) INSTALL=1 ;;
    --sizes) SIZES=${2:?--sizes needs a list}; shift ;;
    --runs) RUNS=${2:?--runs needs a number}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "bench.sh: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }
[ -d "$SHARED" ] || die "no shared bench directory at $SHARED (set SHARED=...)"
SHARED=$(cd "$SHARED" && pwd)
for f in gen_corpus.py check_truth.py parse_anchor.rs bench.sh; do
  [ -f "$SHARED/$f" ] || die "missing $SHARED/$f"
done
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed for peak RSS (apt-get install time)"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
OUT=${OUT:-$WORK/results}
mkdir -p "$OUT"
ROWS="$OUT/rows.tsv"
: > "$ROWS"
PAIRS="$OUT/pairs.tsv"
: > "$PAIRS"

# ---------------------------------------------------------------- tools
if ! command -v hyperfine >/dev/null; then
  if [ "$INSTALL" = 1 ]; then
    say "installing hyperfine"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get install -y hyperfine >&2 || { $SUDO apt-get update >&2 && $SUDO apt-get install -y hyperfine >&2; }
  else
    say "hyperfine not found: falling back to a loop of /usr/bin/time (pass --install to apt-get it)"
  fi
fi
if ! python3 -c 'import yaml' 2>/dev/null; then
  if [ "$INSTALL" = 1 ]; then
    say "installing PyYAML"
    python3 -m pip install --quiet pyyaml >&2
  else
    die "check_truth.py needs PyYAML: pass --install, or pip install pyyaml"
  fi
fi
HAVE_HF=0
command -v hyperfine >/dev/null && HAVE_HF=1

# ---------------------------------------------------------------- corpora
for n in $SIZES; do
  c="$WORK/s$n"
  if [ -f "$c/ground-truth.json" ]; then
    say "corpus s$n present"
  else
    say "generating s$n"
    rm -rf "$c"   # a partial tree from an interrupted run (ground-truth.json is written last)
    python3 "$SHARED/gen_corpus.py" --services "$n" --out "$c" --seed 1 >/dev/null
  fi
done

# ---------------------------------------------------------------- builds
say "building scalelint (release, --locked)"
(cd "$ROOT" && CARGO_TARGET_DIR="$ROOT/target" cargo build --release --locked --quiet)
BIN="$ROOT/target/release/scalelint"

say "building the parse-only anchor (as $SHARED/bench.sh does)"
A=${ANCHOR_DIR:-${TMPDIR:-/tmp}/scalelint-parse-anchor}
mkdir -p "$A/src"
# The anchor's Cargo.toml is the here-document in the shared bench.sh, so both
# scripts always build the same program.
awk 'index($0, "Cargo.toml\" <<") { f = 1; next } f && $0 == "EOF" { exit } f { print }' \
  "$SHARED/bench.sh" > "$A/Cargo.toml.new"
grep -q '^saphyr = ' "$A/Cargo.toml.new" || die "could not extract the anchor's Cargo.toml from $SHARED/bench.sh"
# Keep the file's mtime (and cargo's fingerprint) when nothing changed.
if cmp -s "$A/Cargo.toml.new" "$A/Cargo.toml"; then rm "$A/Cargo.toml.new"; else mv "$A/Cargo.toml.new" "$A/Cargo.toml"; fi
cmp -s "$SHARED/parse_anchor.rs" "$A/src/main.rs" || cp "$SHARED/parse_anchor.rs" "$A/src/main.rs"
(cd "$A" && CARGO_TARGET_DIR="$A/target" cargo build --release --quiet)
P="$A/target/release/parse-anchor"

# ---------------------------------------------------------------- load guard
# Percentage of all CPUs busy over the next second (other processes may be
# compiling on this machine).
cpu_jiffies() { awk '/^cpu / { print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6 }' /proc/stat; }
cpu_busy() {
  local t1 i1 t2 i2
  read -r t1 i1 < <(cpu_jiffies); sleep 1; read -r t2 i2 < <(cpu_jiffies)
  echo $(( t2 > t1 ? 100 * ((t2 - t1) - (i2 - i1)) / (t2 - t1) : 0 ))
}
# Wait (up to 2 minutes) until the machine is quiet; prints the last sample.
wait_quiet() {
  local b
  for _ in $(seq 24); do
    b=$(cpu_busy)
    [ "$b" -le "$BUSY_MAX" ] && break
    echo "   machine busy ($b% of all CPUs): waiting 5 s" >&2
    sleep 4
  done
  echo "$b"
}
# CPU seconds used by this shell's finished children (hyperfine and what it
# runs), into CHILD_CPU.  `times` must run in this shell, not in a $(...) subshell.
children_cpu() {
  times > "$OUT/.times"
  CHILD_CPU=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } print s }' "$OUT/.times")
}

# ---------------------------------------------------------------- timing
# timeit NAME FILES BYTES CMD...  -> one line in $ROWS:
# name files bytes wall_median_s cpu_median_s rss_MiB wall_stddev_s foreign_cpu_% busy_before_% rss_max_MiB
# (rss_MiB is the median peak RSS of the RSS runs, rss_max_MiB their largest)
timeit() {
  local name=$1 files=$2 bytes=$3; shift 3
  local attempt med cpu sd rss before t1 i1 t2 i2 c1 c2 w1 w2 foreign
  local ncpu; ncpu=$(nproc)
  for attempt in $(seq $((RETRIES + 1))); do
    echo "   [$name] uptime:$(uptime | sed 's/.*up/ up/')" >&2
    before=$(wait_quiet)
    read -r t1 i1 < <(cpu_jiffies); children_cpu; c1=$CHILD_CPU; w1=$EPOCHREALTIME
    if [ "$HAVE_HF" = 1 ]; then
      hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$OUT/$name.json" -- "$(printf '%q ' "$@")" \
        > "$OUT/$name.hyperfine.txt" 2>&1 || { cat "$OUT/$name.hyperfine.txt" >&2; die "$name failed"; }
      read -r med cpu sd < <(python3 - "$OUT/$name.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"][0]
cpu = [u + s for u, s in zip(r["user"], r["system"])] if isinstance(r["user"], list) else [r["user"] + r["system"]]
print(statistics.median(r["times"]), statistics.median(cpu), r["stddev"] or 0)
PY
)
    else
      local ws=() cs=() s u k
      "$@" >/dev/null 2>&1 || die "$name failed: $*"   # warm-up
      for _ in $(seq "$RUNS"); do
        s=$EPOCHREALTIME
        /usr/bin/time -f '%U %S' -o "$OUT/$name.t" "$@" >/dev/null 2>&1 || die "$name failed: $*"
        ws+=("$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$s" "$EPOCHREALTIME")")
        read -r u k < "$OUT/$name.t"; cs+=("$u+$k")
      done
      read -r med cpu sd < <(python3 -c '
import statistics, sys
w = [float(x) for x in sys.argv[1].split()]; c = [eval(x) for x in sys.argv[2].split()]
print(statistics.median(w), statistics.median(c), statistics.stdev(w) if len(w) > 1 else 0)' "${ws[*]}" "${cs[*]}")
    fi
    local rsss=() _r
    for _r in $(seq "${RSS_RUNS_NOW:-$RSS_RUNS}"); do
      /usr/bin/time -v -o "$OUT/$name.timev" "$@" >/dev/null 2>&1 || die "$name failed under time -v"
      rsss+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$OUT/$name.timev")")
    done
    read -r t2 i2 < <(cpu_jiffies); children_cpu; c2=$CHILD_CPU; w2=$EPOCHREALTIME
    # CPU the whole machine used during the measurement minus what we used,
    # as % of all CPUs: other people's work that may have disturbed ours.
    foreign=$(python3 -c '
import os, sys
t1, i1, t2, i2, c1, c2, w1, w2, n = map(float, sys.argv[1:])
hz = os.sysconf("SC_CLK_TCK")
busy = ((t2 - t1) - (i2 - i1)) / hz
print(max(0, round(100 * (busy - (c2 - c1)) / ((w2 - w1) * n))))' "$t1" "$i1" "$t2" "$i2" "$c1" "$c2" "$w1" "$w2" "$ncpu")
    if [ "$before" -le "$BUSY_MAX" ] && [ "$foreign" -le "$BUSY_MAX" ]; then break; fi
    if [ "$attempt" -le "$RETRIES" ]; then
      echo "   [$name] disturbed (busy before $before%, other processes during $foreign%): measuring again" >&2
    else
      echo "   [$name] WARNING: still disturbed after $RETRIES retries; result kept but marked" >&2
    fi
  done
  read -r rss rss_max < <(python3 -c '
import statistics, sys
k = [int(x) for x in sys.argv[1:]]
print(f"{statistics.median(k) / 1024:.1f} {max(k) / 1024:.1f}")' "${rsss[@]}")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$files" "$bytes" "$med" "$cpu" "$rss" "$sd" "$foreign" "$before" "$rss_max" >> "$ROWS"
  echo "   [$name] median $(printf '%.3f' "$med") s, peak RSS $rss MiB (median of ${#rsss[@]}, max $rss_max), others used $foreign% during it" >&2
}

# paired NAME -- CMD_A... -- CMD_B...  -> one line in $PAIRS:
# name pairs median_ratio min_ratio max_ratio
# Runs A and B one after the other, PAIRS_N times, and takes the median of the
# per-pair ratios A/B: a change in the machine's speed between two blocks of
# runs moves the ratio of block medians, not the ratio within a pair.
paired() {
  local name=$1 s a b ratios=()
  shift 2
  local A=() B=()
  while [ "$1" != -- ]; do A+=("$1"); shift; done
  shift
  B=("$@")
  wait_quiet >/dev/null
  for _ in $(seq "$PAIRS_N"); do
    s=$EPOCHREALTIME; "${A[@]}" >/dev/null 2>&1 || die "$name failed: ${A[*]}"
    a=$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$s" "$EPOCHREALTIME")
    s=$EPOCHREALTIME; "${B[@]}" >/dev/null 2>&1 || die "$name failed: ${B[*]}"
    b=$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$s" "$EPOCHREALTIME")
    ratios+=("$(python3 -c 'import sys; print(float(sys.argv[1]) / float(sys.argv[2]))' "$a" "$b")")
  done
  python3 -c '
import statistics, sys
r = [float(x) for x in sys.argv[2:]]
print(f"{sys.argv[1]}\t{len(r)}\t{statistics.median(r):.3f}\t{min(r):.3f}\t{max(r):.3f}")' "$name" "${ratios[@]}" >> "$PAIRS"
  echo "   [$name] paired ratio: $(tail -n 1 "$PAIRS" | cut -f3) (median of $PAIRS_N pairs)" >&2
}

count() { # dir find-predicates... -> "files bytes"
  local d=$1; shift
  find "$d" -type f \( "$@" \) -printf '%s\n' | awk '{ n++; s += $1 } END { printf "%d %d\n", n, s }'
}

for n in $SIZES; do
  c="$WORK/s$n"
  for scope in k8s all; do
    # files/bytes: everything scalelint is given; the anchor reads the YAML part only.
    if [ "$scope" = k8s ]; then dir="$c/k8s"; else dir="$c"; fi
    read -r files bytes < <(count "$dir" ! -name ground-truth.json)
    read -r yfiles ybytes < <(count "$dir" -name '*.yaml' -o -name '*.yml')
    say "s$n/$scope: $files files, $bytes bytes ($yfiles YAML files, $ybytes bytes)"
    timeit "s$n-$scope-scalelint" "$files" "$bytes" "$BIN" check --format json --fail-on never -o /dev/null "$dir"
    timeit "s$n-$scope-anchor" "$yfiles" "$ybytes" "$P" saphyr "$dir" 2
    # The I/O floor: reading the same bytes and nothing else.
    # shellcheck disable=SC2016 # $1 is expanded by the inner sh
    timeit "s$n-$scope-cat" "$files" "$bytes" sh -c 'find "$1" -type f ! -name ground-truth.json -print0 | xargs -0 cat > /dev/null' sh "$dir"
    if [ "$n" = "${SIZES##* }" ]; then
      paired "s$n-$scope" -- "$BIN" check --format json --fail-on never -o /dev/null "$dir" -- "$P" saphyr "$dir" 2
    fi
  done
done

# ---------------------------------------------------------------- peers
# Kubernetes linters on the k8s/ subtree, where installed. Checkov's time grows
# faster than linearly, so only at PEER_SIZES.
PEERS_SKIPPED=""
peer_available() { # name command -> 0 if runnable, else records why not
  if command -v "$2" >/dev/null 2>&1; then return 0; fi
  PEERS_SKIPPED="$PEERS_SKIPPED$1 skipped: \`$2\` not found (install it, or set ${1^^}=/path/to/it)\n"
  return 1
}
HAVE_CHECKOV=0; HAVE_TRIVY=0
peer_available checkov "$CHECKOV" && HAVE_CHECKOV=1
peer_available trivy "$TRIVY" && HAVE_TRIVY=1
for n in $PEER_SIZES; do
  case " $SIZES " in *" $n "*) ;; *) continue ;; esac
  dir="$WORK/s$n/k8s"
  read -r files bytes < <(count "$dir" -name '*')
  if [ "$HAVE_CHECKOV" = 1 ]; then
    say "s$n/k8s: checkov"
    # --soft-fail: Checkov exits 1 whenever a check fails, which it does on
    # these files; the timing needs the run, not the verdict.
    RUNS=$PEER_RUNS RSS_RUNS_NOW=1 timeit "s$n-k8s-checkov" "$files" "$bytes" \
      "$CHECKOV" -d "$dir" --framework kubernetes --quiet --compact --skip-download --soft-fail -o json --output-file-path "$OUT/checkov-s$n"
  fi
  if [ "$HAVE_TRIVY" = 1 ]; then
    say "s$n/k8s: trivy"
    RUNS=$PEER_RUNS RSS_RUNS_NOW=1 timeit "s$n-k8s-trivy" "$files" "$bytes" "$TRIVY" config --skip-check-update -q -f json -o "$OUT/trivy-s$n.json" "$dir"
  fi
done
[ -n "$PEERS_SKIPPED" ] && printf "%b" "$PEERS_SKIPPED" | sed 's/^/   /' >&2

say "scalelint --version"
echo "   uptime:$(uptime | sed 's/.*up/ up/')" >&2
wait_quiet >/dev/null
if [ "$HAVE_HF" = 1 ]; then
  hyperfine -N --warmup 20 --runs 300 --export-json "$OUT/version.json" "$BIN --version" > "$OUT/version.hyperfine.txt" 2>&1
  VERSION_MS=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["results"][0]["mean"] * 1000, 2))' "$OUT/version.json")
else
  s=$EPOCHREALTIME
  for _ in $(seq 300); do "$BIN" --version >/dev/null; done
  VERSION_MS=$(python3 -c 'import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) / 300 * 1000, 2))' "$s" "$EPOCHREALTIME")
fi

# ---------------------------------------------------------------- report
python3 - "$ROWS" "$VERSION_MS" "$OUT/summary.md" "$RUNS" "$HAVE_HF" "$RSS_RUNS" "$PAIRS" <<'PY'
import sys
rows = {}
for ln in open(sys.argv[1]):
    name, f, b, w, c, r, sd, foreign, before, rmax = ln.rstrip("\n").split("\t")
    rows[name] = dict(files=int(f), bytes=int(b), wall=float(w), cpu=float(c), rss=float(r),
                      sd=float(sd), foreign=int(foreign), before=int(before), rss_max=float(rmax))
version_ms = float(sys.argv[2])
runs, hf, rss_runs = sys.argv[4], sys.argv[5] == "1", sys.argv[6]
pairs = {}
for ln in open(sys.argv[7]):
    name, k, med, lo, hi = ln.rstrip("\n").split("\t")
    pairs[name] = dict(n=int(k), med=float(med), lo=float(lo), hi=float(hi))
sizes = sorted({int(k.split("-")[0][1:]) for k in rows})
out = []
p = out.append
p(f"Wall times are medians of {runs} runs after one warm-up ({'hyperfine' if hf else '/usr/bin/time loop'}), ± the standard deviation; "
  "anchor = `parse-anchor saphyr DIR 2`, which reads the YAML files only (their count in parentheses); "
  f"files/s counts every file given to scalelint; peak RSS is the median of {rss_runs} runs under `/usr/bin/time -v` "
  "(the largest of them in parentheses).")
p("")
p("| corpus | scope | files (YAML) | MB (YAML) | scalelint wall (s) | anchor wall (s) | ratio sl/anchor | cat wall (s) | scalelint CPU (s) | scalelint peak RSS (MiB) | anchor peak RSS (MiB) | scalelint files/s | scalelint MB/s | others' CPU during (%) |")
p("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for n in sizes:
    for scope in ("k8s", "all"):
        s, a = rows.get(f"s{n}-{scope}-scalelint"), rows.get(f"s{n}-{scope}-anchor")
        if not s or not a:
            continue
        fy = str(s['files']) if a['files'] == s['files'] else f"{s['files']} ({a['files']})"
        my = f"{s['bytes']/1e6:.1f}" if a['bytes'] == s['bytes'] else f"{s['bytes']/1e6:.1f} ({a['bytes']/1e6:.1f})"
        c = rows.get(f"s{n}-{scope}-cat")
        cat = f"{c['wall']:.3f}" if c else "-"
        p(f"| s{n} | {'k8s/' if scope == 'k8s' else 'whole tree'} | {fy} | {my} | "
          f"{s['wall']:.3f} ± {s['sd']:.3f} | {a['wall']:.3f} ± {a['sd']:.3f} | {s['wall']/a['wall']:.2f} | {cat} | {s['cpu']:.3f} | "
          f"{s['rss']:.1f} ({s['rss_max']:.1f}) | {a['rss']:.1f} | {s['files']/s['wall']:,.0f} | {s['bytes']/1e6/s['wall']:.1f} | {max(s['foreign'], a['foreign'])} |")
p("")
if pairs:
    p("Paired ratios at the largest size: scalelint and the anchor run one after the other, the pair repeated; "
      "the median of the per-pair ratios, which a drift in the machine's speed between blocks of runs does not move.")
    p("")
    p("| corpus | scope | pairs | scalelint / anchor (median) | range |")
    p("| --- | --- | ---: | ---: | --- |")
    for name, r in pairs.items():
        size, scope = name.split("-")
        p(f"| {size} | {'k8s/' if scope == 'k8s' else 'whole tree'} | {r['n']} | {r['med']:.2f} | {r['lo']:.2f} – {r['hi']:.2f} |")
    p("")
p("Linear growth: wall time per file (µs); the last column compares the biggest corpus with the previous one (1.00 = linear).")
p("")
p("| scope | tool | " + " | ".join(f"s{n}" for n in sizes) + " | growth last/prev |")
p("| --- | --- | " + " | ".join("---:" for _ in sizes) + " | ---: |")
for scope in ("k8s", "all"):
    for tool in ("scalelint", "anchor"):
        per = [rows[f"s{n}-{scope}-{tool}"]["wall"] / rows[f"s{n}-{scope}-{tool}"]["files"] * 1e6 for n in sizes]
        g = f"{per[-1]/per[-2]:.2f}" if len(per) > 1 else "-"
        p(f"| {'k8s/' if scope == 'k8s' else 'whole tree'} | {tool} | " + " | ".join(f"{x:.1f}" for x in per) + f" | {g} |")
p("")
p(f"`scalelint --version`: mean {version_ms:.2f} ms ({'hyperfine -N, 300 runs' if hf else 'loop of 300 runs'}).")
p("")
peers = [(n, tool, rows[f"s{n}-k8s-{tool}"]) for n in sizes for tool in ("checkov", "trivy") if f"s{n}-k8s-{tool}" in rows]
if peers:
    p("Peers on the same `k8s/` subtree (their own rules; one run each unless PEER_RUNS says otherwise):")
    p("")
    p("| corpus | tool | wall (s) | peak RSS (MiB) | scalelint wall (s) | tool / scalelint |")
    p("| --- | --- | ---: | ---: | ---: | ---: |")
    for n, tool, r in peers:
        sl = rows[f"s{n}-k8s-scalelint"]
        p(f"| s{n} | {tool} | {r['wall']:.2f} | {r['rss']:.1f} | {sl['wall']:.3f} | {r['wall']/sl['wall']:,.0f} × |")
    p("")
if 10000 in sizes:
    s, a = rows["s10000-all-scalelint"], rows["s10000-all-anchor"]
    sk, ak = rows["s10000-k8s-scalelint"], rows["s10000-k8s-anchor"]
    rss = max(s["rss"], sk["rss"])
    def v(ok): return "**met**" if ok else "**MISSED**"
    p("| target | measured | verdict |")
    p("| --- | --- | --- |")
    pw, pk = pairs.get("s10000-all"), pairs.get("s10000-k8s")
    if pw and pk:
        p(f"| 10,000 services ≤ 1.5 × saphyr parse-only, 2 threads | paired: whole tree {pw['med']:.2f} ×, k8s/ {pk['med']:.2f} × "
          f"(block medians: {s['wall']/a['wall']:.2f} ×, {sk['wall']/ak['wall']:.2f} ×) | {v(max(pw['med'], pk['med']) <= 1.5)} |")
    else:
        p(f"| 10,000 services ≤ 1.5 × saphyr parse-only, 2 threads | whole tree {s['wall']/a['wall']:.2f} ×, k8s/ {sk['wall']/ak['wall']:.2f} × | {v(max(s['wall']/a['wall'], sk['wall']/ak['wall']) <= 1.5)} |")
    if 1000 in sizes:
        g = s["wall"] / rows["s1000-all-scalelint"]["wall"]
        p(f"| time(10,000) / time(1,000) ≤ 11 | {g:.1f} | {v(g <= 11)} |")
    rss_max = max(s["rss_max"], sk["rss_max"])
    p(f"| peak RSS ≤ 200 MiB at 10,000 services | {rss:.1f} MiB (median; largest run {rss_max:.1f}) | {v(rss <= 200)} |")
    p(f"| `scalelint --version` ≤ 5 ms | {version_ms:.2f} ms | {v(version_ms <= 5)} |")
    c = rows.get("s1000-k8s-checkov")
    if c:
        ratio = c["wall"] / rows["s1000-k8s-scalelint"]["wall"]
        p(f"| 1,000 services ≥ 300 × faster than Checkov | {ratio:,.0f} × | {v(ratio >= 300)} |")
    else:
        p("| 1,000 services ≥ 300 × faster than Checkov | Checkov not measured (not installed) | - |")
text = "\n".join(out)
open(sys.argv[3], "w").write(text + "\n")
print(text)
PY

# ---------------------------------------------------------------- accuracy
say "precision / recall (check_truth.py)"
IMPLEMENTED=$("$BIN" rules | awk 'NR > 1 { print $2 "=" $1 }' | tr '\n' ' ')   # name=id
for n in $SIZES; do
  c="$WORK/s$n"
  echo
  echo "### s$n: check_truth.py per-rule table"
  (cd "$c" && "$BIN" check --format json --fail-on never . > "../s$n.json")
  # check_truth.py exits 1 whenever some rule is below 1.000, which is expected
  # while rules are missing: keep its table, drop its 10-line FP/FN sample
  # (complete SL101 lists follow).
  python3 "$SHARED/check_truth.py" --corpus "$c" --scalelint-json "$WORK/s$n.json" | grep -v '^F[PN] ' || true
  python3 - "$SHARED" "$c" "$WORK/s$n.json" "$IMPLEMENTED" "$OUT/s$n-disagreements.txt" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import check_truth as ct
corpus, report, dis = sys.argv[2], sys.argv[3], sys.argv[5]
implemented = dict(x.split("=", 1) for x in sys.argv[4].split())   # name -> id
truth = json.load(open(f"{corpus}/ground-truth.json"))
doc = json.load(open(report))
stats, fps, fns = ct.score(truth, ct.from_scalelint(report), 0)
by_gen = {}
for sl, gen in ct.SCALELINT_NAMES.items():
    by_gen.setdefault(gen, []).append(sl)
lines = []
for gen, sls in by_gen.items():
    s = stats.get(gen, {"tp": 0, "fp": 0, "fn": 0})
    impl = [f"{implemented[x]} {x}" for x in sls if x in implemented]
    if impl:
        pr = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
        rc = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 1.0
        print(f"  {' / '.join(impl)}: precision {pr:.3f}  recall {rc:.3f}  (tp {s['tp']}, fp {s['fp']}, fn {s['fn']})")
        for f in fps:
            if f["rule"] == gen:
                lines.append(f"FP {'/'.join(impl)} {f['file']}:{f['line']}")
        for e in fns:
            if e["rule"] == gen:
                lines.append(f"FN {'/'.join(impl)} {e['file']}:{e['line']}")
    else:
        print(f"  {' / '.join(sls)}: not implemented yet (recall 0 expected, not a failure)")
sl901 = [f for f in doc["findings"] if f["rule"] == "SL901"]
for f in sl901:
    lines.append(f"SL901 {f['path'].removeprefix('./')}:{f['line']}:{f['column']}: {f['message']}")
open(dis, "w").write("".join(l + "\n" for l in lines))
print(f"  SL901 parse-error findings: {len(sl901)}")
print(f"  disagreements with the ground truth (implemented rules) and SL901: {len(lines)}" + (f" (all in {dis})" if lines else ""))
for l in lines[:40]:
    print("   ", l)
PY
  SHARED="$SHARED" "$ROOT/scripts/accuracy-check" "$c" "$WORK/s$n.json" | tail -n 1 || true
done
