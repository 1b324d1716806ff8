/**
 * The deployment's settings: every default of the AWS stack in one place, each named with its unit and a
 * one-line reason, and the mapping from CDK context values (`-c key=value` or infra/cdk.json) onto them.
 * The placeholders deploy and run but let nobody in (JWT) and reach no Temporal cluster; the app warns
 * while they are in use. infra/README.md lists the context keys.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { DEFAULT_MODEL, DEFAULT_TASK_QUEUE, DEFAULT_TENANT_NAMESPACE as TENANT_TEMPLATE_LABELS } from '../src/defaults';
import { NAMESPACE_SEPARATOR } from '../src/rules';

// ───────────────────────────── placeholders (replace before real use) ─────────────────────────────

/** Issuer placeholder: a well-formed Cognito issuer of no real pool, so every token is refused until it is set. */
export const PLACEHOLDER_JWT_ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_REPLACEME';

/** Audience placeholder (a Cognito app client id, or an OIDC provider's audience). */
export const PLACEHOLDER_JWT_AUDIENCE = 'replace-with-your-app-client-id';

/** Temporal Cloud namespace endpoint placeholder (`<namespace>.<account>.tmprl.cloud:7233`). */
export const PLACEHOLDER_TEMPORAL_ADDRESS = 'your-namespace.your-account.tmprl.cloud:7233';

/** Temporal Cloud namespace placeholder (`<namespace>.<account>`). */
export const PLACEHOLDER_TEMPORAL_NAMESPACE = 'your-namespace.your-account';

// ───────────────────────────── defaults ─────────────────────────────

/** Tenant namespace template (the handlers' own default, as JSON): each JWT subject gets `["memories","<sub>"]`, a two-label tenant IAM can confine. */
export const DEFAULT_TENANT_NAMESPACE = JSON.stringify(TENANT_TEMPLATE_LABELS);

/** A claim placeholder label in the tenant template (`{sub}`, `{org}`), as the handlers fill them. */
const CLAIM_PLACEHOLDER = /^\{[A-Za-z0-9_:.-]+\}$/;

/** Temporal's frontend port, used when the address names none (worker egress rule). */
export const DEFAULT_TEMPORAL_PORT = 7233;

/** Worker task CPU (CPU units, 1024 = 1 vCPU): extraction is I/O-bound on the model, bundling/JSON is the CPU work. */
export const DEFAULT_WORKER_CPU_UNITS = 1024;

/** Worker task memory (MiB): the workflow cache plus in-flight prompts; also passed as WORKER_MEMORY_LIMIT_MB. */
export const DEFAULT_WORKER_MEMORY_MIB = 2048;

/** Fewest worker tasks: one keeps thread workflows moving; Temporal holds the work while a task restarts. */
export const DEFAULT_WORKER_MIN_TASKS = 1;

/** Most worker tasks under CPU autoscaling. */
export const DEFAULT_WORKER_MAX_TASKS = 4;

/** CPU utilisation the worker service scales to (%). */
export const DEFAULT_WORKER_CPU_TARGET_PERCENT = 60;

/** CloudWatch Logs retention of every log group in the stack (days; one of CloudWatch's allowed values). */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** What the stack is configured with; `settingsFromContext` builds it from CDK context. */
export interface MemoryStackSettings {
  /** Temporal frontend (Temporal Cloud or self-hosted) the handlers and the worker connect to. */
  temporal: {
    /** `host:port` */
    address: string;
    namespace: string;
    /** @default DEFAULT_TASK_QUEUE ('memory-manager') */
    taskQueue: string;
  };
  /** JWT authorizer of the HTTP API. */
  jwt: { issuer: string; audience: string[] };
  /**
   * JSON array template of each caller's tenant namespace; `{sub}` is the JWT subject. Must be two labels,
   * the second a claim placeholder, so the TenantDataRole's LeadingKeys conditions can confine it.
   * @default DEFAULT_TENANT_NAMESPACE
   */
  tenantNamespace: string;
  /** Where the worker runs Claude. */
  model: {
    provider: 'anthropic' | 'bedrock';
    /** Anthropic model name, or with Bedrock a model id / inference profile id. @default DEFAULT_MODEL (anthropic only) */
    name: string;
    /** Bedrock only: ARNs the worker may invoke. @default derived from `name` (see bedrockModelArns) */
    bedrockModelArns?: string[];
  };
  /** Existing secrets to use instead of creating them (full secret ARNs). */
  existingSecrets: { anthropicApiKeyArn?: string; temporalApiKeyArn?: string };
  worker: { cpuUnits: number; memoryMiB: number; minTasks: number; maxTasks: number; cpuTargetPercent: number };
  /** Alarm notifications: an e-mail subscribed to a new topic, and/or an existing topic. */
  alarms: { email?: string; topicArn?: string };
  logRetentionDays: number;
}

/** The settings with every default and placeholder: what a bare `cdk synth` deploys. */
export function defaultSettings(): MemoryStackSettings {
  return {
    temporal: { address: PLACEHOLDER_TEMPORAL_ADDRESS, namespace: PLACEHOLDER_TEMPORAL_NAMESPACE, taskQueue: DEFAULT_TASK_QUEUE },
    jwt: { issuer: PLACEHOLDER_JWT_ISSUER, audience: [PLACEHOLDER_JWT_AUDIENCE] },
    tenantNamespace: DEFAULT_TENANT_NAMESPACE,
    model: { provider: 'anthropic', name: DEFAULT_MODEL },
    existingSecrets: {},
    worker: {
      cpuUnits: DEFAULT_WORKER_CPU_UNITS,
      memoryMiB: DEFAULT_WORKER_MEMORY_MIB,
      minTasks: DEFAULT_WORKER_MIN_TASKS,
      maxTasks: DEFAULT_WORKER_MAX_TASKS,
      cpuTargetPercent: DEFAULT_WORKER_CPU_TARGET_PERCENT,
    },
    alarms: {},
    logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
  };
}

/** Thrown at synth for a context value that cannot work; names the context key. */
export class StackConfigError extends Error {
  override readonly name = 'StackConfigError';
}

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw new StackConfigError(`context ${key}: expected a string, got ${JSON.stringify(value)}`);
  return String(value).trim();
}

function integer(node: Node, key: string, fallback: number): number {
  const raw = text(node, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new StackConfigError(`context ${key}: expected a positive integer, got ${raw}`);
  return value;
}

/** A list from context: a JSON array (cdk.json), or comma-separated text (`-c key=a,b`). */
function list(node: Node, key: string): string[] | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  throw new StackConfigError(`context ${key}: expected a list of strings, got ${JSON.stringify(value)}`);
}

/**
 * Reads the settings from CDK context. Keys: temporalAddress, temporalNamespace, temporalTaskQueue,
 * jwtIssuer, jwtAudience, tenantNamespace, modelProvider, anthropicModel, bedrockModelArns,
 * anthropicSecretArn, temporalSecretArn, workerCpu, workerMemoryMiB, workerMinTasks, workerMaxTasks,
 * workerCpuTargetPercent, alarmEmail, alarmTopicArn, logRetentionDays.
 */
export function settingsFromContext(node: Node): MemoryStackSettings {
  const d = defaultSettings();
  const provider = text(node, 'modelProvider') ?? d.model.provider;
  if (provider !== 'anthropic' && provider !== 'bedrock') throw new StackConfigError(`context modelProvider: expected anthropic or bedrock, got ${provider}`);
  const modelName = text(node, 'anthropicModel');
  return validateSettings({
    temporal: {
      address: text(node, 'temporalAddress') ?? d.temporal.address,
      namespace: text(node, 'temporalNamespace') ?? d.temporal.namespace,
      taskQueue: text(node, 'temporalTaskQueue') ?? d.temporal.taskQueue,
    },
    jwt: { issuer: text(node, 'jwtIssuer') ?? d.jwt.issuer, audience: list(node, 'jwtAudience') ?? d.jwt.audience },
    tenantNamespace: text(node, 'tenantNamespace') ?? d.tenantNamespace,
    model: {
      provider,
      // With Bedrock the name must be a Bedrock id; validateSettings insists on one.
      name: modelName ?? (provider === 'anthropic' ? d.model.name : ''),
      bedrockModelArns: list(node, 'bedrockModelArns'),
    },
    existingSecrets: { anthropicApiKeyArn: text(node, 'anthropicSecretArn'), temporalApiKeyArn: text(node, 'temporalSecretArn') },
    worker: {
      cpuUnits: integer(node, 'workerCpu', d.worker.cpuUnits),
      memoryMiB: integer(node, 'workerMemoryMiB', d.worker.memoryMiB),
      minTasks: integer(node, 'workerMinTasks', d.worker.minTasks),
      maxTasks: integer(node, 'workerMaxTasks', d.worker.maxTasks),
      cpuTargetPercent: integer(node, 'workerCpuTargetPercent', d.worker.cpuTargetPercent),
    },
    alarms: { email: text(node, 'alarmEmail'), topicArn: text(node, 'alarmTopicArn') },
    logRetentionDays: integer(node, 'logRetentionDays', d.logRetentionDays),
  });
}

/** Rejects settings the stack cannot honour, with the context key to fix. */
export function validateSettings(settings: MemoryStackSettings): MemoryStackSettings {
  tenantFirstLabel(settings.tenantNamespace);
  if (settings.model.provider === 'bedrock' && settings.model.name === '') {
    throw new StackConfigError(
      'context anthropicModel: required with modelProvider=bedrock (a Bedrock model id or inference profile id, e.g. "us.anthropic.claude-…")',
    );
  }
  if (settings.model.provider === 'anthropic' && settings.model.bedrockModelArns !== undefined) {
    throw new StackConfigError('context bedrockModelArns: only used with modelProvider=bedrock');
  }
  if (settings.jwt.audience.length === 0) throw new StackConfigError('context jwtAudience: at least one audience is required');
  if (!/^https:\/\//.test(settings.jwt.issuer)) throw new StackConfigError(`context jwtIssuer: must be an https:// URL, got ${settings.jwt.issuer}`);
  const { minTasks, maxTasks, cpuTargetPercent } = settings.worker;
  if (maxTasks < minTasks) throw new StackConfigError(`context workerMaxTasks: ${maxTasks} is below workerMinTasks ${minTasks}`);
  if (cpuTargetPercent > 100) throw new StackConfigError(`context workerCpuTargetPercent: ${cpuTargetPercent} is over 100`);
  if (!(Object.values(RetentionDays) as unknown[]).includes(settings.logRetentionDays)) {
    throw new StackConfigError(`context logRetentionDays: ${settings.logRetentionDays} is not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, …)`);
  }
  return settings;
}

/**
 * The first label of the tenant template `["<label>","{<claim>}"]`. The handlers tag the tenant session
 * with the last label's value and the TenantDataRole's LeadingKeys patterns spell out exactly this shape,
 * so any other template (more labels, the claim first, a fixed second label) is refused at synth.
 */
export function tenantFirstLabel(template: string): string {
  let labels: unknown;
  try {
    labels = JSON.parse(template);
  } catch {
    throw new StackConfigError(`context tenantNamespace: not JSON: ${template}`);
  }
  const [first, second] = Array.isArray(labels) ? (labels as unknown[]) : [];
  const valid =
    Array.isArray(labels) &&
    labels.length === 2 &&
    typeof first === 'string' &&
    first !== '' &&
    typeof second === 'string' &&
    CLAIM_PLACEHOLDER.test(second) &&
    !/[*?{}$]/.test(first) &&
    !first.includes(NAMESPACE_SEPARATOR);
  if (!valid) {
    throw new StackConfigError(
      `context tenantNamespace: must be a JSON array of two labels, a fixed one then a claim such as "{sub}" (IAM can confine only two-label tenants; docs/design.md "Tenancy"), got ${template}`,
    );
  }
  return first;
}

/** The placeholders still in use, for a synth-time warning. */
export function placeholdersInUse(settings: MemoryStackSettings): string[] {
  const names: string[] = [];
  if (settings.jwt.issuer === PLACEHOLDER_JWT_ISSUER) names.push('jwtIssuer');
  if (settings.jwt.audience.includes(PLACEHOLDER_JWT_AUDIENCE)) names.push('jwtAudience');
  if (settings.temporal.address === PLACEHOLDER_TEMPORAL_ADDRESS) names.push('temporalAddress');
  if (settings.temporal.namespace === PLACEHOLDER_TEMPORAL_NAMESPACE) names.push('temporalNamespace');
  return names;
}

/** The port of a `host:port` Temporal address, for the worker's egress rule. */
export function temporalPort(address: string): number {
  const match = /:(\d+)$/.exec(address);
  return match ? Number(match[1]) : DEFAULT_TEMPORAL_PORT;
}
