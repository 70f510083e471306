#!/usr/bin/env bash
# The release artifact: Guard deployable as it is, without .NET, SAM or a build. From the two release zips
# (build/package.sh) it writes OUT/:
#   template.yaml     the central stack, packaged: GuardFunction's CodeUri is the zip for its Architecture in S3
#                     ({CodeBucket, ${CodeKeyPrefix}guard-${Architecture}.zip}) instead of the source folder and
#                     its Makefile build; Metadata AWS::ServerlessRepo::Application for the Serverless
#                     Application Repository
#   guard-arm64.zip   the Guard Lambda for each CPU, as build/package.sh made and checked them
#   guard-x86_64.zip
#   member.yaml       org/member.yaml, the Organization mode's StackSet member stack
#   SHA256SUMS
# Upload OUT/ under one prefix (aws s3 cp --recursive OUT s3://BUCKET/guard/VERSION/), then deploy template.yaml
# with CodeBucket=BUCKET (docs/guard-lambda.md, "Deploy a release").
#
#   build/release-artifact.sh ZIPS OUT [VERSION]    ZIPS holds guard-arm64.zip and guard-x86_64.zip;
#                                                   VERSION defaults to Guard.Cli.csproj's <Version>
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
zips=${1:?usage: build/release-artifact.sh ZIPS OUT [VERSION]}
out=${2:?usage: build/release-artifact.sh ZIPS OUT [VERSION]}
version=${3:-$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/functions/Guard.Cli/Guard.Cli.csproj" | head -n1)}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "release-artifact: version '$version' is not MAJOR.MINOR.PATCH (SAR's SemanticVersion)" >&2; exit 2; }
for arch in arm64 x86_64; do
  [[ -f $zips/guard-$arch.zip ]] || { echo "release-artifact: $zips/guard-$arch.zip is missing: run build/package.sh first" >&2; exit 2; }
done

mkdir -p "$out"
cp "$zips/guard-arm64.zip" "$zips/guard-x86_64.zip" "$out/"
cp "$root/org/member.yaml" "$out/member.yaml"

# Three edits of template.yaml by its lines, each required to happen exactly once: a template that changed under
# them fails here rather than shipping with its source CodeUri.
awk -v version="$version" '
  function fail(why) { print "release-artifact: template.yaml: " why > "/dev/stderr"; failed = 1; exit 1 }
  { lines[++n] = $0 }
  END {
    if (failed) exit 1
    for (i = 1; i <= n; i++) {
      line = lines[i]
      if (line == "Metadata:") {
        print line
        print "  # The Serverless Application Repository reads this (sam publish); CloudFormation ignores it."
        print "  AWS::ServerlessRepo::Application:"
        print "    Name: lambda-bootstrap-guard"
        print "    Description: >-"
        print "      Checks every Lambda deploy for a package a custom runtime (provided.al2023, provided.al2) cannot start:"
        print "      no bootstrap, no execute bit, the wrong CPU or glibc; alerts or rolls it back."
        print "    Author: Guard"
        print "    SemanticVersion: " version
        print "    Labels: [lambda, custom-runtime, provided-al2023, bootstrap, deploy-check]"
        metadata++
        continue
      }
      if (line == "Parameters:") {
        print line
        print "  CodeBucket:"
        print "    Type: String"
        print "    AllowedPattern: \"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$\""
        print "    Description: >-"
        print "      The S3 bucket, in this stack'"'"'s Region, holding this release'"'"'s guard-arm64.zip and guard-x86_64.zip."
        print "  CodeKeyPrefix:"
        print "    Type: String"
        print "    Default: guard/" version "/"
        print "    Description: The key prefix of the two zips in CodeBucket, with its trailing slash."
        parameters++
        continue
      }
      # GuardFunction is built by its Makefile from source; the release runs the zip instead.
      if (line == "    Metadata:" && lines[i + 1] ~ /^      # / && lines[i + 2] == "      BuildMethod: makefile") {
        i += 2
        built++
        continue
      }
      if (line == "      CodeUri: functions/Guard.Function/") {
        print "      CodeUri:"
        print "        Bucket: !Ref CodeBucket"
        print "        Key: !Sub \"${CodeKeyPrefix}guard-${Architecture}.zip\""
        codeuri++
        continue
      }
      print line
    }
    if (metadata != 1 || parameters != 1 || built != 1 || codeuri != 1)
      fail("expected one top-level Metadata:, one Parameters:, one GuardFunction BuildMethod and one CodeUri: functions/Guard.Function/ (found " metadata ", " parameters ", " built ", " codeuri ")")
  }
' "$root/template.yaml" >"$out/template.yaml"

(cd "$out" && sha256sum guard-arm64.zip guard-x86_64.zip member.yaml template.yaml >SHA256SUMS)
echo "$out"
