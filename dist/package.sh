#!/usr/bin/env bash
# Pack a release binary the way the action, cargo-binstall and people download it:
# OUT_DIR/tollgate-TARGET.tar.gz (.zip for Windows targets) holding tollgate-TARGET/tollgate
# (tollgate.exe) and README.md, and OUT_DIR/<archive>.sha256 ("HASH  NAME", for `sha256sum -c`).
#
# Usage: dist/package.sh TARGET BINARY OUT_DIR
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: dist/package.sh TARGET BINARY OUT_DIR" >&2
  exit 2
fi
target="$1"
binary="$2"
out="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$binary" ] || { echo "dist/package.sh: no binary at $binary" >&2; exit 1; }
[[ "$target" =~ ^[a-z0-9_]+(-[a-z0-9_]+){2,3}$ ]] || { echo "dist/package.sh: '$target' is not a target triple" >&2; exit 1; }

name="tollgate-$target"
exe=""
case "$target" in *windows*) exe=".exe" ;; esac
mkdir -p "$out"
out="$(cd "$out" && pwd)"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
mkdir "$staging/$name"
cp "$binary" "$staging/$name/tollgate$exe"
chmod 0755 "$staging/$name/tollgate$exe"
cp "$root/README.md" "$staging/$name/"

if [ -n "$exe" ]; then
  archive="$name.zip"
  rm -f "$out/$archive"
  if command -v zip >/dev/null; then
    (cd "$staging" && zip -qr "$out/$archive" "$name")
  else
    (cd "$staging" && 7z a -tzip -bd "$out/$archive" "$name" >/dev/null)
  fi
else
  archive="$name.tar.gz"
  tar -czf "$out/$archive" -C "$staging" "$name"
fi
if command -v sha256sum >/dev/null; then
  (cd "$out" && sha256sum "$archive" >"$archive.sha256")
else
  (cd "$out" && shasum -a 256 "$archive" >"$archive.sha256")
fi
echo "$out/$archive"
