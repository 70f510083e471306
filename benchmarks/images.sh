#!/usr/bin/env bash
# What checking a container image in a registry costs: requests and bytes for a wrong-CPU verdict (manifest and
# config only) and for a full verdict (the top layer streamed until the entrypoint), against an image whose lower
# layer is 32 MiB of random data that a check must never read. Needs umoci, skopeo and docker-registry (build/test.sh).
#   benchmarks/images.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d)
trap 'kill "$registry_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/storage\nhttp:\n  addr: 127.0.0.1:%s\n' "$work" "$port" > "$work/registry.yml"
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 & registry_pid=$!
gcc -static -O1 -o "$work/main" -x c - <<<'int main(void){return 0;}'
head -c $((32 * 1024 * 1024)) /dev/urandom > "$work/big"
umoci init --layout "$work/img" && umoci new --image "$work/img:latest"
umoci insert --image "$work/img:latest" "$work/big" /big
umoci insert --image "$work/img:latest" "$work/main" /main
umoci config --image "$work/img:latest" --architecture amd64 --os linux --config.entrypoint /main
sleep 1
skopeo copy --quiet --dest-tls-verify=false "oci:$work/img:latest" "docker://127.0.0.1:$port/bench/image:v1"
dotnet build -v q functions/Guard.Cli >/dev/null
for run in $(seq "$runs"); do
  for arch in x86_64 arm64; do
    /usr/bin/time -f "cpu %U+%S s" dotnet functions/Guard.Cli/bin/Debug/net10.0/guard.dll check "127.0.0.1:$port/bench/image:v1" --architecture "$arch" 2>&1 \
      | grep -E 'request\(s\)|^cpu|^(OK|BROKEN)' | tr '\n' ' ' | sed "s/^/run $run $arch: /" || true; echo
  done
done
