/**
 * The reply the key-less demo's fake Messages API gives: the `manage_memories` call Claude makes for the
 * seed conversation on an empty store. It is a fixture, not a model: the demo says so in its first line.
 */
import type { ScriptedReply } from '../../src/testing/fake-messages-api';

export const SEED_MESSAGE = "I like dogs. My dog's name is Fido.";

export const RECORDED_SEED_REPLY: ScriptedReply = {
  kind: 'tool',
  input: {
    operations: [
      { action: 'insert', content: 'User likes dogs' },
      { action: 'insert', content: 'User has a dog named Fido' },
    ],
  },
  usage: { input_tokens: 412, output_tokens: 71 },
};
