#!/usr/bin/env bash
# build/test.sh's closing line, from what `dotnet test` printed (LOG) and its exit status (STATUS):
#
#   1154 passed, 0 failed, 0 skipped
#   1154 passed, 1 failed, 0 skipped (test run aborted: Guard.Deploy.Tests)
#
# A test run that was aborted (the hang guard killed its test host, or the host crashed) counts as one failure and
# is named: its own result line is missing when the hang guard struck, or says "Passed!" over the results that came
# before a crash, and the counts alone read as all well. A non-zero STATUS with nothing counted as failed counts as one too.
# Exits 0 only when nothing failed, else STATUS (or 1).
#
#   build/test-summary.sh LOG STATUS
set -euo pipefail
log=$1 status=$2

count() { { grep -Eo "$1:[[:space:]]+[0-9]+" "$log" || true; } | awk '{ sum += $2 } END { print sum + 0 }'; }
passed=$(count Passed) failed=$(count Failed) skipped=$(count Skipped)

# Aborts, once per assembly, and none says which: VSTest's "Test Run Aborted." (or "… with error …") when the hang guard
# killed the host or VSTest saw it crash; xunit's "Catastrophic failure: Test process crashed …" when xunit saw it.
aborted=$(grep -c -E '^Test Run Aborted|Catastrophic failure' "$log" || true)

# Which: an assembly that started ("Test run for /…/X.dll (…)") and printed no result line ("… - X.dll (net10.0)");
# one whose test was running when its host crashed (VSTest names it: "X.Class.Method"); the assembly of the result
# line that follows xunit's catastrophic failure (xunit prints it into that assembly's output, just before its line).
started=$(sed -nE 's#^Test run for .*/([^/]+)\.dll \(.*#\1#p' "$log" | sort -u)
finished=$(sed -nE 's#.* - ([^ /]+)\.dll \(.*#\1#p' "$log" | sort -u)
crashed=$(awk '/^The tests? running when the crash occurred:/ { listing = 1; next } listing && NF == 0 { listing = 0 } listing { print $1 }
  /Catastrophic failure/ { catastrophe = 1 } catastrophe && match($0, / - [^ \/]+\.dll \(/) { print substr($0, RSTART + 3, RLENGTH - 8) "."; catastrophe = 0 }' "$log")
names=()
for assembly in $started; do
  if ! grep -qxF "$assembly" <<<"$finished" || awk -v prefix="$assembly." 'index($0, prefix) == 1 { found = 1 } END { exit !found }' <<<"$crashed"; then
    names+=("$assembly")
  fi
done
# A run of one assembly needs no clue.
if ((aborted > 0 && ${#names[@]} == 0)) && [ "$(wc -w <<<"$started")" -eq 1 ]; then
  names=("$started")
fi
((${#names[@]} > aborted)) && aborted=${#names[@]}

note=""
if ((aborted > 0)); then
  failed=$((failed + aborted))
  runs="test run aborted"
  ((aborted > 1)) && runs="$aborted test runs aborted"
  if ((${#names[@]})); then
    note=" ($runs: $(IFS=,; echo "${names[*]}" | sed 's/,/, /g'))"
  else
    note=" ($runs)"
  fi
elif ((status != 0 && failed == 0)); then
  failed=1
  note=" (dotnet test exited $status without a failed test: see its output above)"
fi

echo "$passed passed, $failed failed, $skipped skipped$note"
if ((status != 0)); then
  exit "$status"
fi
((failed == 0)) || exit 1
