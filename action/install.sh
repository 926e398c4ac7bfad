#!/usr/bin/env bash
# Put a tollgate binary on PATH for the steps after this one (via $GITHUB_PATH), as resolve.sh
# decided (TOLLGATE_MODE, TOLLGATE_REPOSITORY, TOLLGATE_VERSION, TOLLGATE_TARGET):
#
# - release: `tollgate-<target>.tar.gz` (`.zip` on Windows) of that release, checked against its
#   `.sha256` file, kept in the runner's tool cache ($RUNNER_TOOL_CACHE/tollgate/<version>/<arch>)
#   so later jobs on the same runner skip the download. A release without that archive is an
#   error; nothing is built instead.
# - source: `cargo install --locked` of the action's own checkout, with its target directory in
#   $RUNNER_TEMP/tollgate-target (which action.yml caches with the cargo registry).
set -euo pipefail

# shellcheck source=action/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fail() {
  error_exit "tollgate install" 1 "$@"
}

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
github_path="${GITHUB_PATH:?GITHUB_PATH is not set}"
mode="${TOLLGATE_MODE:?TOLLGATE_MODE is not set; resolve.sh did not run}"
server="${GITHUB_SERVER_URL:-https://github.com}"
temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
windows=false
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) windows=true ;; esac
exe=""
[ "$windows" = true ] && exe=".exe"

# A runner path (`C:\…` on Windows) as this shell names it, and back.
unix_path() { if [ "$windows" = true ] && command -v cygpath >/dev/null; then cygpath -u "$1"; else printf '%s\n' "$1"; fi; }
runner_path() { if [ "$windows" = true ] && command -v cygpath >/dev/null; then cygpath -w "$1"; else printf '%s\n' "$1"; fi; }

sha256_of() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

extract() {
  case "$1" in
    *.zip)
      if command -v unzip >/dev/null; then
        unzip -q "$1" -d "$2"
      elif command -v 7z >/dev/null; then
        7z x -y -o"$2" "$1" >/dev/null
      else
        fail "neither unzip nor 7z is available to unpack $(basename "$1")"
      fi
      ;;
    *) tar -xzf "$1" -C "$2" ;;
  esac
}

# Download, verify and unpack the release binary into directory $1.
download_release() {
  local dest="$1" repository="${TOLLGATE_REPOSITORY:?}" version="${TOLLGATE_VERSION:?}"
  local target="${TOLLGATE_TARGET:?}" url_base archive work expected actual binary
  if [ "$version" = latest ]; then
    url_base="$server/$repository/releases/latest/download"
  else
    url_base="$server/$repository/releases/download/v$version"
  fi
  archive="tollgate-$target.tar.gz"
  [ "$windows" = true ] && archive="tollgate-$target.zip"
  command -v curl >/dev/null || fail "curl is needed to download $url_base/$archive"
  work="$(mktemp -d "$temp/tollgate-download.XXXXXX")"
  echo "Downloading $url_base/$archive"
  if ! curl -fsSL --retry 3 -o "$work/$archive" "$url_base/$archive" ||
    ! curl -fsSL --retry 3 -o "$work/$archive.sha256" "$url_base/$archive.sha256"; then
    rm -rf "$work"
    fail "release $version of $repository has no $archive (or no $archive.sha256) at $url_base: set the version input to a published release, latest, or source"
  fi
  expected="$(cut -d' ' -f1 <"$work/$archive.sha256" | tr -d '\r\n')"
  actual="$(sha256_of "$work/$archive")"
  if [ "$expected" != "$actual" ]; then
    rm -rf "$work"
    fail "checksum mismatch for $archive: expected $expected, got $actual"
  fi
  mkdir -p "$work/unpacked"
  extract "$work/$archive" "$work/unpacked"
  binary="$(find "$work/unpacked" -type f -name "tollgate$exe" | head -n 1)"
  [ -n "$binary" ] || fail "$archive holds no tollgate$exe"
  mkdir -p "$dest"
  install -m 0755 "$binary" "$dest/tollgate$exe"
  rm -rf "$work"
}

case "$mode" in
  release)
    version="${TOLLGATE_VERSION:?TOLLGATE_VERSION is not set}"
    tool_cache="${RUNNER_TOOL_CACHE:-}"
    if [ -n "$tool_cache" ] && [ "$version" != latest ]; then
      arch="$(printf '%s' "${RUNNER_ARCH:-$(uname -m)}" | tr '[:upper:]' '[:lower:]')"
      cache_dir="$(unix_path "$tool_cache")/tollgate/$version/$arch"
      if [ -f "$cache_dir.complete" ] && [ -x "$cache_dir/tollgate$exe" ]; then
        echo "tollgate $version found in the tool cache ($cache_dir)"
      else
        rm -rf "$cache_dir" "$cache_dir.complete"
        download_release "$cache_dir"
        touch "$cache_dir.complete"
      fi
      bin_dir="$cache_dir"
    else
      bin_dir="$temp/tollgate/bin"
      download_release "$bin_dir"
    fi
    said="$("$bin_dir/tollgate$exe" --version)" || fail "the downloaded tollgate does not run on this runner"
    if [ "$version" != latest ] && [ "$said" != "tollgate $version" ]; then
      fail "the release archive for $version holds '$said'"
    fi
    echo "$said"
    ;;
  source)
    command -v cargo >/dev/null ||
      fail "version: source needs cargo: add a Rust toolchain step before this action, or set version to a release"
    echo "Building tollgate from $action_path"
    CARGO_TARGET_DIR="$temp/tollgate-target" cargo install --locked --root "$temp/tollgate" --path "$action_path"
    bin_dir="$temp/tollgate/bin"
    "$bin_dir/tollgate$exe" --version || fail "the built tollgate does not run"
    ;;
  *) fail "unknown install mode '$mode'" ;;
esac

runner_path "$bin_dir" >>"$github_path"
