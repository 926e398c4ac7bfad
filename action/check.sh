#!/usr/bin/env bash
# The action's last step: state the verdict and fail with the scan's exit status (saved by
# scan.sh as EXIT_CODE). A failed SARIF upload (UPLOAD_OUTCOME `failure`) is an error too.
set -euo pipefail

code="${EXIT_CODE:-}"
status=0
case "$code" in
  0)
    echo "tollgate: no finding at or above ${INPUT_FAIL_ON:-low}."
    ;;
  1)
    echo "::error title=tollgate::findings at or above ${INPUT_FAIL_ON:-low}; see the annotations and the job summary"
    status=1
    ;;
  '' | *[!0-9]*)
    echo "::error title=tollgate::the scan did not run; see the scan step's log"
    status=2
    ;;
  *)
    echo "::error title=tollgate::tollgate could not complete the scan (exit status $code); see the scan step's log"
    status="$code"
    ;;
esac

if [ "${UPLOAD_OUTCOME:-}" = failure ]; then
  echo "::error title=tollgate SARIF upload::the upload to code scanning failed (see its step's log): the job needs the permissions security-events: write and, on a private repository, actions: read, and code scanning must be available; or set upload-sarif: false"
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
