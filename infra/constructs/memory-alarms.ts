/**
 * Alarms on what needs a person: batches that became dead letters, extractions failing in numbers,
 * records parked in the ingest DLQ, handler errors and a worker service with no running task. The
 * worker logs JSON lines with a `message` field; metric filters on its log group turn two of those
 * lines into metrics. Notifications go to an SNS topic when one is configured.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** CloudWatch namespace of the system's metrics (also the handlers' POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'DurableMemory';

/** The worker's log line for a batch whose retries ran out (src/activities/dead-letter-batch.ts). */
export const DEAD_LETTER_FILTER = '{ $.message = "batch recorded as a dead letter" }';

/**
 * The Temporal worker's log line for a failed extraction attempt (each retry logs one): a batch's first
 * attempt is `extractNext` (it plans the batch too), its retries `extractBatch`.
 */
export const FAILED_EXTRACTION_FILTER = '{ $.message = "Activity failed" && ($.activityType = "extractNext" || $.activityType = "extractBatch") }';

/** Failed extraction attempts in 15 minutes that mean more than a transient blip: a model outage or a bad key. */
export const FAILED_EXTRACTIONS_THRESHOLD = 10;

/** Props of {@link MemoryAlarms}. */
export interface MemoryAlarmsProps {
  workerLogGroup: logs.ILogGroup;
  workerService: ecs.FargateService;
  ingestDeadLetterQueue: sqs.IQueue;
  /** Lambda handlers by name, each alarmed on errors. */
  functions: Record<string, lambda.IFunction>;
  /** E-mail to subscribe to a new alarm topic. */
  email?: string;
  /** An existing topic to notify. */
  topicArn?: string;
}

/** Metric filters, alarms and the optional notification topic. */
export class MemoryAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The topic created for `email`, if any. */
  readonly topic: sns.Topic | undefined;
  private readonly actions: cloudwatch.IAlarmAction[] = [];

  constructor(scope: Construct, id: string, props: MemoryAlarmsProps) {
    super(scope, id);
    if (props.email !== undefined) {
      this.topic = new sns.Topic(this, 'Topic', { displayName: 'Durable memory manager alarms', enforceSSL: true });
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
      Validations.of(this.topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry alarm names and metric states, never memories or messages. CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer key would cost more than the nothing it protects.',
      });
      this.actions.push(new actions.SnsAction(this.topic));
    }
    if (props.topicArn !== undefined) this.actions.push(new actions.SnsAction(sns.Topic.fromTopicArn(this, 'ExistingTopic', props.topicArn)));

    const deadLetters = this.logMetric('DeadLetters', props.workerLogGroup, DEAD_LETTER_FILTER, Duration.minutes(5));
    this.alarm(
      'DeadLetters',
      deadLetters,
      1,
      'A batch ran out of retries and was recorded as a dead letter: look at GET /threads/{threadId}/dead-letters, fix, re-drive.',
    );
    const failed = this.logMetric('FailedExtractions', props.workerLogGroup, FAILED_EXTRACTION_FILTER, Duration.minutes(15));
    this.alarm(
      'FailedExtractions',
      failed,
      FAILED_EXTRACTIONS_THRESHOLD,
      'Extraction attempts are failing in numbers (model outage, bad API key, throttling); Temporal keeps retrying for the retry window.',
    );

    const parked = props.ingestDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM });
    this.alarm(
      'IngestDeadLetterQueue',
      parked,
      1,
      'Records in the ingest DLQ: the SQS handler failed them five times. Inspect, fix, then redrive them from the SQS console.',
    );

    for (const [name, fn] of Object.entries(props.functions)) {
      const errors = fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM });
      this.alarm(`${name}Errors`, errors, 1, `The ${name} Lambda function failed invocations (unhandled errors or timeouts): see its log group.`);
    }

    // Container Insights (enabled on the cluster) reports running tasks; none means nothing is extracted.
    const running = new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: props.workerService.cluster.clusterName, ServiceName: props.workerService.serviceName },
      period: Duration.minutes(1),
      statistic: cloudwatch.Stats.MINIMUM,
    });
    this.alarm('WorkerNotRunning', running, 1, 'No worker task has been running for 5 minutes: threads wait in Temporal and nothing is extracted.', {
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  /** A metric counting the worker log lines that match `pattern`. */
  private logMetric(name: string, logGroup: logs.ILogGroup, pattern: string, period: Duration): cloudwatch.Metric {
    const filter = new logs.MetricFilter(this, `${name}Filter`, {
      logGroup,
      filterPattern: logs.FilterPattern.literal(pattern),
      metricNamespace: METRICS_NAMESPACE,
      metricName: name,
      metricValue: '1',
    });
    return filter.metric({ period, statistic: cloudwatch.Stats.SUM });
  }

  private alarm(
    name: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
    overrides: Partial<cloudwatch.CreateAlarmOptions> = {},
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, name, {
      metric,
      alarmDescription: description,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No matching log line or message is "nothing wrong", not "unknown".
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...overrides,
    });
    for (const action of this.actions) alarm.addAlarmAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}
