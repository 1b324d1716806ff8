/**
 * CDK feature flags the app runs with, in code rather than cdk.json so the tests synthesize exactly what
 * `cdk synth` does (both pass these to `new App({ context })`). Only flags that change this stack.
 */
export const FEATURE_FLAGS: Record<string, boolean> = {
  // Fail the synth when a secret's value would be written into the template in plain text.
  '@aws-cdk/core:checkSecretUsage': true,
  // The execution role gets logs permissions on the worker's log group only, not logs:* on "*".
  '@aws-cdk/aws-ecs:reduceEc2FargateCloudWatchPermissions': true,
  // Service ARNs in the new format (include the cluster name), as ECS issues them today.
  '@aws-cdk/aws-ecs:arnFormatIncludesClusterName': true,
};
