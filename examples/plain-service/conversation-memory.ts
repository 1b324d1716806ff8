/**
 * A plain TypeScript service's memory layer, no agent framework: it records each conversation turn with
 * the memory manager (which extracts memories in the background once the conversation goes quiet) and
 * looks memories up when the service builds its next prompt. All it needs is a `MemoryClient`.
 */
import type { MemoryClient, MessageInput, SearchItem } from 'durable-memory-manager';

/** Options of {@link ConversationMemory}. */
export interface ConversationMemoryOptions {
  /** Quiet period after a turn before extraction, in seconds. @default 60 (a chat pauses between turns) */
  afterSeconds?: number;
}

export class ConversationMemory {
  private readonly afterSeconds: number;

  constructor(
    private readonly memory: MemoryClient,
    options: ConversationMemoryOptions = {},
  ) {
    this.afterSeconds = options.afterSeconds ?? 60;
  }

  /** A user's memories live in their own namespace; the seed used one shared `("memories",)`. */
  namespaceOf(userId: string): string[] {
    return ['memories', userId];
  }

  /** Records one turn; returns once it is durable (extraction happens later, in the worker). */
  async recordTurn(conversationId: string, userId: string, messages: MessageInput[]): Promise<void> {
    await this.memory.submit(conversationId, messages, { afterSeconds: this.afterSeconds, namespace: this.namespaceOf(userId) });
  }

  /** Ends a conversation: extracts what is pending now instead of after the quiet period. */
  async endConversation(conversationId: string): Promise<{ inserted: number; updated: number; deleted: number }> {
    const { inserted, updated, deleted } = await this.memory.flush(conversationId);
    return { inserted, updated, deleted };
  }

  /** The user's memories most relevant to `query`, for the next prompt. */
  async recall(userId: string, query: string, limit = 5): Promise<SearchItem[]> {
    return this.memory.search(this.namespaceOf(userId), { query, limit });
  }
}
