/**
 * Lambda handler of the submit queue (SQS, `ReportBatchItemFailures`): each record is one submit from a
 * trusted producer, naming the identity whose tenant it belongs to. A record that fails — bad JSON, invalid
 * input, a dependency down — is reported alone in `batchItemFailures`, so SQS redelivers only it (and moves
 * it to the dead-letter queue after maxReceiveCount); the batch's other records are not submitted twice.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { InvalidInputError } from '../errors';
import { describeZodError } from '../schemas';
import { withinDeadline } from './deadline';
import { containerStats, handlerResources } from './handler-resources';
import { sqsSubmitSchema } from './request-schemas';
import { logger, metrics, MetricUnit } from './telemetry';
import { tenantPrefix, withinTenant } from '../store/tenancy';

const processor = new BatchProcessor(EventType.SQS);

/** Submits one record; throws (reporting the record as failed) when it cannot. */
async function submitRecord(record: SQSRecord, context: Context): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(record.body) as unknown;
  } catch {
    throw new InvalidInputError(`record ${record.messageId}: body: not valid JSON`);
  }
  const parsed = sqsSubmitSchema.safeParse(body);
  if (!parsed.success) throw new InvalidInputError(`record ${record.messageId}: ${describeZodError(parsed.error)}`);
  const { identity, threadId, messages, options } = parsed.data;
  const { namespace, managers, ...timing } = options ?? {};
  const resources = await handlerResources();
  const tenant = tenantPrefix(resources.config.tenantTemplate, identity);
  const receipt = await withinDeadline(resources.connection, context.getRemainingTimeInMillis(), () =>
    resources.clientFor(tenant).submit(threadId, messages, {
      ...timing,
      // SQS keeps a record's messageId across deliveries: a redelivered record gives its id-less messages the same ids.
      idempotencyKey: `sqs:${record.messageId}`,
      ...(managers ? { managers } : { namespace: withinTenant(tenant, namespace) }),
      config: { configurable: identity },
    }),
  );
  logger.info('record submitted', {
    messageId: record.messageId,
    tenant: JSON.stringify(tenant),
    threadId,
    newMessages: receipt.newMessages,
    duplicates: receipt.duplicates,
  });
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  containerStats.invocations += 1;
  try {
    const response = await processPartialResponse(event, (record: SQSRecord) => submitRecord(record, context), processor, {
      context,
      // Report every failed record, even when all failed: each is redelivered (or dead-lettered) on its own.
      throwOnFullBatchFailure: false,
    });
    const failed = response.batchItemFailures.length;
    processor.failureMessages.forEach((record, i) => {
      logger.warn('record not submitted', { messageId: (record as SQSRecord).messageId, reason: processor.errors[i]?.message });
    });
    metrics.addMetric('RecordsSubmitted', MetricUnit.Count, event.Records.length - failed);
    metrics.addMetric('RecordsFailed', MetricUnit.Count, failed);
    return response;
  } finally {
    metrics.publishStoredMetrics();
  }
}
