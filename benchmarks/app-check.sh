#!/usr/bin/env bash
# A 40-function app checked by one `guard check template.yaml` (packages judged in parallel), side by side with
# 40 separate `guard check FUNCTION.zip` runs, as a CI loop over the zips would do: wall time and peak RSS, medians
# of interleaved runs (docs/performance.md). Each package is a static bootstrap plus an 8 MiB incompressible asset.
#
#   benchmarks/app-check.sh [FUNCTIONS] [RUNS]     default 40 and 5
set -euo pipefail
cd "$(dirname "$0")/.."
functions=${1:-40}
runs=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build functions/Guard.Cli -c Release --artifacts-path "$work/build" -v quiet -nologo >/dev/null
python3 - "$functions" "$runs" "$work" "$work/build/bin/Guard.Cli/release/guard.dll" <<'PY'
import os, random, resource, statistics, subprocess, sys, time, zipfile
functions, runs, work, guard = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
app = os.path.join(work, "app")
os.makedirs(app)
bootstrap = zipfile.ZipFile("samples/function.zip").read("bootstrap")
asset = random.Random(40).randbytes(8 << 20)
resources = []
for i in range(functions):
    path = os.path.join(app, f"fn{i:02d}.zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap"); info.external_attr = 0o100755 << 16; info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, bootstrap)
        asset_info = zipfile.ZipInfo("assets.bin"); asset_info.external_attr = 0o100644 << 16; asset_info.compress_type = zipfile.ZIP_STORED
        z.writestr(asset_info, asset)
    resources.append(f"  Fn{i:02d}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: fn{i:02d}.zip\n")
with open(os.path.join(app, "template.yaml"), "w") as t:
    t.write("AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n")
    t.write("Globals:\n  Function:\n    Runtime: provided.al2023\n    Handler: bootstrap\n    Architectures: [x86_64]\nResources:\n")
    t.write("".join(resources))

def run(commands):
    """Runs the commands one after another; wall time of all, and the largest peak RSS among them (KiB)."""
    start = time.perf_counter(); peak = 0
    for command in commands:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{command} exited {os.waitstatus_to_exitcode(status)}")
        peak = max(peak, usage.ru_maxrss)
    return time.perf_counter() - start, peak

one = [["dotnet", guard, "check", os.path.join(app, "template.yaml")]]
separate = [["dotnet", guard, "check", os.path.join(app, f"fn{i:02d}.zip"), "--runtime", "provided.al2023", "--architecture", "x86_64"] for i in range(functions)]
samples = {"one process (template.yaml)": [], f"{functions} processes (one zip each)": []}
run(one)
for _ in range(runs):
    for name, commands in zip(samples, (one, separate)):
        samples[name].append(run(commands))
size = os.path.getsize(os.path.join(app, "fn00.zip")) / (1 << 20)
print(f"{functions} functions, packages of {size:.1f} MiB on disk, {runs} interleaved runs, JIT build (dotnet guard.dll), {os.cpu_count()} cores")
print("| how | median wall time | peak RSS (median) |")
print("|---|---:|---:|")
medians = {}
for name, values in samples.items():
    wall = statistics.median(v[0] for v in values); rss = statistics.median(v[1] for v in values) / 1024
    medians[name] = wall
    print(f"| {name} | {wall:.2f} s | {rss:.1f} MiB |")
a, b = medians.values()
print(f"\nseparate / one: {b / a:.1f}x")
PY
