/**
 * The handlers' configuration: the shared variables (`loadConfig`: Temporal, table, region) plus those only
 * a handler reads, validated with zod so a bad value fails the cold start naming the variable.
 */
import { z } from 'zod';
import { loadConfig, type AppConfig } from '../config';
import { DEFAULT_TENANT_NAMESPACE } from '../defaults';
import { ConfigurationError } from '../errors';
import { describeZodError, namespaceSchema } from '../schemas';

const handlerEnvSchema = z.object({
  /** JSON array: the tenant's namespace prefix, `{claim}` labels filled from the identity. */
  TENANT_NAMESPACE: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return [...DEFAULT_TENANT_NAMESPACE];
      try {
        const parsed = namespaceSchema.safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
        ctx.addIssue({ code: 'custom', message: `must be a JSON array of namespace labels: ${describeZodError(parsed.error)}` });
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array such as ["memories","{sub}"]' });
      }
      return z.NEVER;
    }),
  /** Secrets Manager secret holding the Temporal Cloud API key, read once per container. */
  TEMPORAL_API_KEY_SECRET_ARN: z.string().startsWith('arn:', 'must be a secret ARN').optional(),
  /** IAM role assumed per tenant (session tag `tenant`) so DynamoDB itself confines each request. */
  TENANT_ROLE_ARN: z.string().startsWith('arn:', 'must be a role ARN').optional(),
});

/** The handlers' validated configuration. */
export interface HandlerConfig extends AppConfig {
  tenantTemplate: string[];
  temporalApiKeySecretArn: string | undefined;
  tenantRoleArn: string | undefined;
}

/** Reads and validates the handlers' configuration; `ConfigurationError` naming each bad variable. */
export function loadHandlerConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  const base = loadConfig(env);
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = handlerEnvSchema.safeParse(present);
  if (!parsed.success) throw new ConfigurationError(`invalid configuration: ${describeZodError(parsed.error)}`);
  return {
    ...base,
    tenantTemplate: parsed.data.TENANT_NAMESPACE,
    temporalApiKeySecretArn: parsed.data.TEMPORAL_API_KEY_SECRET_ARN,
    tenantRoleArn: parsed.data.TENANT_ROLE_ARN,
  };
}
