/** What `threads show` prints: a thread's live state, then messages → batches → operations, then dead letters. */
import type { ThreadTimeline } from '../operator/operator-types';
import type { OperatorContext } from '../operator/operator-context';
import { CONTENT_MAX_CHARS, ERROR_MAX_CHARS, ID_MAX_CHARS, count, fields, namespaceText, oneLine, section, table, time } from './render';

/** The thread's page in the Temporal Web UI, when TEMPORAL_UI_URL is configured. */
export function temporalUiLink(ctx: Pick<OperatorContext, 'temporalUiUrl' | 'config'>, workflowId: string): string | null {
  if (!ctx.temporalUiUrl) return null;
  const base = ctx.temporalUiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(ctx.config.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function liveState(timeline: ThreadTimeline): string {
  const s = timeline.state;
  if (!s && timeline.stateError !== null) {
    return `  live state unavailable: ${oneLine(timeline.stateError)}\n  (the workflow may still be running; memory-ops doctor checks for a worker; the stored history is below)`;
  }
  if (!s) return '  closed (no live state: the workflow has completed or never ran; the stored history is below)';
  const t = s.totals;
  return fields([
    ['workflow status', s.workflowStatus],
    ['pending messages', String(s.pendingCount)],
    ['next extraction', time(s.nextExtractionAt)],
    ['extracting', s.extracting ? `${s.extracting.batchId} (${count(s.extracting.messageCount, 'message')}, since ${time(s.extracting.since)})` : ''],
    [
      'retrying',
      s.retrying ? `attempt ${s.retrying.attempt}${s.retrying.lastFailure ? `: ${s.retrying.lastFailure.type}: ${s.retrying.lastFailure.message}` : ''}` : '',
    ],
    ['last extraction', time(s.lastExtractionAt)],
    ['last failure', s.lastFailure ? `${s.lastFailure.type}: ${s.lastFailure.message} (batch ${s.lastFailure.batchId}, ${time(s.lastFailure.at)})` : ''],
    [
      'messages',
      `${t.messagesReceived} received, ${t.messagesProcessed} processed, ${t.messagesDeadLettered} dead-lettered, ${t.duplicateMessagesIgnored} duplicates ignored`,
    ],
    ['extractions', `${t.extractionsCompleted} completed, ${t.batchesDeadLettered} dead-lettered`],
    ['memories', `${t.memoriesInserted} inserted, ${t.memoriesUpdated} updated, ${t.memoriesDeleted} deleted`],
    ['tokens', `${t.usage.inputTokens} in, ${t.usage.outputTokens} out`],
  ]).replace(/^/gm, '  ');
}

/** The whole `threads show` view. */
export function renderTimeline(timeline: ThreadTimeline, temporalUi: string | null): string {
  const header = fields([['thread', timeline.threadId], ['workflow', timeline.workflowId], ...(temporalUi ? [['temporal ui', temporalUi] as const] : [])]);
  const messages = table(timeline.messages, [
    { header: 'seq', value: (m) => String(m.seq), align: 'right' },
    { header: 'id', value: (m) => m.id, max: ID_MAX_CHARS },
    { header: 'role', value: (m) => m.role },
    { header: 'namespace', value: (m) => namespaceText(m.namespace) },
    { header: 'stored', value: (m) => time(m.storedAt) },
    // A message can be through a batch the log does not name (batches from before the batch log).
    { header: 'batch', value: (m) => m.batchId ?? (m.processed ? 'processed' : 'pending') },
    { header: 'content', value: (m) => m.content, max: CONTENT_MAX_CHARS },
  ]);
  const batches = table(timeline.batches, [
    { header: 'at', value: (b) => time(b.at) },
    { header: 'batch', value: (b) => b.batchId },
    { header: 'kind', value: (b) => b.kind },
    { header: 'namespace', value: (b) => namespaceText(b.namespace) },
    { header: 'seq', value: (b) => (b.fromSeq === b.toSeq ? String(b.fromSeq) : `${b.fromSeq}-${b.toSeq}`) },
    { header: 'msgs', value: (b) => String(b.messageCount), align: 'right' },
    { header: 'ins/upd/del', value: (b) => `${b.inserted.length}/${b.updated.length}/${b.deleted.length}` },
    { header: 'tokens in/out', value: (b) => `${b.usage.inputTokens}/${b.usage.outputTokens}`, align: 'right' },
    { header: 'model', value: (b) => b.model },
  ]);
  const operations = table(
    timeline.batches.flatMap((b) => [
      ...b.inserted.map((key) => ({ batch: b, action: 'insert', key })),
      ...b.updated.map((key) => ({ batch: b, action: 'update', key })),
      ...b.deleted.map((key) => ({ batch: b, action: 'delete', key })),
    ]),
    [
      { header: 'batch', value: (o) => o.batch.batchId },
      { header: 'action', value: (o) => o.action },
      { header: 'namespace', value: (o) => namespaceText(o.batch.namespace) },
      { header: 'key', value: (o) => o.key },
    ],
  );
  const letters = table(timeline.deadLetters, [
    { header: 'batch', value: (d) => d.batchId },
    { header: 'status', value: (d) => d.status },
    { header: 'seq', value: (d) => (d.fromSeq === d.toSeq ? String(d.fromSeq) : `${d.fromSeq}-${d.toSeq}`) },
    { header: 'msgs', value: (d) => String(d.messageCount), align: 'right' },
    { header: 'dead at', value: (d) => time(d.deadAt) },
    { header: 'error', value: (d) => `${d.error.type}: ${d.error.message}`, max: ERROR_MAX_CHARS },
  ]);
  const shown = timeline.truncated ? ` (newest ${timeline.messages.length} shown)` : '';
  return [
    header,
    section('\nLive state', liveState(timeline)),
    section(`\nMessages received: ${timeline.messages.length}${shown}`, messages),
    section(`\nBatches committed: ${timeline.batches.length}`, batches),
    section('\nMemory operations applied (see memories show <namespace> <key>)', operations),
    section(`\nDead letters: ${timeline.deadLetters.length}`, letters),
  ].join('\n');
}
