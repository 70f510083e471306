#!/usr/bin/env bash
# Cold start of Guard's AOT bootstrap beside a minimal AOT Runtime API loop built with the same settings:
# median exec -> first /next (wall, and the CPU time the process used by then), exec -> first response, peak RSS
# (VmHWM), over N interleaved rounds, and the medians of the per-round first-/next ratios, wall and CPU (the
# figures the 1.25x target is about).
# The event is one Guard acknowledges without AWS calls (a scheduled event), so the figures are the
# runtime's own cost; a real deploy check adds its AWS round trips.
# Usage: functions/Guard.Function/bench/coldstart.sh [runs=20]   (needs clang, lld, python3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runs="${1:-20}"
out="${BENCH_OUT:-/tmp/guard-coldstart}"
mkdir -p "$out"

publish() { # project output
  local log="$out/publish-$(basename "$2").log"
  dotnet publish "$1" -r linux-x64 -c Release -o "$2" --artifacts-path "$out/artifacts-$(basename "$2")" -nologo -v quiet >"$log" 2>&1 \
    || { cat "$log" >&2; echo "publish of $1 failed" >&2; exit 1; }
}
publish "$here/../Guard.Function.csproj" "$out/guard"
publish "$here/MinimalRuntimeLoop/MinimalRuntimeLoop.csproj" "$out/minimal"

python3 "$here/runtime_api_bench.py" "$runs" "guard=$out/guard/bootstrap,GUARD_MODE=alert" "minimal=$out/minimal/bootstrap" >"$out/result.json"
python3 - "$out/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
g, m = r["guard"], r["minimal"]
print(f"{'':24}{'Guard bootstrap':>18}{'minimal loop':>15}{'ratio':>8}")
for key, label in [("firstNextMs", "exec -> first /next ms"), ("firstNextCpuMs", "CPU to first /next ms"),
                   ("firstNextMinorFaults", "page faults by then"), ("firstResponseMs", "exec -> response ms"),
                   ("peakRssMiB", "peak RSS MiB"), ("sizeMiB", "executable MiB")]:
    print(f"{label:24}{g[key]:>18}{m[key]:>15}{g[key] / m[key]:>8.2f}")
low, high = g["firstNextRatioQuartiles"]
print(f"first /next, median of per-round ratios: wall {g['firstNextRatio']:.2f} (quartiles {low:.2f}-{high:.2f}),", end=" ")
low, high = g["firstNextCpuRatioQuartiles"]
print(f"CPU {g['firstNextCpuRatio']:.2f} (quartiles {low:.2f}-{high:.2f})")
print(f"({r['runs']} interleaved rounds; medians)")
PY
