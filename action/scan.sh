#!/usr/bin/env bash
# Run one tollgate scan for the GitHub Action: annotations (or text) on standard output, a SARIF
# file and a Markdown job summary, all from the same run. The scan's exit status is saved as the
# step output `exit-code` and this step succeeds, so SARIF is uploaded before the check step fails.
#
# Inputs arrive as INPUT_* environment variables, never as workflow text, so they cannot inject
# shell code. INPUT_PATHS, INPUT_RULES and INPUT_ARGS are split on whitespace, without globbing.
set -euo pipefail
set -f

# shellcheck source=action/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fail() {
  error_exit tollgate 2 "$@"
}

# Stop unless path input $1 (value $2) is free of control characters (a newline could forge lines
# in $GITHUB_OUTPUT or in the log).
check_path() {
  if [[ "$2" =~ [[:cntrl:]] ]]; then
    fail "input $1 must not contain control characters or line breaks"
  fi
}

# Set step output $1 to $2 in the delimiter form, with a random delimiter the value cannot contain.
set_output() {
  local delimiter
  delimiter="tollgate_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  case "$2" in *"$delimiter"*) fail "output $1 contains its delimiter" ;; esac
  printf '%s<<%s\n%s\n%s\n' "$1" "$delimiter" "$2" "$delimiter" >>"$output"
}

# Whether boolean input $1 (value $2, any case) is true; stops with an error if it is not a boolean.
is_true() {
  case "$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]')" in
    true) return 0 ;;
    false) return 1 ;;
    *) fail "input $1 must be true or false, not '$2'" ;;
  esac
}

output="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
summary="${GITHUB_STEP_SUMMARY:-}"
sarif_file="${INPUT_SARIF_FILE-tollgate.sarif}"
check_path sarif-file "$sarif_file"
check_path config "${INPUT_CONFIG:-}"
command -v tollgate >/dev/null || fail "tollgate is not on PATH; the install step did not run"

cd "${GITHUB_WORKSPACE:-.}"

# shellcheck disable=SC2206 # deliberate word splitting; globbing is off (set -f)
paths=(${INPUT_PATHS:-.})
# shellcheck disable=SC2206
rule_paths=(${INPUT_RULES:-})
# shellcheck disable=SC2206
extra=(${INPUT_ARGS:-})

args=(scan --fail-on "${INPUT_FAIL_ON:-low}")
if is_true annotations "${INPUT_ANNOTATIONS:-true}"; then
  args+=(--format github)
else
  args+=(--format text --color never)
fi
if [ -n "$sarif_file" ]; then
  rm -f -- "$sarif_file"
  args+=("--sarif=$sarif_file")
fi
markdown="$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tollgate-summary.XXXXXX")"
args+=("--markdown=$markdown")
# Ignore files in the checked-out tree are the pull request's to write: disregard them unless asked.
if ! is_true ignore-files "${INPUT_IGNORE_FILES:-false}"; then
  args+=(--no-ignore-files)
fi
for rule_path in ${rule_paths[@]+"${rule_paths[@]}"}; do
  args+=(--rules "$rule_path")
done
if [ -n "${INPUT_CONFIG:-}" ]; then
  args+=("--config=$INPUT_CONFIG")
fi
# A cache in the workspace would not outlive the job; leave none unless asked for.
case " ${extra[*]-} " in
  *" --cache-dir"* | *" --no-cache "*) ;;
  *) args+=(--no-cache) ;;
esac
args+=(${extra[@]+"${extra[@]}"} -- "${paths[@]}")

echo "tollgate ${args[*]}" >&2
status=0
tollgate "${args[@]}" || status=$?

set_output exit-code "$status"
if [ -n "$sarif_file" ] && [ -f "$sarif_file" ]; then
  case "$sarif_file" in
    /*) set_output sarif-file "$sarif_file" ;;
    *) set_output sarif-file "$PWD/$sarif_file" ;;
  esac
fi
if [ -n "$summary" ]; then
  if [ -s "$markdown" ]; then
    cat "$markdown" >>"$summary"
  else
    printf '## ⚠️ tollgate could not complete the scan\n\nExit status %s; the step log says why.\n' \
      "$status" >>"$summary"
  fi
fi
rm -f "$markdown"
