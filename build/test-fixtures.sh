#!/usr/bin/env bash
# The heavy test fixtures, built once before `dotnet test` (build/test.sh runs this first). The tests only read
# them: a build that is slow on a loaded machine is never killed by the test run's hang guard, and a build that
# fails stops here with its own error instead of showing up as failing tests.
#
#   .artifacts/test-fixtures/release/   make zips: dist/guard-{arm64,x86_64}.zip, each passed by `guard check`, and
#                                       the x64 publish output (out-x86_64/bootstrap, .dbg) the Lambda's end-to-end
#                                       tests run; release.log is the build's output (the tests read its IL warnings)
#   .artifacts/test-fixtures/cli/       build/publish-cli.sh: the self-contained Native AOT guard for both CPUs
#   .artifacts/test-fixtures/apps/      build/tool-apps.sh: what `cdk synth` (apps/cdk/cdk.out) and `serverless package`
#                                       (apps/serverless/.serverless) write for the apps of tests/Guard.Cli.Tests/Apps/ToolApps,
#                                       with the npm tools build/test.sh installs in .artifacts/node-tools
#   .artifacts/test-fixtures/built      written when all built, dated when the build began: tests refuse fixtures
#                                       older than the sources they were built from
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.artifacts/test-fixtures"
mkdir -p "$root"
rm -f "$root/built"
# To the nanosecond: a fresh clone and this build start within one second, and whole seconds dated the stamp
# before the files the clone had just written, so every test refused the fixtures as stale.
began=$(date +%s.%N)

# build WHAT LOG COMMAND...: runs COMMAND with its output in LOG; on failure names WHAT, its first error and the log.
build() {
  local what=$1 log=$2 start=$SECONDS status=0
  shift 2
  "$@" >"$log" 2>&1 || status=$?
  if ((status == 0)); then
    echo "$what: $((SECONDS - start)) s"
    return
  fi
  # The cause, as BuildLog.FirstError finds it: an error line of the compiler, linker or Makefile; make's own
  # "*** [target] Error 2" only says that a recipe failed.
  local cause
  cause=$(awk '!/\*\*\* / && /: error |error:|cannot find |No such file or directory/ { print; exit }' "$log")
  [ -n "$cause" ] || cause=$(awk '/\*\*\* / { print; exit }' "$log")
  [ -n "$cause" ] || cause=$(tail -n 1 "$log")
  tail -n 40 "$log" >&2
  printf '\nbuild/test-fixtures.sh: %s failed (exit %d, after %d s): %s\n  whole log: %s\n' \
    "$what" "$status" "$((SECONDS - start))" "$cause" "$log" >&2
  exit 1
}

build "make zips (both Native AOT release zips, each checked by guard)" "$root/release.log" \
  make -C functions/Guard.Function zips DIST="$root/release/dist" DOTNET_ARTIFACTS="$root/release/artifacts"
build "build/publish-cli.sh (the Native AOT guard CLI for both CPUs)" "$root/cli.log" \
  env DOTNET_ARTIFACTS="$root/cli/artifacts" bash build/publish-cli.sh "$root/cli/dist"

build "build/tool-apps.sh (cdk synth and serverless package of the tests' apps)" "$root/apps.log" \
  bash build/tool-apps.sh "$root/apps"

touch -d "@$began" "$root/built"
echo "test fixtures in $root"
