#!/bin/sh
# Peak RSS of one warm Guard Lambda process with the store on (GUARD_STORE_BUCKET) over a mixed set of events against
# moto_server: one ordinary deploy first, then ROUNDS times {a first 210 MB package, a 6 MB API Gateway event, the same
# package on another function, the same package after a configuration change, a 65,535-entry zip, a function with five
# layers, a first 210 MB container image, the same image on another function, the same image after a configuration
# change, a broken image (its ENTRYPOINT in no layer), a 6 MB SQS batch}; and, in a fresh process, one image deploy alone.
# The layers' zips are served through store-memory.py's LambdaProxy (moto gives layers no fetchable Content.Location),
# the images by its ECR stand-in (moto has no GetDownloadUrlForLayer). Each event's verdict is checked: an unexpected
# one fails the run. A fresh process and store bucket per run; runs of the builds named are interleaved; medians.
# The process is the JIT build of functions/Guard.Function (its bootstrap apphost), not the Native AOT image Lambda runs:
# the runtime's JIT adds a fixed ~20-30 MiB. Compare another build with BOOTSTRAP_BEFORE=/path/to/bootstrap.
# Needs moto_server and boto3 (~/.pyenv/shims), gcc with static glibc. Figures: docs/performance.md (The store's memory).
set -eu
cd "$(dirname "$0")/.."
PATH="$HOME/.pyenv/shims:$PATH"
dotnet build functions/Guard.Function -c Release -o /tmp/guard-store-memory-build >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >/tmp/guard-store-memory-moto.log 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT INT TERM
until curl -s "http://127.0.0.1:$port/" >/dev/null; do sleep 0.5; done
set -- --bootstrap "this=/tmp/guard-store-memory-build/bootstrap"
[ -n "${BOOTSTRAP_BEFORE:-}" ] && set -- --bootstrap "before=$BOOTSTRAP_BEFORE" "$@"
python3 benchmarks/store-memory.py --moto "http://127.0.0.1:$port" --big-mb "${BIG_MB:-210}" --rounds "${ROUNDS:-4}" --runs "${RUNS:-3}" "$@"
