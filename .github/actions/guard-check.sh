#!/usr/bin/env bash
# The logic of action.yml, kept here so it can run outside GitHub Actions (GitHubActionTests runs it against a
# folder feed). Inputs come as INPUT_* variables, the way action.yml passes them:
#   INPUT_PATH       what to check: packages, folders or templates, separated by spaces or new lines
#   INPUT_ARGS       more arguments for `guard check` (split on spaces; e.g. "--architecture arm64")
#   INPUT_VERSION    the LambdaBootstrapGuard version to install; empty for this action's own (its Guard.Cli.csproj)
#   INPUT_SOURCE     the one NuGet feed (a folder or URL) to install from; empty to build the tool from this action's
#                    own source (the ref `uses:` pinned), which is the default
#   INPUT_FAIL_ON    error or warning
#   INPUT_SARIF_FILE where the SARIF log goes (always written: INPUT_SARIF only decides action.yml's upload step)
# Guard is installed from exactly one feed at exactly one version, never "the newest on the runner's feeds": a
# package of the same ID on nuget.org, published by anyone, must not be what a runner runs.
# Exits with guard's exit code: 0 ok, 1 broken, 2 not checked, 3 placeholder.
set -uo pipefail

package=LambdaBootstrapGuard
action=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/../.." && pwd)}
path=${INPUT_PATH:-template.yaml}
source=${INPUT_SOURCE:-}
fail_on=${INPUT_FAIL_ON:-error}
sarif_file=${INPUT_SARIF_FILE:-guard.sarif}
work=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/guard-action
mkdir -p "$work"

project="$action/functions/Guard.Cli/Guard.Cli.csproj"
version=${INPUT_VERSION:-$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$project" 2>/dev/null | head -n1)}
[[ -n $version ]] || { echo "guard-check: no version given and none in $project" >&2; exit 2; }

if [[ -z $source ]]; then
  source="$work/feed"
  echo "guard-check: building $package $version from $action" >&2
  dotnet pack "$project" -c Release -o "$source" --artifacts-path "$work/artifacts" -p:Version="$version" -nologo -v quiet >&2 ||
    { echo "guard-check: could not build $package from $action" >&2; exit 2; }
fi

# A nuget.config of the one feed: --add-source would add it to nuget.org and the runner's other feeds.
config="$work/nuget.config"
cat >"$config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="guard" value="$source" />
  </packageSources>
</configuration>
XML

install=(tool install --global "$package" --version "$version" --configfile "$config")
# A runner that already has Guard (a second use of the action in one job) updates to the version asked for.
if ! dotnet "${install[@]}" >/dev/null 2>&1; then
  install[0]=tool; install[1]=update
  dotnet "${install[@]}" || { echo "guard-check: could not install $package $version from $source" >&2; exit 2; }
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
