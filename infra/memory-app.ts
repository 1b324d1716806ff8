/**
 * Builds the CDK app exactly as `cdk synth` runs it — feature flags, context, the MemoryStack and
 * cdk-nag's AWS Solutions checks (a validation plugin: any unacknowledged finding fails the synth) —
 * so the tests synthesize the same thing the CLI deploys.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FEATURE_FLAGS } from './feature-flags';
import { MemoryStack } from './memory-stack';
import { settingsFromContext } from './stack-config';

/** Stack name used when context `stackName` is unset. */
export const DEFAULT_STACK_NAME = 'DurableMemory';

/** Options of {@link createMemoryApp}. */
export interface MemoryAppOptions {
  /** Context values, as `-c key=value` would give them (the CLI passes its own through the environment). */
  context?: Record<string, unknown>;
  /** Cloud assembly directory. @default the CLI's, else a temporary directory */
  outdir?: string;
}

/** The app with its one stack. */
export function createMemoryApp(options: MemoryAppOptions = {}): { app: App; stack: MemoryStack } {
  const app = new App({ context: { ...FEATURE_FLAGS, ...options.context }, outdir: options.outdir });
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;
  const stack = new MemoryStack(app, stackName, {
    description: 'Durable memory manager: Temporal worker on Fargate, HTTP and SQS handlers on Lambda, memories in DynamoDB',
    settings: settingsFromContext(app.node),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
