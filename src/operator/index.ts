/**
 * Public surface of the operator tools: the operator API over a `MemoryClient` (thread list, timeline,
 * forget, export), the connections the CLI and the console open from the environment, and `doctor`. Operator code
 * may import the client; the client never imports this.
 */
export { MemoryOperator } from './memory-operator';
export { createOperatorContext, type OperatorContext } from './operator-context';
export { runDoctor } from './doctor';
export { exportTenantJsonLines, EXPORT_CONTENT_TYPE } from './export-tenant';
export { toJsonLines, type ExportRecord } from '../store/export-prefix';
export type { ThreadSummary, ListThreadsOptions, ThreadTimeline, TimelineMessage, TimelineBatch, ForgetReport, DoctorCheck } from './operator-types';
