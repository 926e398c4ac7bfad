#!/usr/bin/env bash
# The action's last step: fail with the scan's exit status (saved by scan.sh as EXIT_CODE).
set -euo pipefail

code="${EXIT_CODE:-}"
case "$code" in
  0)
    echo "tollgate: no finding at or above ${INPUT_FAIL_ON:-low}."
    ;;
  1)
    echo "::error title=tollgate::findings at or above ${INPUT_FAIL_ON:-low}; see the annotations and the job summary"
    exit 1
    ;;
  '' | *[!0-9]*)
    echo "::error title=tollgate::the scan did not run; see the scan step's log"
    exit 2
    ;;
  *)
    echo "::error title=tollgate::tollgate could not complete the scan (exit status $code); see the scan step's log"
    exit "$code"
    ;;
esac
