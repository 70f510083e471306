#!/usr/bin/env bash
# The logic of action.yml, kept here so it can run outside GitHub Actions (GitHubActionTests runs it against a
# folder feed). Inputs come as INPUT_* variables, the way action.yml passes them:
#   INPUT_PATH       what to check: packages, folders or templates, separated by spaces or new lines
#   INPUT_ARGS       more arguments for `guard check` (split on spaces; e.g. "--architecture arm64")
#   INPUT_VERSION    Guard.Cli version to install; empty for the newest
#   INPUT_SOURCE     a NuGet feed (a folder or URL) to install from besides the configured ones; empty for none
#   INPUT_FAIL_ON    error or warning
#   INPUT_SARIF_FILE where the SARIF log goes (always written: INPUT_SARIF only decides action.yml's upload step)
# Exits with guard's exit code: 0 ok, 1 broken, 2 not checked, 3 placeholder.
set -uo pipefail

path=${INPUT_PATH:-template.yaml}
version=${INPUT_VERSION:-}
source=${INPUT_SOURCE:-}
fail_on=${INPUT_FAIL_ON:-error}
sarif_file=${INPUT_SARIF_FILE:-guard.sarif}

install=(tool install --global Guard.Cli)
[[ -n $version ]] && install+=(--version "$version")
[[ -n $source ]] && install+=(--add-source "$source")
# A runner that already has Guard (a second use of the action in one job) updates to the version asked for.
if ! dotnet "${install[@]}" >/dev/null 2>&1; then
  install[0]=tool; install[1]=update
  dotnet "${install[@]}" || { echo "guard-check: could not install Guard.Cli${version:+ $version}" >&2; exit 2; }
fi

tools=${DOTNET_CLI_HOME:-$HOME}/.dotnet/tools
export PATH="$tools:$PATH"
[[ -n ${GITHUB_PATH:-} ]] && echo "$tools" >>"$GITHUB_PATH"

read -ra packages <<<"$(tr '\n' ' ' <<<"$path")"
read -ra extra <<<"${INPUT_ARGS:-}"
check=(check "${packages[@]}" "${extra[@]}" --fail-on "$fail_on")

# guard refuses an --output whose folder is missing; a sarif-file such as reports/guard.sarif should just work.
mkdir -p "$(dirname -- "$sarif_file")"

# The text report is for the job's log; the SARIF run is the gate, and its exit code is the action's.
guard "${check[@]}" || true
guard "${check[@]}" --format sarif --output "$sarif_file"
code=$?

if [[ -n ${GITHUB_OUTPUT:-} ]]; then
  { echo "exit-code=$code"; echo "sarif-file=$sarif_file"; } >>"$GITHUB_OUTPUT"
fi
exit "$code"
