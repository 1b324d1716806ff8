/**
 * What Claude is asked: the system prompt and the `manage_memories` tool, in the spirit of LangMem's
 * memory manager (insert new memories, update existing ones by id, delete contradicted ones).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { ThreadMessage } from '../contract';
import { memoryToolInputSchema } from '../schemas';
import type { MemoryItem } from '../store/memory-types';
import { memoryText } from '../store/memory-types';

export const MEMORY_TOOL_NAME = 'manage_memories';

export const MEMORY_SYSTEM_PROMPT = `You are a long-term memory manager working in the background of a conversation.
Extract durable, useful facts about the user and their world from the new messages: preferences, relationships,
possessions, plans, and corrections. Write each memory as a short third-person statement ("User likes dogs").
Use the manage_memories tool exactly once:
- insert a memory for each new fact not already covered by an existing memory;
- update an existing memory (by its id) when the new messages refine or change it;
- delete an existing memory (by its id) only when the new messages clearly contradict or retract it.
Return an empty operations list when nothing is worth remembering. Never invent facts.`;

const toolJsonSchema = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(memoryToolInputSchema, { io: 'input' }) as Record<string, unknown>;
  return schema as Anthropic.Tool.InputSchema;
})();

/** The tool definition sent to the Messages API; its input schema is generated from the zod schema. */
export const MEMORY_TOOL: Anthropic.Tool = {
  name: MEMORY_TOOL_NAME,
  description: 'Insert, update or delete long-term memories extracted from the conversation.',
  input_schema: toolJsonSchema,
};

/** The user turn: existing memories (with ids) and the new messages, as tagged blocks. */
export function buildExtractionPrompt(messages: readonly ThreadMessage[], existing: readonly MemoryItem[]): string {
  const memories = existing.map((item) => ({ id: item.key, content: memoryText(item.value) }));
  const conversation = messages.map((m) => `[${m.timestamp}] ${m.role}: ${m.content}`).join('\n');
  return [
    '<existing_memories>',
    JSON.stringify(memories, null, 2),
    '</existing_memories>',
    '<new_messages>',
    conversation,
    '</new_messages>',
    'Call manage_memories with the operations these new messages call for.',
  ].join('\n');
}
