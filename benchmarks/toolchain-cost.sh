#!/usr/bin/env bash
# What telling a bootstrap's toolchain adds to a check (guard scan asks for it; docs/performance.md).
# Usage: benchmarks/toolchain-cost.sh [--runs 15]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
dotnet build -c Release benchmarks/Guard.Benchmarks --artifacts-path "$out" -v quiet -nologo >/dev/null
dotnet "$out/bin/Guard.Benchmarks/release/Guard.Benchmarks.dll" --toolchain "$@"
