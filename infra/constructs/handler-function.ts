/**
 * One Lambda handler as deployed: esbuild-bundled locally (never in Docker), Node 22 on ARM, its own log
 * group with retention and its own role that may write only to that log group. Callers add exactly the
 * data permissions the handler needs; nothing comes from a managed policy.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LOCKFILE, REPO_ROOT } from '../paths';

/** Memory of each handler (MB): the Temporal client's gRPC stack and the AWS SDK, with CPU to spare for cold starts. */
export const HANDLER_MEMORY_MB = 512;

/** Props of {@link HandlerFunction}. */
export interface HandlerFunctionProps {
  /** The TypeScript entry exporting `handler`. */
  entry: string;
  /** Ceiling of one invocation. */
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  description: string;
}

/** A NodejsFunction with an explicit role and log group. */
export class HandlerFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (logs to its own log group; data permissions added explicitly)`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): this function's group only.
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }));
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: HANDLER_MEMORY_MB,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCKFILE,
      bundling: {
        minify: true,
        sourceMap: true,
        // Maps keep file and line for stack traces; the sources themselves would only triple the package.
        sourcesContent: false,
        target: 'node22',
        // The exact SDK versions the tests ran against, not whatever the runtime ships this month.
        bundleAwsSDK: true,
        // Local esbuild (a dev dependency); fail rather than quietly need a Docker daemon.
        forceDockerBundling: false,
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22 on purpose: the worker image is node:22-bookworm-slim and the handlers share its code, so both run the Node major the project tests. Move both together.',
    });
  }
}
