/** The activities wired to DynamoDB Local and the fake Messages API, run without a worker. */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ActivityDependencies } from '../../src/activities';
import type { BatchRef, DeadLetterRequest, DeadLetterResult, ExtractionResult } from '../../src/contract';
import { FakeMessagesApi } from '../../src/testing/fake-messages-api';
import { ManagerRegistry } from '../../src/managers/manager-registry';
import { createAnthropicClient } from '../../src/model/anthropic-client';
import { ClaudeExtractor } from '../../src/model/claude-extractor';
import { createStores } from '../../src/worker/dependencies';
import { freshTable, uniqueId, useHarness } from './test-env';

export interface ActivityHarness {
  fake: FakeMessagesApi;
  deps: Omit<ActivityDependencies, 'extractor'>;
  /** Stores one message per content in a thread's inbox (for `manager`, default: the default manager); returns the thread id. */
  submit(contents: string[], namespace?: string[], threadId?: string, manager?: string): Promise<string>;
  /** The next batch of a thread (everything stored counts as signalled). */
  plan(threadId: string): Promise<BatchRef>;
  run(ref: BatchRef, attempt?: number): Promise<ExtractionResult>;
  /** Runs the extraction expecting it to fail (optionally against another model URL); returns its ApplicationFailure. */
  runFailing(ref: BatchRef, options?: { modelBaseURL?: string; attempt?: number }): Promise<ApplicationFailure>;
  deadLetter(request: DeadLetterRequest): Promise<DeadLetterResult>;
  stop(): Promise<void>;
}

/** Options of the activity harness. */
export interface ActivityHarnessOptions {
  /** The memory managers the activities know (as `deps.managers`). @default the default manager only */
  managers?: ManagerRegistry;
}

export async function startActivityHarness(name: string, options: ActivityHarnessOptions = {}): Promise<ActivityHarness> {
  const fake = await FakeMessagesApi.start();
  const dynamo = await freshTable(name);
  const deps = { ...createStores(dynamo, dynamo.tableName), managers: options.managers ?? new ManagerRegistry() };
  const activities = (baseURL = fake.baseURL) =>
    createActivities({
      ...deps,
      extractor: new ClaudeExtractor(createAnthropicClient({ apiKey: 'test-key', baseURL }), { model: 'claude-test-model' }),
    });
  const run = (ref: BatchRef, attempt = 1, baseURL = fake.baseURL): Promise<ExtractionResult> =>
    new MockActivityEnvironment({ attempt }).run(activities(baseURL).extractBatch, ref);
  return {
    fake,
    deps,
    async submit(contents, namespace = ['memories', uniqueId('ns')], threadId = uniqueId('thread'), manager) {
      const messages = contents.map((content) => ({ id: uniqueId('m'), role: 'user' as const, content, timestamp: '2026-11-26T10:00:00.000Z' }));
      await deps.inbox.append(threadId, namespace, messages, manager);
      return threadId;
    },
    async plan(threadId) {
      const ref = await deps.planner.next(threadId, Number.MAX_SAFE_INTEGER);
      if (!ref) throw new Error(`nothing to plan for ${threadId}`);
      return ref;
    },
    run: (ref, attempt) => run(ref, attempt),
    async runFailing(ref, options = {}) {
      const error: unknown = await run(ref, options.attempt, options.modelBaseURL).then(
        () => new Error('expected the activity to fail'),
        (err: unknown) => err,
      );
      if (!(error instanceof ApplicationFailure)) throw error;
      return error;
    },
    deadLetter: (request): Promise<DeadLetterResult> => new MockActivityEnvironment().run(activities().deadLetterBatch, request),
    async stop() {
      await fake.close();
      dynamo.client.destroy();
    },
  };
}

/** One activity harness per test file, with the hooks of `useHarness`. */
export function useActivityHarness(name: string, options: ActivityHarnessOptions = {}): ActivityHarness {
  return useHarness(() => startActivityHarness(name, options));
}
