#!/usr/bin/env bash
# Decide how the action gets tollgate, before anything is downloaded or built; every wrong input
# or unsupported runner stops here with an `::error`. Step outputs:
#   mode        `release` (download a release binary) or `source` (build the action's checkout)
#   repository  OWNER/REPO whose releases to download: the repository the action was taken from
#   version     the release (`0.2.0`) or `latest`
#   target      the release's Rust target triple for this runner
#   cache-key   the cargo cache key for a `source` build
#
# INPUT_VERSION: empty (the action's own version: the `version` in its Cargo.toml, which is the
# release of a release tag), `latest`, a release (`0.2.0` or `v0.2.0`) or `source`.
#
# The repository comes from GITHUB_ACTION_PATH (…/_actions/OWNER/REPO/REF), not from
# `github.action_repository`, which is empty inside composite actions: a fork's action
# downloads the fork's releases. An action checked out into the workspace (`uses: ./`) is
# GITHUB_REPOSITORY's.
set -euo pipefail

# shellcheck source=action/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fail() {
  error_exit "tollgate install" 1 "$@"
}

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
output="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
version="${INPUT_VERSION:-}"

# The Rust target triple of the release archive for this runner, or nothing.
release_target() {
  local os arch
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$os-$arch" in
    Linux-x86_64) echo x86_64-unknown-linux-musl ;;
    Linux-aarch64 | Linux-arm64) echo aarch64-unknown-linux-musl ;;
    Darwin-x86_64) echo x86_64-apple-darwin ;;
    Darwin-arm64 | Darwin-aarch64) echo aarch64-apple-darwin ;;
    MINGW*-x86_64 | MSYS*-x86_64 | CYGWIN*-x86_64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

# OWNER/REPO of the action, from where the runner checked it out.
action_repository() {
  local path="${action_path//\\//}"
  local workspace="${GITHUB_WORKSPACE:-}"
  workspace="${workspace//\\//}"
  case "$path" in
    */_actions/*/*/*)
      local rest="${path##*/_actions/}"
      local owner="${rest%%/*}"
      rest="${rest#*/}"
      echo "$owner/${rest%%/*}"
      ;;
    *)
      if [ -n "$workspace" ] && { [ "$path" = "$workspace" ] || [[ "$path" == "$workspace"/* ]]; }; then
        echo "${GITHUB_REPOSITORY:-}"
      fi
      ;;
  esac
}

# The version in the action's Cargo.toml (the one place a version is written).
own_version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" 2>/dev/null | head -n 1
}

mode=release
case "$version" in
  source) mode=source ;;
  latest) ;;
  '')
    version="$(own_version)"
    [ -n "$version" ] || fail "cannot read the action's version from $action_path/Cargo.toml; set the version input"
    ;;
  *)
    if [[ ! "$version" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
      fail "version must be a release such as 0.2.0 or v0.2.0, latest or source, not '$version'"
    fi
    version="${version#v}"
    ;;
esac

if [ "$mode" = source ]; then
  lock_hash="$( (sha256sum "$action_path/Cargo.lock" 2>/dev/null || shasum -a 256 "$action_path/Cargo.lock") | cut -c1-16)"
  {
    echo "mode=source"
    echo "cache-key=tollgate-source-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-$lock_hash"
  } >>"$output"
  echo "tollgate will be built from $action_path (version: source)."
  exit 0
fi

target="$(release_target)"
[ -n "$target" ] ||
  fail "no tollgate release binary for $(uname -s) $(uname -m); set version: source to build it (needs a Rust toolchain)"
repository="$(action_repository)"
[[ "$repository" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] ||
  fail "cannot tell which repository this action comes from (GITHUB_ACTION_PATH=$action_path); set version: source to build it"
{
  echo "mode=release"
  echo "repository=$repository"
  echo "version=$version"
  echo "target=$target"
} >>"$output"
echo "tollgate $version for $target from the releases of $repository."
