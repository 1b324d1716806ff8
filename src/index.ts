/**
 * PLACEHOLDER for the lead's root entry: re-exports the client surface so the examples on the `langgraph`
 * branch can import `durable-memory-manager` before the package layout lands. Replace with the real entry at merge.
 */
export * from './client';
