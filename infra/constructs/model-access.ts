/**
 * What the worker may invoke on Amazon Bedrock (MODEL_PROVIDER=bedrock): the configured model or
 * inference profile only, `bedrock:InvokeModel` only (the extractor makes plain Messages calls, no streaming).
 */
import { Aws, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';

/** Prefixes of Bedrock's cross-region (geographic and global) inference profile ids. */
const INFERENCE_PROFILE_ID = /^(us|us-gov|eu|apac|jp|au|ca|global)\.(.+)$/;

/** The foundation model id behind a cross-region inference profile id, or undefined for a plain model id. */
export function profileFoundationModel(model: string): string | undefined {
  return INFERENCE_PROFILE_ID.exec(model)?.[2];
}

/**
 * Statements allowing InvokeModel on the worker's model.
 * - explicit ARNs (context `bedrockModelArns`): exactly those.
 * - an inference profile id (`us.anthropic.claude-…`): the profile in this account and region, and the
 *   underlying foundation model in whichever region the profile routes to — but only when called through
 *   that profile (`bedrock:InferenceProfileArn`), AWS's recommended shape for cross-region inference.
 * - a foundation model id: that model in the stack's region.
 */
export function bedrockInvokeStatements(scope: Construct, model: string, explicitArns: readonly string[] | undefined): iam.PolicyStatement[] {
  const actions = ['bedrock:InvokeModel'];
  if (explicitArns !== undefined && explicitArns.length > 0) return [new iam.PolicyStatement({ actions, resources: [...explicitArns] })];
  const foundationModel = profileFoundationModel(model);
  if (foundationModel === undefined) {
    return [new iam.PolicyStatement({ actions, resources: [`arn:${Aws.PARTITION}:bedrock:${Aws.REGION}::foundation-model/${model}`] })];
  }
  const profileArn = Stack.of(scope).formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: model });
  return [
    new iam.PolicyStatement({ actions, resources: [profileArn] }),
    new iam.PolicyStatement({
      actions,
      resources: [`arn:${Aws.PARTITION}:bedrock:*::foundation-model/${foundationModel}`],
      conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
    }),
  ];
}

/** Acknowledges cdk-nag's finding for the any-region foundation-model ARN of an inference profile (see above). */
export function acknowledgeProfileRegionWildcard(role: IConstruct, model: string, explicitArns: readonly string[] | undefined): void {
  const foundationModel = profileFoundationModel(model);
  if ((explicitArns !== undefined && explicitArns.length > 0) || foundationModel === undefined) return;
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${foundationModel}]`,
    reason:
      'A cross-region inference profile routes each call to its model in any region of its geography; the statement names one model and applies only through the configured profile (bedrock:InferenceProfileArn condition).',
  });
}
