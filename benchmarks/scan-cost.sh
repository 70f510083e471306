#!/bin/sh
# guard scan's engine over 1,000 functions served by an in-process Lambda stand-in with 20 ms per request:
# median wall time and requests at concurrency 1, 4 and 8, with the default GetFunction limit (50/s) and without it.
set -eu
cd "$(dirname "$0")/.."
dotnet build benchmarks/ScanBenchmark -c Release --artifacts-path /tmp/guard-scan-bench >/dev/null
run() { dotnet /tmp/guard-scan-bench/bin/ScanBenchmark/release/ScanBenchmark.dll "$@"; }
run --functions "${FUNCTIONS:-1000}" --latency-ms "${LATENCY_MS:-20}" --runs "${RUNS:-3}" --concurrency 1,4,8
run --functions "${FUNCTIONS:-1000}" --latency-ms "${LATENCY_MS:-20}" --runs "${RUNS:-3}" --concurrency 4,8,16 --get-function-rate 1000
