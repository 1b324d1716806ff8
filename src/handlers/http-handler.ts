/**
 * Lambda handler of the HTTP API (API Gateway v2, JWT authorizer). Thin: reads the request, takes the
 * tenant from the token's claims (never from the body), runs the route on the tenant-bound client within
 * the invocation's remaining time, and answers JSON (JSON Lines for the tenant's export). See docs/deploy.md "HTTP API and submit queue (Lambda)".
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { InvalidInputError } from '../errors';
import { withinDeadline } from './deadline';
import { containerStats, handlerResources } from './handler-resources';
import { errorResponse, json, statusOf } from './http-responses';
import { route } from './http-routes';
import { logger, metrics, MetricUnit } from './telemetry';
import { identityOf, tenantPrefix } from '../store/tenancy';

/** The JSON body, or undefined for none; `InvalidInputError` for a body that is not JSON. */
function bodyOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): unknown {
  if (event.body === undefined || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidInputError('body: not valid JSON');
  }
}

/** The request headers with lower-case names (API Gateway's HTTP API lower-cases them already; a test event may not). */
function headersOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
}

export async function handler(event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  containerStats.invocations += 1;
  const method = event.requestContext.http.method;
  const path = event.rawPath;
  try {
    const resources = await handlerResources();
    const claims = event.requestContext.authorizer?.jwt?.claims;
    const tenant = tenantPrefix(resources.config.tenantTemplate, claims);
    const threadId = event.pathParameters?.['threadId'];
    logger.appendKeys({ tenant: JSON.stringify(tenant), threadId, route: `${method} ${path}` });
    const result = await withinDeadline(resources.connection, context.getRemainingTimeInMillis(), () =>
      route({
        method,
        path,
        body: bodyOf(event),
        query: event.queryStringParameters ?? {},
        headers: headersOf(event),
        tenant,
        identity: identityOf(claims),
        client: resources.clientFor(tenant),
      }),
    );
    logger.info('request answered', {
      status: result.status,
      temporalConnectionsOpened: containerStats.temporalConnectionsOpened,
      invocations: containerStats.invocations,
    });
    metrics.addMetric('Requests', MetricUnit.Count, 1);
    return 'text' in result
      ? { statusCode: result.status, headers: { 'content-type': result.contentType }, body: result.text }
      : json(result.status, result.body);
  } catch (err) {
    const { status } = statusOf(err);
    if (status >= 500) logger.error('request failed', { status, error: err as Error });
    else logger.warn('request refused', { status, reason: (err as Error).message });
    metrics.addMetric(status >= 500 ? 'ServerErrors' : 'ClientErrors', MetricUnit.Count, 1);
    return errorResponse(err, context.awsRequestId);
  } finally {
    metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}
