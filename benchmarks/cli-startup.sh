#!/usr/bin/env bash
# `guard check` of a local zip, start to exit: the self-contained Native AOT binary (build/publish-cli.sh) beside the
# JIT build run with `dotnet guard.dll` (what `dotnet tool install` gives). Interleaved runs; medians and the ratio
# (docs/performance.md).
#
#   benchmarks/cli-startup.sh [RUNS]     default 21
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
RIDS=linux-x64 DOTNET_ARTIFACTS="$work/aot-artifacts" build/publish-cli.sh "$work/dist" >/dev/null
dotnet build functions/Guard.Cli -c Release --artifacts-path "$work/jit" -v quiet -nologo >/dev/null
aot="$work/dist/guard-linux-x64/guard"
jit="$work/jit/bin/Guard.Cli/release/guard.dll"
python3 - "$runs" "$aot" "$jit" <<'PY'
import statistics, subprocess, sys, time
runs, aot, jit = int(sys.argv[1]), sys.argv[2], sys.argv[3]
check = ["check", "samples/function.zip", "--runtime", "provided.al2023", "--architecture", "x86_64"]
commands = {"Native AOT (guard)": [aot, *check], "JIT (dotnet guard.dll)": ["dotnet", jit, *check]}
times = {name: [] for name in commands}
for name, command in commands.items():  # one warm-up each: the first run pays for the page cache
    subprocess.run(command, check=True, capture_output=True)
for _ in range(runs):
    for name, command in commands.items():
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times[name].append((time.perf_counter() - start) * 1000)
medians = {name: statistics.median(values) for name, values in times.items()}
print(f"guard check samples/function.zip, {runs} interleaved runs each, median wall time")
print("| build | median | min | max |")
print("|---|---:|---:|---:|")
for name, values in times.items():
    print(f"| {name} | {medians[name]:.1f} ms | {min(values):.1f} ms | {max(values):.1f} ms |")
aot_median, jit_median = medians["Native AOT (guard)"], medians["JIT (dotnet guard.dll)"]
print(f"\nJIT / AOT: {jit_median / aot_median:.1f}x")
PY
