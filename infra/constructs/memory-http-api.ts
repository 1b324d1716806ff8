/**
 * The HTTP API (API Gateway v2): six routes onto one Lambda handler, every one behind a JWT authorizer
 * (the API's default authorizer, so a route added later is protected too). The `$default` stage writes
 * access logs and is throttled.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Steady request rate of the stage (requests/s): each submit starts or signals a workflow; protects Temporal's rate limits. */
export const API_THROTTLE_RATE_PER_SECOND = 100;

/** Burst of the stage (requests). */
export const API_THROTTLE_BURST = 200;

/** The routes the HTTP handler serves (src/handlers/http-handler.ts). */
export const MEMORY_API_ROUTES: readonly { method: apigwv2.HttpMethod; path: string }[] = [
  { method: apigwv2.HttpMethod.POST, path: '/threads/{threadId}/messages' },
  { method: apigwv2.HttpMethod.POST, path: '/threads/{threadId}/flush' },
  { method: apigwv2.HttpMethod.GET, path: '/threads/{threadId}' },
  { method: apigwv2.HttpMethod.GET, path: '/threads/{threadId}/dead-letters' },
  { method: apigwv2.HttpMethod.POST, path: '/threads/{threadId}/dead-letters/redrive' },
  { method: apigwv2.HttpMethod.POST, path: '/memories/search' },
  { method: apigwv2.HttpMethod.GET, path: '/export' },
];

/** Props of {@link MemoryHttpApi}. */
export interface MemoryHttpApiProps {
  handler: lambda.IFunction;
  jwtIssuer: string;
  jwtAudience: string[];
  logRetention: logs.RetentionDays;
}

/** The authenticated HTTP front door: submit messages, flush, read thread state and dead letters, search memories. */
export class MemoryHttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MemoryHttpApiProps) {
    super(scope, id);
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.jwtIssuer, {
      jwtAudience: props.jwtAudience,
      identitySource: ['$request.header.Authorization'],
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Durable memory manager: thread messages, flush, state, dead letters, memory search',
      defaultAuthorizer: authorizer,
      // The stage below is created explicitly so it can carry access logs and throttling.
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: API_THROTTLE_RATE_PER_SECOND, burstLimit: API_THROTTLE_BURST },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            sub: '$context.authorizer.claims.sub',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration('Handler', props.handler, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 });
    for (const route of MEMORY_API_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [route.method], integration });
    }
  }

  /** The stage's invoke URL. */
  get url(): string {
    return this.stage.url;
  }
}
