// Preloaded into `serverless package` (NODE_OPTIONS=--require) by build/test-fixtures.sh: sends the AWS calls the
// Framework makes while packaging (CloudFormation describeStacks, to reuse an unchanged layer's upload) to the local
// moto_server named by GUARD_AWS_ENDPOINT, which answers as AWS does for a stack never deployed. No network is needed.
const path = require('path');

const endpoint = process.env.GUARD_AWS_ENDPOINT;
if (endpoint) {
  const serverless = path.dirname(require.resolve('serverless/package.json', { paths: [process.cwd(), ...module.paths] }));
  const AWS = require(require.resolve('aws-sdk', { paths: [serverless] }));
  AWS.config.update({ endpoint, s3ForcePathStyle: true });
}
