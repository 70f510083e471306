#!/usr/bin/env bash
# What the real app tools write, for Guard.Cli's tests to check: `cdk synth` (cdk.out/, cloud assembly schema 55+)
# and `serverless package` (.serverless/, Framework v3) of the small apps in tests/Guard.Cli.Tests/Apps/ToolApps/,
# with the pinned tools build/test.sh installs in .artifacts/node-tools (build/node-tools/package-lock.json).
# build/test-fixtures.sh runs it; on its own:
#
#   build/tool-apps.sh OUT      OUT/cdk/cdk.out and OUT/serverless/.serverless, each beside its app's sources
#
# The bootstraps are built here, each what a real build makes: gcc (x86_64, dynamic), aarch64-linux-gnu-gcc (the
# wrong CPU for the apps' x86_64 functions) and go (static). serverless package asks CloudFormation whether an
# unchanged layer is already uploaded: that call goes to a local moto_server (aws-endpoint.js), which answers as AWS
# does for a stack never deployed. Nothing reaches the network.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: build/tool-apps.sh OUT}
apps="$PWD/tests/Guard.Cli.Tests/Apps/ToolApps"
tools="$PWD/.artifacts/node-tools/node_modules"
fail() { printf 'build/tool-apps.sh: %s\n' "$*" >&2; exit 1; }

for tool in cdk serverless; do
  [ -x "$tools/.bin/$tool" ] || fail "$tools/.bin/$tool is missing: build/test.sh installs the pinned npm tools (npm ci in .artifacts/node-tools)"
done
export PATH="$HOME/.pyenv/shims:$PATH"
command -v moto_server >/dev/null || fail "moto_server is missing (the machine image has it under ~/.pyenv/shims; elsewhere: pip install 'moto[server]')"

rm -rf "$out"
mkdir -p "$out/bin"
out=$(cd "$out" && pwd)
bin="$out/bin"
gcc -O2 -o "$bin/c-x86_64" "$apps/bootstraps/bootstrap.c"
aarch64-linux-gnu-gcc -O2 -o "$bin/c-arm64" "$apps/bootstraps/bootstrap.c"
env CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOPROXY=off GOFLAGS=-trimpath go build -ldflags='-s -w' -o "$bin/go-x86_64" "$apps/bootstraps/main.go"
echo "bootstraps: $(cd "$bin" && ls | tr '\n' ' ')"

# place FILE DEST: copies FILE to DEST (a bootstrap, executable as a build leaves it).
place() { mkdir -p "$(dirname "$2")"; cp "$1" "$2"; chmod 755 "$2"; }
# package ZIP FILE: a zip holding FILE at its root as bootstrap, as `zip` run beside a build's output makes it.
package() {
  local stage
  stage=$(mktemp -d)
  cp "$2" "$stage/bootstrap"
  chmod 755 "$stage/bootstrap"
  mkdir -p "$(dirname "$1")"
  (cd "$stage" && zip -q -X "$1" bootstrap)
  rm -rf "$stage"
}

log_versions() { printf '%s: %s\n' "$1" "$(node -p "require('$tools/$2/package.json').version")"; }
log_versions "aws-cdk (CLI)" aws-cdk
log_versions aws-cdk-lib aws-cdk-lib
log_versions serverless serverless

# The CDK app: node resolves aws-cdk-lib through the app's node_modules, as in a real project.
cp -r "$apps/cdk" "$out/cdk"
ln -s "$tools" "$out/cdk/node_modules"
place "$bin/c-x86_64" "$out/cdk/functions/orders/bootstrap"
place "$bin/c-arm64" "$out/cdk/functions/wrong-arch/bootstrap"
mkdir -p "$out/cdk/functions/handler-only" && cp "$apps/bootstraps/handler.txt" "$out/cdk/functions/handler-only/"
place "$bin/go-x86_64" "$out/cdk/layers/runtime/bootstrap"
place "$bin/c-arm64" "$out/cdk/layers/wrong-arch/bootstrap"
(cd "$out/cdk" && env CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true "$tools/.bin/cdk" synth --no-notices --quiet)
[ -f "$out/cdk/cdk.out/manifest.json" ] || fail "cdk synth wrote no cdk.out/manifest.json"

# The Serverless service.
cp -r "$apps/serverless" "$out/serverless"
ln -s "$tools" "$out/serverless/node_modules"
package "$out/serverless/dist/service.zip" "$bin/c-x86_64"
package "$out/serverless/dist/wrong-arch.zip" "$bin/c-arm64"
(cd "$apps/bootstraps" && zip -q -X "$out/serverless/dist/handler-only.zip" handler.txt)
place "$bin/go-x86_64" "$out/serverless/layers/runtime/bootstrap"
place "$bin/c-arm64" "$out/serverless/layers/wrong-arch/bootstrap"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$out/moto.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$moto" 2>/dev/null || fail "moto_server did not start: $(tail -n 5 "$out/moto.log")"
  sleep 0.2
done
(cd "$out/serverless" && env AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=guard-tests-only \
  SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SLS_AWS_REQUEST_MAX_RETRIES=0 \
  GUARD_AWS_ENDPOINT="http://127.0.0.1:$port" NODE_OPTIONS="--require $out/serverless/aws-endpoint.js --no-deprecation" \
  "$tools/.bin/serverless" package)
[ -f "$out/serverless/.serverless/serverless-state.json" ] || fail "serverless package wrote no .serverless/serverless-state.json"
echo "tool apps in $out"
