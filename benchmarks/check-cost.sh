#!/usr/bin/env bash
# What a check costs over HTTP, side by side with downloading the whole package (docs/performance.md).
# Usage: benchmarks/check-cost.sh [--sizes 20,200] [--runs 5]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
dotnet build -c Release benchmarks/Guard.Benchmarks --artifacts-path "$out" -v quiet -nologo >/dev/null
dotnet build -c Release functions/Guard.Cli --artifacts-path "$out" -v quiet -nologo >/dev/null
dotnet "$out/bin/Guard.Benchmarks/release/Guard.Benchmarks.dll" --guard "$out/bin/Guard.Cli/release/guard.dll" "$@"
