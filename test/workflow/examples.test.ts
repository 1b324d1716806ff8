/**
 * The examples, run in-process as a user runs them (they import the package by name; jest maps the name
 * to src/), on the test run's Temporal dev server and DynamoDB Local, with the fake Messages API:
 * - the LangGraph.js agent: both seed memories stored by the background extraction, "Fido" recalled
 *   through the agent's search_memory tool;
 * - the plain service: the same memories stored, and recalled by a query.
 */
import { main as runSeedAgent } from '../../examples/langgraph-agent/seed-agent';
import { main as runPlainService } from '../../examples/plain-service/run-service';
import { dynamoEndpoint, temporalAddress } from '../support/test-env';

const SEED_MEMORIES = ['User has a dog named Fido', 'User likes dogs'];

let savedKey: string | undefined;
beforeAll(() => {
  // The examples use Claude when a key is set; these tests pin the fake.
  savedKey = process.env['ANTHROPIC_API_KEY'];
  delete process.env['ANTHROPIC_API_KEY'];
});
afterAll(() => {
  if (savedKey !== undefined) process.env['ANTHROPIC_API_KEY'] = savedKey;
});

const stack = () => ({ temporalAddress: temporalAddress(), dynamodbEndpoint: dynamoEndpoint() });

test('the seed as a LangGraph.js agent: both memories stored, "Fido" recalled through the search tool', async () => {
  const lines: string[] = [];
  const result = await runSeedAgent({ stack: stack(), log: (line) => lines.push(line) });
  expect(lines[0]).toMatch(/^No ANTHROPIC_API_KEY set: .*FAKE Messages API/);
  expect(result.model).toBe('fake');
  expect([...result.memories].sort()).toEqual(SEED_MEMORIES);
  expect(result.searches).toEqual(["What's my dog's name?"]);
  expect(result.answer).toMatch(/Fido/);
  expect(lines.at(-1)).toBe('stopped everything the example started');
});

test('the plain service: the seed memories stored and recalled by query', async () => {
  const lines: string[] = [];
  const result = await runPlainService({ stack: stack(), log: (line) => lines.push(line) });
  expect(lines[0]).toMatch(/FAKE Messages API/);
  expect([...result.memories].sort()).toEqual(SEED_MEMORIES);
  expect(result.recalled[0]).toBe('User has a dog named Fido');
});
