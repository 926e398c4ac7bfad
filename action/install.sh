#!/usr/bin/env bash
# Put a tollgate binary on PATH for the steps after this one (via $GITHUB_PATH).
#
# INPUT_VERSION names a release (`0.2.0`, `v0.2.0` or `latest`): the binary for this runner is
# downloaded from that release of ACTION_REPOSITORY and checked against its `.sha256` file. When
# INPUT_VERSION is empty, or the release has no binary for this runner, tollgate is built from the
# action's own source ($GITHUB_ACTION_PATH) with `cargo install --locked`.
set -euo pipefail

fail() {
  echo "::error title=tollgate install::$*"
  exit 1
}

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
github_path="${GITHUB_PATH:?GITHUB_PATH is not set}"
version="${INPUT_VERSION:-}"
repository="${ACTION_REPOSITORY:-tollgate-dev/tollgate}"
server="${GITHUB_SERVER_URL:-https://github.com}"
root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tollgate"
bin_dir="$root/bin"

# The Rust target triple of the release binary for this runner, or nothing.
release_target() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo x86_64-unknown-linux-gnu ;;
    Linux-aarch64 | Linux-arm64) echo aarch64-unknown-linux-gnu ;;
    Darwin-x86_64) echo x86_64-apple-darwin ;;
    Darwin-arm64) echo aarch64-apple-darwin ;;
    *) echo "" ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# Download and verify the release binary into $bin_dir; return 1 when the release has none.
download_release() {
  local target url_base archive work expected actual
  target="$(release_target)"
  if [ -z "$target" ]; then
    echo "No release binary for $(uname -s) $(uname -m)."
    return 1
  fi
  if ! command -v curl >/dev/null; then
    echo "curl is not available to download the release."
    return 1
  fi
  if [ "$version" = latest ]; then
    url_base="$server/$repository/releases/latest/download"
  else
    url_base="$server/$repository/releases/download/v${version#v}"
  fi
  archive="tollgate-$target.tar.gz"
  work="$(mktemp -d)"
  echo "Downloading $url_base/$archive"
  if ! curl -fsSL --retry 3 -o "$work/$archive" "$url_base/$archive" ||
    ! curl -fsSL --retry 3 -o "$work/$archive.sha256" "$url_base/$archive.sha256"; then
    echo "The release has no $archive (or no $archive.sha256)."
    rm -rf "$work"
    return 1
  fi
  expected="$(cut -d' ' -f1 <"$work/$archive.sha256" | tr -d '\r\n')"
  actual="$(sha256_of "$work/$archive")"
  if [ "$expected" != "$actual" ]; then
    rm -rf "$work"
    fail "checksum mismatch for $archive: expected $expected, got $actual"
  fi
  tar -xzf "$work/$archive" -C "$work"
  local binary
  binary="$(find "$work" -type f -name tollgate | head -n 1)"
  [ -n "$binary" ] || fail "$archive holds no tollgate binary"
  mkdir -p "$bin_dir"
  install -m 0755 "$binary" "$bin_dir/tollgate"
  rm -rf "$work"
}

build_from_source() {
  command -v cargo >/dev/null ||
    fail "cargo is not installed: add a Rust toolchain step before this action, or set the version input to a release"
  echo "Building tollgate from $action_path"
  cargo install --locked --root "$root" --path "$action_path"
}

if [ -n "$version" ]; then
  case "$version" in
    latest | v[0-9]* | [0-9]*) ;;
    *) fail "version must be a release such as 0.2.0, v0.2.0 or latest, not '$version'" ;;
  esac
  case "$version" in
    *[!A-Za-z0-9.+-]*) fail "version must be a release such as 0.2.0, v0.2.0 or latest, not '$version'" ;;
  esac
  download_release || build_from_source
else
  build_from_source
fi

"$bin_dir/tollgate" --version || fail "the installed tollgate does not run"
echo "$bin_dir" >>"$github_path"
