/**
 * The plain service on the embedded test stack: records the seed conversation, ends it (flush), and
 * recalls what the background extraction stored.
 *
 *   npx tsx examples/plain-service/run-service.ts
 *
 * Without ANTHROPIC_API_KEY the extraction talks to a fake Messages API replaying a recorded reply, and
 * the first line printed says so.
 */
import { randomUUID } from 'node:crypto';
import { startMemoryTestStack, type MemoryTestStackOptions } from 'durable-memory-manager/testing';
import { ConversationMemory } from './conversation-memory';

/** Options of {@link main}. */
export interface PlainServiceOptions {
  /** Passed to the test stack, e.g. servers to reuse instead of starting new ones. */
  stack?: MemoryTestStackOptions;
  /** @default console.log */
  log?: (line: string) => void;
}

/** What the run observed. */
export interface PlainServiceResult {
  model: 'claude' | 'fake';
  /** Every memory stored for the user. */
  memories: string[];
  /** The memories `recall` ranked first for the question. */
  recalled: string[];
}

const textOf = (value: Record<string, unknown>): string => (value['content'] as { content?: string } | undefined)?.content ?? JSON.stringify(value);

export async function main(options: PlainServiceOptions = {}): Promise<PlainServiceResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const apiKey = process.env['ANTHROPIC_API_KEY'] || undefined;
  log(
    apiKey
      ? 'Using Claude through the Anthropic API for the extraction.'
      : 'No ANTHROPIC_API_KEY set: the extraction talks to a FAKE Messages API on 127.0.0.1 replaying a recorded reply (not a live model).',
  );
  const stack = await startMemoryTestStack({ ...options.stack, anthropicApiKey: apiKey });
  try {
    // The `manage_memories` call Claude makes for this conversation on an empty store.
    stack.fake?.script({
      kind: 'tool',
      input: {
        operations: [
          { action: 'insert', content: 'User likes dogs' },
          { action: 'insert', content: 'User has a dog named Fido' },
        ],
      },
    });
    const service = new ConversationMemory(stack.memory, { afterSeconds: 0.5 });
    const conversationId = `support-${randomUUID().slice(0, 8)}`;
    const userId = 'customer-42';

    await service.recordTurn(conversationId, userId, [
      { role: 'user', content: "I like dogs. My dog's name is Fido." },
      { role: 'assistant', content: 'Noted! How can I help you and Fido today?' },
    ]);
    log('recorded the turn; ending the conversation extracts it now...');
    const changes = await service.endConversation(conversationId);
    log(`extracted: ${changes.inserted} inserted, ${changes.updated} updated, ${changes.deleted} deleted`);

    const memories = (await stack.memory.search(service.namespaceOf(userId))).map((item) => textOf(item.value));
    for (const memory of memories) log(`  memory: ${memory}`);
    const recalled = (await service.recall(userId, "what is the dog's name")).map((item) => textOf(item.value));
    log(`recall("what is the dog's name") → ${JSON.stringify(recalled[0] ?? null)}`);
    if ((stack.fake?.unexpected.length ?? 0) > 0) throw new Error('the fake Messages API got requests beyond its script');
    return { model: apiKey ? 'claude' : 'fake', memories, recalled };
  } finally {
    await stack.stop();
    log('stopped everything the example started');
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
