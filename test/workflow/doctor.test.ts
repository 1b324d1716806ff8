/**
 * `doctor` against the real servers: each check passes where its part works, and fails with a fix where it
 * does not — no worker on the task queue, a missing table, a model the endpoint does not know, Temporal down.
 */
import { FakeMessagesApi } from '../../src/testing/fake-messages-api';
import { freePort } from '../../src/testing/free-port';
import { runDoctor } from '../../src/operator/doctor';
import { createOperatorContext } from '../../src/operator/operator-context';
import { dynamoEndpoint, freshTable, temporalAddress, uniqueId } from '../support/test-env';

let fake: FakeMessagesApi;
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  fake = await FakeMessagesApi.start();
  table = await freshTable('doctor');
});
afterAll(async () => {
  await fake?.close();
  table?.client.destroy();
});

function env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_TASK_QUEUE: uniqueId('doctor'),
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    MEMORY_TABLE_NAME: table.tableName,
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: fake.baseURL,
    ANTHROPIC_MODEL: 'claude-test-model',
    ...overrides,
  };
}

async function checks(variables: NodeJS.ProcessEnv) {
  const ctx = await createOperatorContext(variables);
  try {
    return Object.fromEntries((await runDoctor(ctx, { timeoutMs: 3_000 })).map((check) => [check.name, check]));
  } finally {
    await ctx.close();
  }
}

test('the working parts pass; a task queue nobody polls fails with how to start a worker', async () => {
  const result = await checks(env());
  expect(result['temporal']).toMatchObject({ ok: true });
  expect(result['dynamodb']).toMatchObject({ ok: true });
  expect(result['table']).toMatchObject({ ok: true, detail: expect.stringContaining('recency') as unknown });
  expect(result['model']).toMatchObject({ ok: true, detail: expect.stringContaining('claude-test-model') as unknown });
  expect(result['worker']).toMatchObject({ ok: false, fix: expect.stringContaining('TEMPORAL_TASK_QUEUE') as unknown });
});

test('a missing table, a model the endpoint does not know and a stopped Temporal each fail with a fix', async () => {
  const port = await freePort();
  const result = await checks(
    env({ MEMORY_TABLE_NAME: uniqueId('no-such-table'), ANTHROPIC_BASE_URL: `${fake.baseURL}/wrong-prefix`, TEMPORAL_ADDRESS: `127.0.0.1:${port}` }),
  );
  expect(result['table']).toMatchObject({ ok: false, detail: expect.stringContaining('does not exist') as unknown });
  expect(result['model']).toMatchObject({
    ok: false,
    detail: expect.stringContaining('404') as unknown,
    fix: expect.stringContaining('ANTHROPIC_MODEL') as unknown,
  });
  expect(result['temporal']).toMatchObject({ ok: false, detail: expect.stringContaining(`127.0.0.1:${port}`) as unknown });
  expect(result['worker']).toMatchObject({ ok: false, detail: expect.stringContaining('not checked') as unknown });
  expect(result['dynamodb']).toMatchObject({ ok: true });
}, 30_000);
