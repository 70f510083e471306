#!/usr/bin/env bash
# Release zips without SAM: dist/guard-arm64.zip and dist/guard-x86_64.zip, each passed by `guard check`
# for its own architecture before this exits 0. Extra arguments go to make (e.g. zip-arm64, DIST=/tmp/out).
set -euo pipefail
cd "$(dirname "$0")/.."
exec make -C functions/Guard.Function "$@"
