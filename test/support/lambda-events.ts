/** Lambda events as API Gateway (HTTP API, JWT authorizer) and SQS deliver them, for invoking handler bundles. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, SQSEvent, SQSRecord } from 'aws-lambda';

/** Options of {@link httpEvent}. */
export interface HttpEventOptions {
  /** JSON-serialised as the body; a string is sent as is (e.g. broken JSON). */
  body?: unknown;
  /** The JWT claims the authorizer verified; `null` for a request without an authorizer context. */
  claims?: Record<string, string | number> | null;
  query?: Record<string, string>;
  /** Extra request headers (API Gateway delivers their names in lower case). */
  headers?: Record<string, string>;
}

/** A path parameter as API Gateway passes it: decoded, or as sent when its percent-encoding is malformed. */
function decodedOrRaw(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** An HTTP API (payload v2) event for `METHOD /path`, with the path's thread id as a path parameter. */
export function httpEvent(method: string, path: string, options: HttpEventOptions = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const threadId = /^\/threads\/([^/]+)/.exec(path)?.[1];
  const routePath = path.replace(/^\/threads\/[^/]+/, '/threads/{threadId}');
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `${method} ${routePath}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(threadId ? { pathParameters: { threadId: decodedOrRaw(threadId) } } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer:
        options.claims === null
          ? (undefined as never)
          : { principalId: '', integrationLatency: 0, jwt: { claims: options.claims ?? { sub: 'alice' }, scopes: [] } },
      domainName: 'local',
      domainPrefix: 'local',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: randomUUID(),
      routeKey: `${method} ${routePath}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

/** An SQS event of records with these bodies (objects are JSON-serialised, strings sent as is). */
export function sqsEvent(bodies: unknown[]): SQSEvent {
  return {
    Records: bodies.map((body): SQSRecord => ({
      messageId: randomUUID(),
      receiptHandle: 'local',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'local', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:submits',
      awsRegion: 'us-east-1',
    })),
  };
}

/** A handler's HTTP answer with its body parsed. */
export interface HttpAnswer<T = Record<string, unknown>> {
  statusCode: number;
  headers: Record<string, string>;
  body: T;
}

export function parseAnswer<T = Record<string, unknown>>(result: APIGatewayProxyStructuredResultV2): HttpAnswer<T> {
  return {
    statusCode: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: (result.body ? JSON.parse(result.body) : {}) as T,
  };
}
