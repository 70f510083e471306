#!/usr/bin/env bash
# Peak RSS (VmHWM) of Guard's AOT bootstrap over a run of nine events, four of them 6 MB (Lambda's largest
# synchronous payload) and none Guard's, between small ones that are (a scheduled event, a CloudTrail Lambda
# call): the working tree's build beside a build of an earlier commit, median of N interleaved runs.
# Nothing calls AWS: every event is acknowledged by the runtime alone (see event_memory_bench.py).
# Usage: functions/Guard.Function/bench/event-memory.sh [runs=5] [before=a3a4ab0]   (needs clang, python3)
#        before=none measures the working tree alone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
runs="${1:-5}"
before="${2:-a3a4ab0}"
out="${BENCH_OUT:-/tmp/guard-event-memory}"
mkdir -p "$out"

publish() { # project output
  local log="$out/publish-$(basename "$2").log"
  dotnet publish "$1" -r linux-x64 -c Release -o "$2" --artifacts-path "$out/artifacts-$(basename "$2")" -nologo -v quiet >"$log" 2>&1 \
    || { cat "$log" >&2; echo "publish of $1 failed" >&2; exit 1; }
}

publish "$root/functions/Guard.Function/Guard.Function.csproj" "$out/after"
subjects=("after=$out/after/bootstrap")
if [ "$before" != none ]; then
  # The earlier commit's files, not a worktree: nothing is added to the repository's list of checkouts.
  rm -rf "$out/src-before" && mkdir -p "$out/src-before"
  git -C "$root" archive "$before" | tar -x -C "$out/src-before"
  publish "$out/src-before/functions/Guard.Function/Guard.Function.csproj" "$out/before"
  subjects=("before=$out/before/bootstrap" "${subjects[@]}")
fi

python3 "$here/event_memory_bench.py" "$runs" "${subjects[@]}" >"$out/result.json"
python3 - "$out/result.json" "$before" <<'PY'
import json, sys
r, before = json.load(open(sys.argv[1])), sys.argv[2]
labels = [l for l in ("before", "after") if l in r]
print("events:", ", ".join(f"{n} ({b:,} B)" for n, b in zip(r["events"], r["eventBytes"])))
print(f"{'':28}" + "".join(f"{(f'before ({before})' if l == 'before' else 'after'):>20}" for l in labels))
print(f"{'peak RSS (VmHWM) MiB':28}" + "".join(f"{r[l]['peakRssMiB']:>20}" for l in labels))
print(f"{'  range over runs MiB':28}" + "".join(f"{'%s-%s' % tuple(r[l]['peakRssRangeMiB']):>20}" for l in labels))
print(f"{'RSS after the last event MiB':28}" + "".join(f"{r[l]['finalRssMiB']:>20}" for l in labels))
print(f"({r['runs']} interleaved runs; medians)")
PY
