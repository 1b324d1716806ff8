/**
 * `durable-memory-manager/handlers`: the AWS Lambda handlers, thin over the caller API. Deploy them with the
 * CDK stack (`infra/`), or point your own functions at them. They are configured from the environment
 * (docs/configuration.md) and keep one Temporal connection per container.
 *
 * @example
 * // index.ts of your Lambda function
 * export { httpHandler as handler } from 'durable-memory-manager/handlers';
 */

/** HTTP API (API Gateway v2 with a JWT authorizer): submit, flush, state, dead letters, re-drive, search. */
export { handler as httpHandler } from './http-handler';
/** SQS submit queue: one submit per record, partial batch failures reported per record. */
export { handler as sqsHandler } from './sqs-handler';
export { loadHandlerConfig, type HandlerConfig } from './handler-config';
