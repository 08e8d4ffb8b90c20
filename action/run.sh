#!/usr/bin/env bash
# The logic of scalelint's GitHub Action (action.yml), one subcommand a step:
#
#   run.sh install   use the release binary for this runner, checksum-verified;
#                    or say that it must be built (installed=false)
#   run.sh build     cargo install the action's own source (the fallback)
#   run.sh check     lint: annotations on the log, SARIF to a file; never fails
#                    the step for findings, so the SARIF upload still happens
#   run.sh finish    fail the job per fail-on, after the upload
#
# Inputs come from the environment only (INPUT_*, set by action.yml's `env:`),
# never from text pasted into the script: a path or argument can hold any
# characters without becoming code. Outputs go to $GITHUB_OUTPUT.
#
# Environment: GITHUB_OUTPUT, GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY,
# GITHUB_ACTION_PATH, GITHUB_ACTION_REPOSITORY, RUNNER_OS, RUNNER_ARCH,
# RUNNER_TEMP; SCALELINT_BIN (a scalelint binary to use instead of
# installing one); SCALELINT_RELEASE_URL (where releases are downloaded from,
# default https://github.com/<action repository>/releases/download).
set -euo pipefail

ACTION_PATH=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
OUTPUT=${GITHUB_OUTPUT:-/dev/stdout}

output() {
  printf '%s=%s\n' "$1" "$2" >>"$OUTPUT"
}

die() {
  printf '::error title=scalelint::%s\n' "$1"
  exit 1
}

# The version to install: the `version` input without a leading v, or the
# version of the action's own Cargo.toml.
wanted_version() {
  local v=${INPUT_VERSION:-}
  v=${v#v}
  if [ -z "$v" ]; then
    v=$(sed -n 's/^version = "\([^"]*\)".*/\1/p' "$ACTION_PATH/Cargo.toml" | head -n 1)
  fi
  [ -n "$v" ] || die "cannot tell which version to install: no version input and no version in $ACTION_PATH/Cargo.toml"
  case $v in
    *[!0-9A-Za-z.+-]*) die "version \`$v\` is not a version number" ;;
  esac
  printf '%s\n' "$v"
}

# The release target for this runner, empty when no binary is published.
target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

exe_suffix() {
  if [ "${RUNNER_OS:-}" = Windows ]; then echo .exe; else echo ""; fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# What `scalelint --version` says, without the name.
binary_version() {
  "$1" --version | sed -n 's/^scalelint //p'
}

install() {
  local version target exe root
  version=$(wanted_version)
  target=$(target)
  exe=$(exe_suffix)
  root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/scalelint"
  if [ -n "${SCALELINT_BIN:-}" ]; then
    echo "scalelint: using $SCALELINT_BIN (SCALELINT_BIN)"
    output installed true
    output bin "$SCALELINT_BIN"
    output version "$(binary_version "$SCALELINT_BIN")"
    return
  fi
  # The fallback's inputs, for actions/cache: the version and a hash of the
  # source it would build.
  local source_hash
  source_hash=$(cd "$ACTION_PATH" && find Cargo.toml Cargo.lock src rules -type f 2>/dev/null |
    LC_ALL=C sort | while IFS= read -r f; do sha256 "$f"; done | sha256sum_stdin)
  source_hash=${source_hash:0:16}
  output cargo-root "$root/cargo"
  output cache-key "scalelint-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-$version-$source_hash"

  if [ -z "$target" ]; then
    echo "scalelint: no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; building from source"
    output installed false
    return
  fi
  local asset="scalelint-v$version-$target.tar.gz"
  local base=${SCALELINT_RELEASE_URL:-https://github.com/${GITHUB_ACTION_REPOSITORY:-scalelint/scalelint}/releases/download}
  local url="$base/v$version/$asset"
  local dir="$root/v$version-$target"
  mkdir -p "$dir/bin"
  if ! curl -fsSL --retry 2 --connect-timeout 15 -o "$dir/$asset" "$url"; then
    echo "scalelint: no release asset at $url; building from source"
    output installed false
    return
  fi
  if curl -fsSL --retry 2 --connect-timeout 15 -o "$dir/$asset.sha256" "$url.sha256"; then
    local expected actual
    expected=$(cut -d ' ' -f 1 <"$dir/$asset.sha256" | tr -d '\r\n' | tr 'A-F' 'a-f')
    actual=$(sha256 "$dir/$asset")
    if [ "$expected" != "$actual" ]; then
      rm -f "$dir/$asset"
      die "checksum mismatch for $asset: expected $expected, got $actual"
    fi
    echo "scalelint: $asset verified (sha256 $actual)"
  else
    printf '::warning title=scalelint::no %s.sha256 published; %s is not verified\n' "$asset" "$asset"
  fi
  tar -xzf "$dir/$asset" -C "$dir/bin"
  local bin="$dir/bin/scalelint$exe"
  [ -f "$bin" ] || die "$asset holds no scalelint$exe"
  chmod +x "$bin" 2>/dev/null || true
  output installed true
  output bin "$bin"
  output version "$(binary_version "$bin")"
  echo "$dir/bin" >>"${GITHUB_PATH:-/dev/null}"
}

# sha256 of standard input.
sha256sum_stdin() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum | cut -d ' ' -f 1
  else
    shasum -a 256 | cut -d ' ' -f 1
  fi
}

build() {
  local root=${SCALELINT_CARGO_ROOT:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/scalelint/cargo}
  local bin
  bin="$root/bin/scalelint$(exe_suffix)"
  if [ -x "$bin" ]; then
    echo "scalelint: using the cached build in $root"
  else
    echo "scalelint: cargo install --locked --path $ACTION_PATH"
    cargo install --locked --path "$ACTION_PATH" --root "$root"
  fi
  output bin "$bin"
  output version "$(binary_version "$bin")"
  echo "$root/bin" >>"${GITHUB_PATH:-/dev/null}"
}

check() {
  local bin=${SCALELINT_BIN:-scalelint}
  local sarif=${INPUT_SARIF_FILE:-scalelint.sarif}
  cd "${GITHUB_WORKSPACE:-.}"

  # `paths` and `args` are split on whitespace, without globbing or any other
  # shell processing.
  local paths=() args=() word
  set -f
  for word in ${INPUT_PATHS:-.}; do paths+=("$word"); done
  for word in ${INPUT_ARGS:-}; do args+=("$word"); done
  set +f
  [ ${#paths[@]} -gt 0 ] || paths=(.)
  if [ -n "${INPUT_FAIL_ON:-}" ]; then
    args+=(--fail-on "$INPUT_FAIL_ON")
  fi

  mkdir -p "$(dirname "$sarif")"
  rm -f "$sarif"
  local log code
  log=$(mktemp)
  set +e
  "$bin" check --format github -o "sarif=$sarif" ${args[@]+"${args[@]}"} -- "${paths[@]}" >"$log"
  code=$?
  set -e
  cat "$log"

  local findings summary
  findings=$(grep -cE '^::(error|warning|notice) ' "$log" || true)
  summary=$(grep -E '^scalelint: found ' "$log" | tail -n 1 || true)
  rm -f "$log"
  output exit-code "$code"
  output findings "$findings"
  output version "$(binary_version "$bin")"
  if [ -s "$sarif" ]; then
    output sarif-file "$sarif"
  else
    output sarif-file ""
  fi
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    {
      echo "### scalelint"
      echo
      if [ "$code" -le 1 ]; then
        echo "${summary#scalelint: }"
      else
        echo "scalelint could not run (exit status $code): see the step's log."
      fi
    } >>"$GITHUB_STEP_SUMMARY"
  fi
}

# Fails the job per fail-on, once the SARIF is uploaded.
finish() {
  local code=${SCALELINT_EXIT_CODE:-}
  case $code in
    0)
      echo "scalelint: no finding at or above fail-on"
      ;;
    1)
      printf '::error title=scalelint::%s finding(s), some at or above fail-on (%s): see the annotations and the code scanning alerts\n' \
        "${SCALELINT_FINDINGS:-?}" "${INPUT_FAIL_ON:-the config, else warning}"
      exit 1
      ;;
    '')
      die "the check step did not run or wrote no exit-code"
      ;;
    *)
      printf '::error title=scalelint::scalelint could not run (exit status %s): see the check step log\n' "$code"
      exit 2
      ;;
  esac
}

case ${1:-} in
  install) install ;;
  build) build ;;
  check) check ;;
  finish) finish ;;
  *)
    echo "usage: $0 install|build|check|finish" >&2
    exit 2
    ;;
esac
