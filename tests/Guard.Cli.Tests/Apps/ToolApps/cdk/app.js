// A CDK app for Guard's tests (plain JavaScript: no TypeScript compile). build/test-fixtures.sh puts the bootstraps
// it built into functions/ and layers/, then runs the pinned `cdk synth`; the tests check the cdk.out it writes.
const cdk = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');

const app = new cdk.App();
const stack = new cdk.Stack(app, 'GuardToolsStack');

const props = { runtime: lambda.Runtime.PROVIDED_AL2023, architecture: lambda.Architecture.X86_64, handler: 'bootstrap' };

// /opt/bootstrap: an x86_64 Go bootstrap, and one built for arm64 (the wrong CPU for these x86_64 functions).
const runtimeLayer = new lambda.LayerVersion(stack, 'RuntimeLayer', {
  code: lambda.Code.fromAsset('layers/runtime'),
  compatibleRuntimes: [lambda.Runtime.PROVIDED_AL2023],
});
const wrongArchLayer = new lambda.LayerVersion(stack, 'WrongArchLayer', {
  code: lambda.Code.fromAsset('layers/wrong-arch'),
  compatibleRuntimes: [lambda.Runtime.PROVIDED_AL2023],
});

new lambda.Function(stack, 'Orders', { ...props, code: lambda.Code.fromAsset('functions/orders') });
new lambda.Function(stack, 'WrongArch', { ...props, code: lambda.Code.fromAsset('functions/wrong-arch') });
new lambda.Function(stack, 'FromLayer', { ...props, code: lambda.Code.fromAsset('functions/handler-only'), layers: [runtimeLayer] });
new lambda.Function(stack, 'FromWrongArchLayer', { ...props, code: lambda.Code.fromAsset('functions/handler-only'), layers: [wrongArchLayer] });

// A Stage (as CDK Pipelines apps have): its own nested assembly, assembly-Prod/, whose template names the assets
// staged at the root as ../asset.HASH.
const prod = new cdk.Stage(app, 'Prod');
const staged = new cdk.Stack(prod, 'StagedStack');
new lambda.Function(staged, 'StagedWrongArch', { ...props, code: lambda.Code.fromAsset('functions/wrong-arch') });

app.synth();
