/**
 * The handlers' structured logs and metrics, from Powertools for AWS Lambda: JSON log lines with the
 * request id, cold start, tenant and thread id; metrics as CloudWatch EMF in the same log stream.
 * Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: process.env['POWERTOOLS_SERVICE_NAME'] ?? 'durable-memory' });

export const metrics = new Metrics({
  namespace: process.env['POWERTOOLS_METRICS_NAMESPACE'] ?? 'DurableMemory',
  serviceName: process.env['POWERTOOLS_SERVICE_NAME'] ?? 'durable-memory',
});

export { MetricUnit } from '@aws-lambda-powertools/metrics';
