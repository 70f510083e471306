#!/usr/bin/env bash
# The README's test command: installs what the tests need on a new Debian 12 machine, then runs every test.
#
#   build/test.sh                       set up, build the Native AOT fixtures, then dotnet test Guard.sln
#   build/test.sh --filter Category!=Slow   extra arguments go to dotnet test
#
# The Native AOT builds the tests read (both release zips, the CLI) are made first by build/test-fixtures.sh, which
# fails on its own with the build's error; built inside a test, a slow build ran into the hang guard and aborted the
# run. The closing line (build/test-summary.sh) counts an aborted test run as failed and names it.
#
# What the tests need beyond the .NET 10 SDK, gcc and Python's moto_server / cfn-lint / aws (the machine
# image ships those three under ~/.pyenv/shims), and why:
#   make                          the Guard function's Makefile: build/test-fixtures.sh builds both release zips
#   zip unzip                     Info-ZIP archives, as the build tools users run make them
#   gcc-aarch64-linux-gnu         arm64 test binaries, and the linker driver of the arm64 Native AOT build
#   binutils-aarch64-linux-gnu    aarch64-linux-gnu-objcopy strips the arm64 bootstrap
#   libc6-dev-arm64-cross         crt1.o/crti.o, libc headers and -ldl -lrt -lm for arm64: apt leaves it out
#                                 of gcc-aarch64-linux-gnu under --no-install-recommends (a Recommends only)
#   clang                         Native AOT's linker driver: the x64 publish falls back to gcc without it, the
#                                 arm64 cross-link needs clang --target=aarch64-linux-gnu (GNU ld links both)
#   golang-go                     real Go Lambda binaries (offline, GOPROXY=off) whose build information the Go tests read
#   g++                           x86_64 C++ test programs that need libstdc++.so.6 and its GLIBCXX_ versions
#   g++-aarch64-linux-gnu         the same for arm64; it Depends on libstdc++-12-dev-arm64-cross (libstdc++.so to link)
# And from npm, pinned by build/node-tools/package-lock.json into .artifacts/node-tools (npm ci, skipped while the
# installed lock matches: offline once cached), the app tools whose real outputs the CLI tests check
# (build/tool-apps.sh): aws-cdk (the cdk CLI), aws-cdk-lib and constructs (cdk synth), serverless@3 (serverless package).
# It installs with apt-get as root, or through sudo; without either it names the packages and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$HOME/.pyenv/shims:$HOME/.pyenv/bin:$PATH"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\n== %s\n' "$*"; }
fail() { printf 'build/test.sh: %s\n' "$*" >&2; exit 1; }

packages=(make zip unzip gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross clang golang-go g++ g++-aarch64-linux-gnu)

log "system packages"
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    fail "the tests need: ${missing[*]} (apt-get install -y --no-install-recommends ${missing[*]}), and this user can neither install them nor sudo"
  fi
  echo "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get could not install: ${missing[*]}"
else
  echo "all present: ${packages[*]}"
fi

log "AWS emulator and linters"
for tool in moto_server cfn-lint aws; do
  command -v "$tool" >/dev/null 2>&1 \
    || fail "$tool is missing: the machine image has it under ~/.pyenv/shims; elsewhere: pip install 'moto[server]' cfn-lint awscli"
  echo "$tool: $(command -v "$tool")"
done
# guard migrate's Terraform tests run `terraform fmt -check` on what they edited (no providers, no network).
command -v terraform >/dev/null 2>&1 \
  || fail "terraform is missing: install it from https://developer.hashicorp.com/terraform/install (the machine image has it in /usr/local/bin)"
echo "terraform: $(command -v terraform)"

log "npm tools: .artifacts/node-tools (build/node-tools/package-lock.json)"
command -v npm >/dev/null 2>&1 || fail "npm is missing: the CLI tests check what cdk synth and serverless package write (Node.js 18+ with npm)"
node_tools=.artifacts/node-tools
# installed.json: the lock of the last install that finished; an install cut short matches nothing and runs again.
if cmp -s build/node-tools/package-lock.json "$node_tools/installed.json"; then
  echo "installed: $(node -p "Object.entries(require('./build/node-tools/package.json').dependencies).map(e => e.join('@')).join(' ')")"
else
  rm -rf "$node_tools"
  mkdir -p "$node_tools"
  cp build/node-tools/package.json build/node-tools/package-lock.json "$node_tools/"
  npm ci --prefix "$node_tools" --no-audit --no-fund --ignore-scripts --loglevel=error \
    || fail "npm ci could not install the pinned tools of build/node-tools/package-lock.json"
  cp build/node-tools/package-lock.json "$node_tools/installed.json"
fi

log "test fixtures: build/test-fixtures.sh"
bash build/test-fixtures.sh || fail "the test fixtures did not build (the cause is above); no test was run"

log "tests: dotnet test Guard.sln $*"
output=$(mktemp)
trap 'rm -f "$output"' EXIT
set +e
# A hung test is killed after 10 minutes and named, instead of eating CI's 90.
dotnet test Guard.sln --blame-hang-timeout 10m --blame-hang-dump-type none "$@" 2>&1 | tee "$output"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test assemblies, in the plain form CI reads; an aborted test run counts as failed.
echo
bash build/test-summary.sh "$output" "$status"
