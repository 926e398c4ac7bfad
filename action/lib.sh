# Shared by the action's scripts (sourced, not run).

# A workflow command's message with `%`, CR and LF escaped, so an input cannot start a command.
escape_data() {
  local text="${1//%/%25}"
  text="${text//$'\r'/%0D}"
  printf '%s' "${text//$'\n'/%0A}"
}

# Print a workflow error titled $1 with the message $3…, and exit with status $2.
error_exit() {
  local title="$1" status="$2"
  shift 2
  echo "::error title=${title}::$(escape_data "$*")"
  exit "$status"
}
