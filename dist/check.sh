#!/usr/bin/env bash
# Check the PyPI package as a user gets it: build the wheel with maturin installed from PyPI (as
# the release workflow does), install it into a fresh virtualenv with pip, then run
# `tollgate --version` (it must state Cargo.toml's version) and scan a fixture (a SQL injection
# must be found, exit status 1); check that the sdist holds the sources and no test data, and
# that the pre-commit hook installs from the wheel and works (dist/pre-commit-check.sh). Prints
# the time from `pip install` to the end of the first scan.
#
# Usage: dist/check.sh [WORK_DIR]   (default: a temporary directory, removed afterwards)
# Needs python3 (with venv), cargo and network access to PyPI. Takes minutes: the wheel is a
# release build of tollgate. Not run by .ci/run; see docs/releasing.md.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
if [ $# -gt 0 ]; then
  work="$1"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

fail() {
  echo "dist/check.sh: $*" >&2
  exit 1
}

# The one place the version is written.
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"
[ -n "$version" ] || fail "no version in Cargo.toml"

echo "== maturin from PyPI"
"$python" -m venv "$work/build-env"
"$work/build-env/bin/pip" install --quiet "maturin>=1.5,<2.0"
"$work/build-env/bin/maturin" --version

echo "== building the wheel"
rm -rf "$work/wheels"
(cd "$root" && "$work/build-env/bin/maturin" build --release --locked --out "$work/wheels")
wheels=("$work"/wheels/*.whl)
[ "${#wheels[@]}" -eq 1 ] || fail "expected one wheel, found: ${wheels[*]}"
wheel="${wheels[0]}"
case "$(basename "$wheel")" in
  tollgate_review-"$version"-py3-none-*.whl) ;;
  *) fail "the wheel $(basename "$wheel") is not tollgate_review $version for any Python" ;;
esac
echo "$(basename "$wheel"): $(du -k "$wheel" | cut -f1) KiB"

echo "== the source distribution holds what the build needs, and no tests or fixtures"
rm -rf "$work/sdist"
(cd "$root" && "$work/build-env/bin/maturin" sdist --out "$work/sdist")
sdist="$work/sdist/tollgate_review-$version.tar.gz"
[ -f "$sdist" ] || fail "no $sdist"
listing="$(tar -tzf "$sdist")"
for needed in Cargo.toml Cargo.lock build.rs pyproject.toml README.md src/main.rs rules/; do
  grep -q "^tollgate_review-$version/$needed" <<<"$listing" || fail "the sdist lacks $needed"
done
if grep -qE "^tollgate_review-$version/(tests|fixtures|bench|target)/" <<<"$listing"; then
  fail "the sdist holds tests, fixtures, benchmarks or build output"
fi

echo "== installing it into a fresh virtualenv"
"$python" -m venv "$work/user-env"
started="$(date +%s.%N)"
"$work/user-env/bin/pip" install --quiet --no-index "$wheel"
installed="$(date +%s.%N)"

tollgate="$work/user-env/bin/tollgate"
[ -x "$tollgate" ] || fail "the wheel installed no tollgate command"
said="$("$tollgate" --version)"
[ "$said" = "tollgate $version" ] || fail "tollgate --version says '$said', not 'tollgate $version'"
echo "$said"

echo "== first scan"
fixture="$root/fixtures/sql-injection/django"
status=0
report="$(cd "$fixture" && "$tollgate" scan --no-cache --format json .)" || status=$?
scanned="$(date +%s.%N)"
[ "$status" -eq 1 ] || fail "the scan of $fixture exited $status, not 1 (findings)"
grep -q '"rule_id": "sql-injection"' <<<"$report" || fail "the scan of $fixture found no sql-injection"
# And a clean file passes.
printf 'def add(a, b):\n    return a + b\n' >"$work/clean.py"
"$tollgate" scan --no-cache "$work/clean.py" >/dev/null || fail "a clean file did not pass"

echo "== the pre-commit hook, from the mirror and the wheel"
"$root/dist/pre-commit-check.sh" "$work/wheels" "$work"

awk -v a="$started" -v b="$installed" -v c="$scanned" \
  'BEGIN { printf "pip install: %.2fs; install to the end of the first scan: %.2fs\n", b - a, c - a }'
echo "dist/check.sh: ok"
