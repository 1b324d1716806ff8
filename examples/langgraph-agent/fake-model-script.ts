/**
 * What the fake Messages API answers when no ANTHROPIC_API_KEY is set. It stands in for two callers of
 * the Messages API and tells them apart by the tools each request offers, not by arrival order:
 * - the background extraction (offers `manage_memories`): the call Claude makes for the seed conversation;
 * - the chat agent (offers `search_memory`): a plain reply to a statement, a `search_memory` call for a
 *   question, and after the tool result an answer built from the memories the search actually returned —
 *   so the "Fido" in the answer comes from DynamoDB, not from this script.
 * It is a fixture, not a model: the example says so in its first line.
 */
import type { RecordedRequest, ScriptedReply } from 'durable-memory-manager/testing';

/** The `manage_memories` call recorded from Claude for "I like dogs. My dog's name is Fido." on an empty store. */
const SEED_EXTRACTION: ScriptedReply = {
  kind: 'tool',
  input: {
    operations: [
      { action: 'insert', content: 'User likes dogs' },
      { action: 'insert', content: 'User has a dog named Fido' },
    ],
  },
};

/** A content block as the Messages API carries it. */
interface Block {
  type: string;
  text?: string;
  content?: unknown;
}

function blocks(content: unknown): Block[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? (content as Block[]) : [];
}

function text(content: unknown): string {
  return blocks(content)
    .map((b) => (b.type === 'text' ? (b.text ?? '') : b.type === 'tool_result' ? text(b.content) : ''))
    .join('');
}

/** The agent's next reply, from the last message of its request. */
function agentTurn(request: RecordedRequest): ScriptedReply {
  const last = request.messages.at(-1);
  const toolResult = blocks(last?.content).find((b) => b.type === 'tool_result');
  if (toolResult) {
    const found = JSON.parse(text(toolResult.content) || '[]') as { value?: { content?: { content?: string } } }[];
    const facts = found.map((m) => m.value?.content?.content ?? '');
    const dog = facts.map((f) => /dog named (\w+)/i.exec(f)?.[1]).find(Boolean);
    return { kind: 'text', text: dog ? `Your dog's name is ${dog}.` : "I don't have that in my memories yet." };
  }
  const said = text(last?.content);
  if (said.trim().endsWith('?')) return { kind: 'tool', name: 'search_memory', input: { query: said, limit: 5 } };
  return { kind: 'text', text: 'Nice! Dogs are great company.' };
}

/** Routes one request to the caller it came from. */
export function fakeReply(request: RecordedRequest): ScriptedReply {
  const tools = (request.tools ?? []).map((t) => t.name);
  if (tools.includes('manage_memories')) return SEED_EXTRACTION;
  if (tools.includes('search_memory')) return agentTurn(request);
  return { kind: 'status', status: 400, message: `fake Messages API: no scripted caller offers tools ${JSON.stringify(tools)}` };
}

/** One routed reply per request the example makes; a request beyond them fails (the fake's script runs out). */
export function fakeScript(requests: number): ScriptedReply[] {
  return Array.from({ length: requests }, () => ({ kind: 'respond' as const, respond: fakeReply }));
}
