/**
 * The API keys the system needs, in Secrets Manager: created with a generated placeholder value (put the
 * real key with `aws secretsmanager put-secret-value`, infra/README.md), or imported by ARN. With Bedrock
 * there is no Anthropic key: the worker's task role calls Bedrock instead.
 */
import { Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { MemoryStackSettings } from '../stack-config';

/** Why neither secret rotates automatically (cdk-nag AwsSolutions-SMG4). */
const ROTATION_REASON =
  'Third-party API keys (Anthropic console, Temporal Cloud API keys) are issued outside AWS: no rotation Lambda can mint them. Rotate by issuing a new key there and running put-secret-value; the worker picks it up on its next task start and the handlers on their next cold start.';

/** Secrets for the worker (Anthropic, Temporal) and the handlers (Temporal). */
export class MemorySecrets extends Construct {
  /** Temporal Cloud API key, read by the worker (ecs.Secret) and by the handlers at cold start. */
  readonly temporalApiKey: secretsmanager.ISecret;
  /** Anthropic API key; undefined with Bedrock. */
  readonly anthropicApiKey: secretsmanager.ISecret | undefined;

  constructor(scope: Construct, id: string, settings: MemoryStackSettings) {
    super(scope, id);
    this.temporalApiKey = this.secret(
      'TemporalApiKey',
      settings.existingSecrets.temporalApiKeyArn,
      'Temporal Cloud API key of the memory manager (worker and API handlers).',
    );
    this.anthropicApiKey =
      settings.model.provider === 'anthropic'
        ? this.secret('AnthropicApiKey', settings.existingSecrets.anthropicApiKeyArn, 'Anthropic API key the memory worker calls Claude with.')
        : undefined;
  }

  private secret(id: string, existingArn: string | undefined, description: string): secretsmanager.ISecret {
    if (existingArn !== undefined) return secretsmanager.Secret.fromSecretCompleteArn(this, id, existingArn);
    const secret = new secretsmanager.Secret(this, id, {
      description: `${description} Created with a random placeholder: put the real value with aws secretsmanager put-secret-value.`,
      // A random placeholder, not an empty string: the worker fails authentication loudly until it is replaced.
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: ROTATION_REASON });
    return secret;
  }
}
