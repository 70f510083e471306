#!/bin/sh
# guard scan across an organization: 50 accounts x 200 functions (and 10 x 200 beside it, for peak RSS against the
# number of accounts) over an in-process Lambda stand-in answering each request in 20 ms and holding every account's
# GetFunction calls under its own quota (10/s here: 429 beyond it). Interleaved runs; medians (docs/performance.md).
set -eu
cd "$(dirname "$0")/.."
dotnet build benchmarks/OrgScanBenchmark -c Release --artifacts-path /tmp/guard-org-scan-bench >/dev/null
dotnet /tmp/guard-org-scan-bench/bin/OrgScanBenchmark/release/OrgScanBenchmark.dll \
  --accounts "${ACCOUNTS:-10,50}" --functions "${FUNCTIONS:-200}" --latency-ms "${LATENCY_MS:-20}" --quota "${QUOTA:-10}" --runs "${RUNS:-3}"
