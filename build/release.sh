#!/usr/bin/env bash
# A release, as .github/workflows/release.yml makes it on a tag (the workflow only runs this and uploads DIST):
#   DIST/nuget/LambdaBootstrapGuard.VERSION.nupkg   the .NET tool (command guard): dotnet tool install
#   DIST/guard-VERSION-linux-x64.tar.gz             the self-contained Native AOT guard (build/publish-cli.sh),
#   DIST/guard-VERSION-linux-arm64.tar.gz           for runners without .NET
#   DIST/guard-VERSION-release.zip                  the release artifact (build/release-artifact.sh): the packaged
#                                                   central template, both Lambda zips, the member template
#   DIST/release/                                   the same, unzipped
#
#   build/release.sh [DIST]      DIST defaults to dist/release-VERSION; VERSION to Guard.Cli.csproj's <Version>
#                                (the workflow passes the tag's, without its v)
# The Native AOT builds are the slow part (minutes each, four of them). REUSE_ZIPS=DIR takes guard-arm64.zip and
# guard-x86_64.zip already made by build/package.sh, REUSE_CLI=DIR the guard-linux-*/guard of build/publish-cli.sh
# (build/test-fixtures.sh leaves both under .artifacts/test-fixtures), instead of building them again.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
version=${VERSION:-$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' functions/Guard.Cli/Guard.Cli.csproj | head -n1)}
dist=$(realpath -m "${1:-dist/release-$version}")
work="$root/.artifacts/release"
rm -rf "$dist"
mkdir -p "$dist/nuget" "$work"
step() { echo "== $*" >&2; }

step "the .NET tool $version"
dotnet pack functions/Guard.Cli/Guard.Cli.csproj -c Release -o "$dist/nuget" -p:Version="$version" \
  --artifacts-path "$work/pack" -nologo -v quiet

cli=${REUSE_CLI:-}
if [[ -z $cli ]]; then
  step "the Native AOT guard for linux-x64 and linux-arm64"
  cli="$work/cli"
  DOTNET_ARTIFACTS="$work/cli-artifacts" bash build/publish-cli.sh "$cli" >/dev/null
fi
for rid in linux-x64 linux-arm64; do
  [[ -x $cli/guard-$rid/guard ]] || { echo "release: $cli/guard-$rid/guard is missing" >&2; exit 1; }
  tar -C "$cli/guard-$rid" -czf "$dist/guard-$version-$rid.tar.gz" guard
done

zips=${REUSE_ZIPS:-}
if [[ -z $zips ]]; then
  step "the Guard Lambda's release zips, each checked by guard"
  zips="$work/zips"
  bash build/package.sh zips DIST="$zips" DOTNET_ARTIFACTS="$work/package"
fi

step "the release artifact"
bash build/release-artifact.sh "$zips" "$dist/release" "$version" >/dev/null
(cd "$dist/release" && zip -X -q -r "$dist/guard-$version-release.zip" .)

(cd "$dist" && sha256sum nuget/*.nupkg ./*.tar.gz ./*.zip >SHA256SUMS)
echo "$dist"
