import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { DescribeNodegroupCommand, ListClustersCommand } from '@aws-sdk/client-eks';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../index.ts';
import { clients, rejection } from './helpers.ts';

describe('sandbox faults', () => {
  let sb: Sandbox;
  let c: ReturnType<typeof clients>;

  beforeEach(async () => {
    sb = await startSandbox({ now: '2026-11-22T09:00:00.000Z' });
    c = clients(sb);
  });
  afterEach(async () => {
    await sb.close();
  });

  describe('when a service is throttled', () => {
    it('answers each service with its own throttling error once the bucket is empty', async () => {
      sb.setFaults([
        { service: 'eks', operation: 'ListClusters', throttle: { burst: 1, ratePerSecond: 0 } },
        { service: 'ec2', throttle: { burst: 0, ratePerSecond: 0 } },
        { service: 'ssm', throttle: { burst: 0, ratePerSecond: 0 } },
        { service: 'sts', throttle: { burst: 0, ratePerSecond: 0 } },
        { service: 'dynamodb', throttle: { burst: 0, ratePerSecond: 0 } },
      ]);
      await c.eks.send(new ListClustersCommand({}));
      const eks = await rejection(c.eks.send(new ListClustersCommand({})));
      expect([eks.name, eks.$metadata?.httpStatusCode]).toEqual(['ThrottlingException', 429]);
      // Other EKS operations have no rule and pass.
      await c.eks.send(new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'general' }));
      const ec2 = await rejection(c.ec2.send(new DescribeImagesCommand({})));
      expect([ec2.name, ec2.$metadata?.httpStatusCode]).toEqual(['RequestLimitExceeded', 503]);
      const ssm = await rejection(c.ssm.send(new GetParameterCommand({ Name: '/golden/eks-al2023/ami' })));
      expect([ssm.name, ssm.$metadata?.httpStatusCode]).toEqual(['ThrottlingException', 400]);
      const sts = await rejection(c.sts.send(new GetCallerIdentityCommand({})));
      expect([sts.name, sts.$metadata?.httpStatusCode]).toEqual(['Throttling', 400]);
      const ddb = await rejection(
        c.dynamodb.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } })),
      );
      expect([ddb.name, ddb.$metadata?.httpStatusCode]).toEqual(['ThrottlingException', 400]);
    });

    it('lets the SDK retry through a throttle that applies only once', async () => {
      sb.setFaults([{ service: 'eks', error: { status: 429, code: 'ThrottlingException' }, times: 1 }]);
      const retrying = clients(sb, 3);
      const out = await retrying.eks.send(new ListClustersCommand({}));
      expect(out.clusters).toHaveLength(3);
      expect(sb.calls().map((x) => x.status)).toEqual([429, 200]);
    });
  });

  describe('when an error is injected', () => {
    it('answers 5xx in the protocol shape with the given code', async () => {
      sb.setFaults([
        {
          service: 'ec2',
          operation: 'DescribeImages',
          error: { status: 500, code: 'InternalError', message: 'boom' },
        },
      ]);
      const err = await rejection(c.ec2.send(new DescribeImagesCommand({})));
      expect([err.name, err.message, err.$metadata?.httpStatusCode]).toEqual(['InternalError', 'boom', 500]);
    });
  });

  describe('when the connection is reset', () => {
    it('fails the request at the network level and records status 0', async () => {
      sb.setFaults([{ service: 'eks', reset: true, times: 1 }]);
      const err = await rejection(c.eks.send(new ListClustersCommand({})));
      expect(err.name).not.toBe('ThrottlingException');
      expect(String((err as { code?: string }).code ?? err.message)).toMatch(/ECONNRESET|socket hang up/);
      expect(sb.calls()[0]).toMatchObject({ service: 'eks', operation: 'ListClusters', status: 0 });
      expect((await c.eks.send(new ListClustersCommand({}))).clusters).toHaveLength(3);
    });
  });

  describe('when latency or a slow response is injected', () => {
    // A client that gives up after 100 ms: latency and slow responses make it fail, nothing else does.
    const impatient = (send: (signal: AbortSignal) => Promise<unknown>) => send(AbortSignal.timeout(100));

    it('makes a client with a short timeout give up on added latency', async () => {
      sb.setFaults([{ service: 'eks', operation: 'ListClusters', latencyMs: 1500 }]);
      const err = await rejection(
        impatient((abortSignal) => c.eks.send(new ListClustersCommand({}), { abortSignal })),
      );
      expect(err.name).toBe('AbortError');
      expect(
        (await c.eks.send(new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'general' })))
          .nodegroup,
      ).toBeDefined();
    });

    it('makes a client with a short timeout give up on a slow response', async () => {
      sb.setFaults([{ service: 'eks', slowMs: 1500 }]);
      const err = await rejection(
        impatient((abortSignal) => c.eks.send(new ListClustersCommand({}), { abortSignal })),
      );
      expect(err.name).toBe('AbortError');
    });
  });

  describe('POST /_sandbox/faults', () => {
    it('validates rules and names the bad field', async () => {
      const res = await fetch(`${sb.endpoint}/_sandbox/faults`, {
        method: 'POST',
        body: JSON.stringify([{ service: 'lambda' }]),
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('[0].service');
    });

    it('installs rules', async () => {
      const res = await fetch(`${sb.endpoint}/_sandbox/faults`, {
        method: 'POST',
        body: JSON.stringify([{ service: 'eks', error: { status: 500 } }]),
      });
      expect(res.status).toBe(200);
      const err = await rejection(c.eks.send(new ListClustersCommand({})));
      expect(err.name).toBe('ServerException');
    });
  });
});

describe('sandbox sinks and admin', () => {
  let sb: Sandbox;

  beforeEach(async () => {
    sb = await startSandbox({ now: '2026-11-22T09:00:00.000Z' });
  });
  afterEach(async () => {
    await sb.close();
  });

  describe('Slack webhook', () => {
    it('records posts and answers ok', async () => {
      const res = await fetch(sb.slackWebhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hi' }),
      });
      expect([res.status, await res.text()]).toEqual([200, 'ok']);
      expect(sb.slackPosts()).toEqual([
        { kind: 'webhook', at: '2026-11-22T09:00:00.000Z', body: { text: 'hi' }, token: null, ts: null },
      ]);
    });

    it('answers invalid_payload for bad JSON', async () => {
      const res = await fetch(sb.slackWebhookUrl, { method: 'POST', body: '{' });
      expect([res.status, await res.text()]).toEqual([400, 'invalid_payload']);
    });

    it('answers injected errors as plain text with the status', async () => {
      sb.setFaults([
        { service: 'slack', operation: 'webhook', error: { status: 410, code: 'channel_is_archived' } },
      ]);
      const res = await fetch(sb.slackWebhookUrl, { method: 'POST', body: JSON.stringify({ text: 'hi' }) });
      expect([res.status, await res.text()]).toEqual([410, 'channel_is_archived']);
    });

    it('answers 429 with Retry-After when throttled', async () => {
      sb.setFaults([{ service: 'slack', throttle: { burst: 0, ratePerSecond: 0 } }]);
      const res = await fetch(sb.slackWebhookUrl, { method: 'POST', body: JSON.stringify({ text: 'hi' }) });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
    });
  });

  describe('Slack Web API', () => {
    const call = (method: string, body: unknown, token: string | null = 'xoxb-1-sandbox') =>
      fetch(`${sb.slackApiUrl}${method}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);

    it('posts, threads and updates messages', async () => {
      const posted = await call('chat.postMessage', { channel: 'C0123456789', text: 'plan' });
      expect(posted).toMatchObject({ ok: true, channel: 'C0123456789' });
      expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
      const reply = await call('chat.postMessage', {
        channel: 'C0123456789',
        text: 'started',
        thread_ts: posted.ts,
      });
      expect(reply.ts).not.toBe(posted.ts);
      const updated = await call('chat.update', {
        channel: 'C0123456789',
        ts: posted.ts,
        text: 'plan (done)',
      });
      expect(updated).toMatchObject({ ok: true, ts: posted.ts });
      expect(sb.slackPosts().map((p) => [p.kind, p.token, p.ts])).toEqual([
        ['chat.postMessage', 'xoxb-1-sandbox', posted.ts],
        ['chat.postMessage', 'xoxb-1-sandbox', reply.ts],
        ['chat.update', 'xoxb-1-sandbox', posted.ts],
      ]);
    });

    it('answers not_authed without a bearer token', async () => {
      expect(await call('chat.postMessage', { channel: 'C1', text: 'x' }, null)).toEqual({
        ok: false,
        error: 'not_authed',
      });
    });

    it('answers message_not_found when updating an unknown ts', async () => {
      expect(await call('chat.update', { channel: 'C1', ts: '1.000001', text: 'x' })).toEqual({
        ok: false,
        error: 'message_not_found',
      });
    });
  });

  describe('DynamoDB', () => {
    it('serves tables from the embedded dynalite', async () => {
      const { dynamodb } = clients(sb);
      await dynamodb.send(
        new CreateTableCommand({
          TableName: 'ledger',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await dynamodb.send(
        new PutItemCommand({
          TableName: 'ledger',
          Item: { pk: { S: 'rollout#1' }, outcome: { S: 'Successful' } },
        }),
      );
      const out = await dynamodb.send(
        new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'rollout#1' } } }),
      );
      expect(out.Item?.outcome?.S).toBe('Successful');
      expect(sb.calls().map((x) => x.operation)).toEqual(['CreateTable', 'PutItem', 'GetItem']);
    });
  });

  describe('STS', () => {
    it('answers GetCallerIdentity with the fleet account', async () => {
      const out = await clients(sb).sts.send(new GetCallerIdentityCommand({}));
      expect(out.Account).toBe('111122223333');
    });
  });

  describe('admin endpoints', () => {
    it('serves state, calls and the clock over HTTP', async () => {
      await clients(sb).eks.send(new ListClustersCommand({}));
      const state = (await (await fetch(`${sb.endpoint}/_sandbox/state`)).json()) as { clusters: unknown[] };
      expect(state.clusters).toHaveLength(3);
      const calls = (await (await fetch(`${sb.endpoint}/_sandbox/calls`)).json()) as unknown[];
      expect(calls).toEqual([
        {
          service: 'eks',
          operation: 'ListClusters',
          region: 'us-east-1',
          accountId: '111122223333',
          status: 200,
          at: '2026-11-22T09:00:00.000Z',
        },
      ]);
      await fetch(`${sb.endpoint}/_sandbox/calls`, { method: 'DELETE' });
      expect(sb.calls()).toEqual([]);
      const clock = await fetch(`${sb.endpoint}/_sandbox/clock`, {
        method: 'POST',
        body: JSON.stringify({ advanceSeconds: 60 }),
      });
      expect(await clock.json()).toEqual({ now: '2026-11-22T09:01:00.000Z' });
      await fetch(`${sb.endpoint}/_sandbox/clock`, {
        method: 'POST',
        body: JSON.stringify({ now: '2027-01-01T00:00:00.000Z' }),
      });
      expect(sb.clock.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
    });

    it('answers an unidentifiable request with UnknownOperationException, not 200', async () => {
      const res = await fetch(`${sb.endpoint}/some/thing`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toContain('UnknownOperationException');
    });

    it('answers an unimplemented EKS route with UnknownOperationException', async () => {
      const res = await fetch(`${sb.endpoint}/clusters/prod-a/addons`, {
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/eks/aws4_request, SignedHeaders=host, Signature=x',
        },
      });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    });
  });
});
