/**
 * PLACEHOLDER for the lead's `/testing` entry (src/local moves here at merge): only what the examples on the
 * `langgraph` branch import, so they run before the move. Replace with the real entry at merge.
 */
export { startMemoryTestStack, TEST_STACK_SHUTDOWN_GRACE_MS, type MemoryTestStack, type MemoryTestStackOptions } from './memory-test-stack';
export { FakeMessagesApi, type RecordedRequest, type ScriptedReply } from '../local/fake-messages-api';
