#!/usr/bin/env bash
# Self-contained Native AOT `guard` for CI runners without .NET: dist/guard-linux-x64/guard and
# dist/guard-linux-arm64/guard (one file each, no runtime to install). Cross-compiles the other CPU the way the
# Guard Lambda's Makefile does (clang --target and the aarch64 cross binutils/libc that build/test.sh installs).
#
#   build/publish-cli.sh [DIST]          both; DIST defaults to dist/
#   RIDS=linux-x64 build/publish-cli.sh  one
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${1:-dist}
artifacts=${DOTNET_ARTIFACTS:-.artifacts/cli-aot}
for rid in ${RIDS:-linux-x64 linux-arm64}; do
  out="$dist/guard-$rid"
  rm -rf "$out"
  dotnet publish functions/Guard.Cli/Guard.Cli.csproj -c Release -r "$rid" -p:PublishAot=true -p:StripSymbols=true \
    --artifacts-path "$artifacts/$rid" -o "$out" -v quiet -nologo
  # Symbols and pdbs are for debugging the build, not for a runner.
  find "$out" -type f ! -name guard -delete
  echo "$out/guard"
done
