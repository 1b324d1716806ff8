/**
 * The handlers' per-container resources against a fake AWS endpoint (STS and Secrets Manager, reached by the
 * real AWS SDK through AWS_ENDPOINT_URL_*) and DynamoDB Local: the Temporal API key read from Secrets Manager
 * once, and per-tenant DynamoDB credentials assumed with the session tag `tenant`, cached per tenant.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { containerStats, handlerResources } from '../../src/handlers/handler-resources';
import { dynamoEndpoint, freshTable } from '../support/test-env';

interface AwsCall {
  target: string;
  body: string;
}

const calls: AwsCall[] = [];
let server: Server;
let table: Awaited<ReturnType<typeof freshTable>>;

/** Answers STS AssumeRole (query protocol, XML) and Secrets Manager GetSecretValue (JSON protocol). */
function fakeAws(): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? new URLSearchParams(body).get('Action') ?? '');
      calls.push({ target, body });
      if (target === 'secretsmanager.GetSecretValue') {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:temporal', Name: 'temporal', SecretString: 'temporal-key-123' }));
        return;
      }
      if (target === 'AssumeRole') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAFAKE${calls.length}</AccessKeyId>` +
            '<SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>' +
            '<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/tenant/memory-handler</Arn><AssumedRoleId>AROAFAKE:memory-handler</AssumedRoleId></AssumedRoleUser>' +
            '</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>',
        );
        return;
      }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ __type: 'UnknownOperation', message: target }));
    });
  });
}

beforeAll(async () => {
  table = await freshTable('handler-resources');
  server = fakeAws();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_STS: endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_ACCESS_KEY_ID: 'handler-role',
    AWS_SECRET_ACCESS_KEY: 'handler-role',
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    MEMORY_TABLE_NAME: table.tableName,
    TEMPORAL_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:temporal',
    TENANT_ROLE_ARN: 'arn:aws:iam::123456789012:role/tenant-data',
  });
});
afterAll(() => {
  server?.close();
  table?.client.destroy();
});

test('the Temporal API key comes from Secrets Manager, read once per container', async () => {
  const resources = await handlerResources();
  await handlerResources();
  // The SDK keeps the key on the options object without declaring it there.
  expect((resources.connection.options as { apiKey?: unknown }).apiKey).toBe('temporal-key-123');
  expect(calls.filter((c) => c.target === 'secretsmanager.GetSecretValue')).toHaveLength(1);
  expect(containerStats.temporalConnectionsOpened).toBe(1);
});

test('each tenant’s DynamoDB calls run as the tenant role, assumed with its session tag, once per tenant', async () => {
  const resources = await handlerResources();
  await resources.clientFor(['memories', 'alice']).search(['memories', 'alice']);
  await resources.clientFor(['memories', 'bob']).search(['memories', 'bob']);
  await resources.clientFor(['memories', 'alice']).search(['memories', 'alice']);
  const assumed = calls.filter((c) => c.target === 'AssumeRole').map((c) => new URLSearchParams(c.body));
  expect(assumed.map((p) => [p.get('RoleArn'), p.get('Tags.member.1.Key'), p.get('Tags.member.1.Value')])).toEqual([
    ['arn:aws:iam::123456789012:role/tenant-data', 'tenant', 'alice'],
    ['arn:aws:iam::123456789012:role/tenant-data', 'tenant', 'bob'],
  ]);
});
