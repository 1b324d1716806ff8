import { loadConfig, type AppConfig } from '../../src/config';
import {
  BATCH_RECEIPT_TTL_DAYS,
  DEFAULT_AWS_REGION,
  DEFAULT_BATCH_LOG_RETENTION_DAYS,
  DEFAULT_MESSAGE_RETENTION_DAYS,
  DEFAULT_MODEL,
  DEFAULT_TABLE_NAME,
  DEFAULT_TASK_QUEUE,
  DEFAULT_TEMPORAL_ADDRESS,
  DEFAULT_TEMPORAL_NAMESPACE,
} from '../../src/defaults';
import { ConfigurationError } from '../../src/errors';

const DEFAULTS: AppConfig = {
  temporalAddress: DEFAULT_TEMPORAL_ADDRESS,
  temporalNamespace: DEFAULT_TEMPORAL_NAMESPACE,
  taskQueue: DEFAULT_TASK_QUEUE,
  dynamodbEndpoint: undefined,
  awsRegion: DEFAULT_AWS_REGION,
  tableName: DEFAULT_TABLE_NAME,
  anthropicApiKey: undefined,
  anthropicBaseUrl: undefined,
  model: DEFAULT_MODEL,
  workflowBundlePath: undefined,
  embeddings: { provider: 'none' },
  modelProvider: 'anthropic',
  modelPrices: undefined,
  managersModule: undefined,
  retention: { messagesDays: DEFAULT_MESSAGE_RETENTION_DAYS, receiptsDays: BATCH_RECEIPT_TTL_DAYS, batchLogDays: DEFAULT_BATCH_LOG_RETENTION_DAYS },
};

/** Every variable loadConfig reads, with the config field it fills and a valid non-default value. */
const VARIABLES: [string, keyof AppConfig, string][] = [
  ['TEMPORAL_ADDRESS', 'temporalAddress', 'temporal.internal:7233'],
  ['TEMPORAL_NAMESPACE', 'temporalNamespace', 'prod'],
  ['TEMPORAL_TASK_QUEUE', 'taskQueue', 'memories-eu'],
  ['DYNAMODB_ENDPOINT', 'dynamodbEndpoint', 'http://localhost:8000'],
  ['AWS_REGION', 'awsRegion', 'eu-west-1'],
  ['MEMORY_TABLE_NAME', 'tableName', 'my-memories'],
  ['ANTHROPIC_API_KEY', 'anthropicApiKey', 'sk-test'],
  ['ANTHROPIC_BASE_URL', 'anthropicBaseUrl', 'http://127.0.0.1:9999'],
  ['ANTHROPIC_MODEL', 'model', 'claude-haiku-4-5'],
];

function configurationError(env: NodeJS.ProcessEnv): ConfigurationError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    return err as ConfigurationError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('uses the defaults when no variable is set', () => {
    expect(loadConfig({})).toEqual(DEFAULTS);
  });

  it('ignores unrelated variables', () => {
    expect(loadConfig({ HOME: '/root', PATH: '/usr/bin' })).toEqual(DEFAULTS);
  });

  it.each(VARIABLES)('reads %s', (name, field, value) => {
    expect(loadConfig({ [name]: value })).toEqual({ ...DEFAULTS, [field]: value });
  });

  it('reads all overrides together', () => {
    const env = Object.fromEntries(VARIABLES.map(([name, , value]) => [name, value]));
    const expected = Object.fromEntries(VARIABLES.map(([, field, value]) => [field, value]));
    expect(loadConfig(env)).toEqual({ ...DEFAULTS, ...expected });
  });

  it('requires ANTHROPIC_MODEL with MODEL_PROVIDER=bedrock (the default model name is not a Bedrock id)', () => {
    expect(configurationError({ MODEL_PROVIDER: 'bedrock' }).message).toContain('ANTHROPIC_MODEL: required with MODEL_PROVIDER=bedrock');
    expect(loadConfig({ MODEL_PROVIDER: 'bedrock', ANTHROPIC_MODEL: 'us.anthropic.claude-x' })).toMatchObject({
      modelProvider: 'bedrock',
      model: 'us.anthropic.claude-x',
    });
  });

  it('trims optional values', () => {
    expect(loadConfig({ ANTHROPIC_API_KEY: '  sk-test \n' }).anthropicApiKey).toBe('sk-test');
  });

  it.each(['DYNAMODB_ENDPOINT', 'ANTHROPIC_BASE_URL'])('rejects a %s that is not a URL', (name) => {
    const error = configurationError({ [name]: 'not a url' });
    expect(error.message).toContain(name);
    expect(error.retryable).toBe(false);
  });

  it('names every bad variable', () => {
    const message = configurationError({ DYNAMODB_ENDPOINT: 'nope', MEMORY_TABLE_NAME: 'x' }).message;
    expect(message).toContain('DYNAMODB_ENDPOINT');
    expect(message).toContain('MEMORY_TABLE_NAME');
  });

  it.each(['', '   '])('treats blank optional variables (%j) as unset', (blank) => {
    const env = { DYNAMODB_ENDPOINT: blank, ANTHROPIC_API_KEY: blank, ANTHROPIC_BASE_URL: blank };
    expect(loadConfig(env)).toEqual(DEFAULTS);
  });

  it.each(['', '   '])('treats blank variables that have a default (%j) as unset', (blank) => {
    const env = Object.fromEntries(VARIABLES.map(([name]) => [name, blank]));
    expect(loadConfig(env)).toEqual(DEFAULTS);
  });
});

test('a DynamoDB endpoint without http(s):// is rejected at startup, naming the variable', () => {
  expect(() => loadConfig({ DYNAMODB_ENDPOINT: 'localhost:8000' })).toThrow(/DYNAMODB_ENDPOINT: must be an http/);
});

test('values are trimmed', () => {
  expect(loadConfig({ TEMPORAL_ADDRESS: ' localhost:7233 ' }).temporalAddress).toBe('localhost:7233');
});

test('a WORKFLOW_BUNDLE_PATH that does not exist fails at startup instead of silently bundling from source', () => {
  expect(() => loadConfig({ WORKFLOW_BUNDLE_PATH: '/nowhere/bundle.js' })).toThrow(/WORKFLOW_BUNDLE_PATH: no file at this path/);
  expect(loadConfig({ WORKFLOW_BUNDLE_PATH: __filename }).workflowBundlePath).toBe(__filename);
});

describe('embeddings', () => {
  test('off unless EMBEDDINGS_PROVIDER names a provider', () => {
    expect(loadConfig({}).embeddings).toEqual({ provider: 'none' });
  });

  test('bedrock takes the region, model, dimensions and endpoint', () => {
    const config = loadConfig({
      EMBEDDINGS_PROVIDER: 'bedrock',
      AWS_REGION: 'eu-west-1',
      EMBEDDINGS_DIMENSIONS: '512',
      EMBEDDINGS_ENDPOINT: 'http://127.0.0.1:9',
    });
    expect(config.embeddings).toEqual({ provider: 'bedrock', region: 'eu-west-1', model: undefined, dimensions: 512, endpoint: 'http://127.0.0.1:9' });
  });

  test('voyage takes its key; a bad provider or dimension names the variable', () => {
    expect(loadConfig({ EMBEDDINGS_PROVIDER: 'voyage', VOYAGE_API_KEY: 'pa-x' }).embeddings).toMatchObject({ provider: 'voyage', apiKey: 'pa-x' });
    expect(configurationError({ EMBEDDINGS_PROVIDER: 'openai' }).message).toContain('EMBEDDINGS_PROVIDER');
    expect(configurationError({ EMBEDDINGS_DIMENSIONS: 'many' }).message).toContain('EMBEDDINGS_DIMENSIONS');
  });
});

describe('retention', () => {
  it('reads the three retentions, in days or "keep"', () => {
    expect(loadConfig({ MESSAGE_RETENTION_DAYS: '7', RECEIPT_RETENTION_DAYS: 'keep', BATCH_LOG_RETENTION_DAYS: ' 365 ' }).retention).toEqual({
      messagesDays: 7,
      receiptsDays: 'keep',
      batchLogDays: 365,
    });
  });

  it.each([
    ['MESSAGE_RETENTION_DAYS', '0'],
    ['MESSAGE_RETENTION_DAYS', '1.5'],
    ['RECEIPT_RETENTION_DAYS', 'forever'],
    ['BATCH_LOG_RETENTION_DAYS', '3651'],
    ['MESSAGE_RETENTION_DAYS', '2592000'],
  ])('rejects %s=%s, naming the variable and what it accepts', (name, value) => {
    const error = configurationError({ [name]: value });
    expect(error.message).toContain(`${name}: must be a whole number of days from 1 to 3650, or "keep"`);
  });
});
