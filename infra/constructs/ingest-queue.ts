/**
 * The asynchronous way in: producers send messages to an SQS queue; the SQS handler submits them and
 * reports per-record failures, so one bad record is retried alone and, after a few receives, parked in
 * the dead-letter queue instead of blocking its batch.
 */
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Receives before a record goes to the DLQ: rides out a short Temporal or DynamoDB blip, parks a poison record. */
export const INGEST_MAX_RECEIVE_COUNT = 5;

/** Records per handler invocation (SQS's default, and the most without a batching window). */
export const INGEST_BATCH_SIZE = 10;

/** AWS's rule for SQS event sources: visibility at least six times the function timeout, so retries don't overlap. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** How long the DLQ keeps a record (days): SQS's maximum, time for someone to look. */
export const INGEST_DLQ_RETENTION_DAYS = 14;

/** Props of {@link IngestQueue}. */
export interface IngestQueueProps {
  /** The SQS handler. */
  handler: lambda.IFunction;
  /** The handler's timeout; the queue's visibility timeout is derived from it. */
  handlerTimeout: Duration;
}

/** The ingest queue, its DLQ and the event source mapping onto the SQS handler. */
export class IngestQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: IngestQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(INGEST_DLQ_RETENTION_DAYS),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.handlerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INGEST_MAX_RECEIVE_COUNT },
    });
    props.handler.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: INGEST_BATCH_SIZE,
        reportBatchItemFailures: true,
      }),
    );
  }
}
