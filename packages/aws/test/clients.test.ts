import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListClustersCommand } from '@aws-sdk/client-eks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
// The root entry provides every service's SDK client (the functions' narrow entries provide fewer).
import { type AwsClients, createClients, isThrottlingError } from '../index.ts';
import { listClusters } from '../src/eks.ts';
import { AwsAdapterError } from '../src/errors.ts';
import { callStats, resetCallStats } from '../src/stats.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let endpoint: string;
let handler: Handler;
const opened: AwsClients[] = [];
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

beforeEach(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  resetCallStats();
});

afterEach(async () => {
  for (const c of opened.splice(0)) c.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function clients(extra: Partial<Parameters<typeof createClients>[0]> = {}): AwsClients {
  const c = createClients({ region: 'us-east-1', credentials, endpoint, ...extra });
  opened.push(c);
  return c;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

describe('createClients', () => {
  describe('when EKS throttles once and then answers', () => {
    it('retries, and counts one call, two attempts, one retry and one throttle', async () => {
      let requests = 0;
      handler = (_req, res) => {
        requests++;
        if (requests === 1) {
          json(res, 429, { message: 'Rate exceeded' }, { 'x-amzn-errortype': 'ThrottlingException' });
        } else {
          json(res, 200, { clusters: ['prod-a'] });
        }
      };
      const c = clients();
      expect(await listClusters(c.eks)).toEqual(['prod-a']);
      expect(c.stats()).toMatchObject({
        calls: 1,
        attempts: 2,
        retries: 1,
        throttled: 1,
        failed: 0,
        byOperation: { 'eks:ListClusters': { calls: 1, attempts: 2, throttled: 1, failed: 0 } },
      });
      expect(callStats()).toMatchObject({ calls: 1, attempts: 2, retries: 1 });
    });
  });

  describe('when every attempt fails', () => {
    it('stops after maxAttempts and counts the call as failed', async () => {
      let requests = 0;
      handler = (_req, res) => {
        requests++;
        json(res, 500, { message: 'internal' }, { 'x-amzn-errortype': 'ServerException' });
      };
      const c = clients({ maxAttempts: 2 });
      const err = await listClusters(c.eks).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AwsAdapterError);
      expect(err).toMatchObject({ code: 'ServerException', httpStatus: 500, attempts: 2 });
      expect(requests).toBe(2);
      expect(c.stats()).toMatchObject({ calls: 1, attempts: 2, failed: 1 });
    });
  });

  describe('when the server never answers', () => {
    it('gives up at the request timeout instead of hanging', async () => {
      handler = () => {
        // Never answer: the client's request timeout must end the call.
      };
      const c = clients({ maxAttempts: 1, requestTimeoutMs: 200 });
      const err = await listClusters(c.eks).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AwsAdapterError);
      expect((err as AwsAdapterError).code).toMatch(/ETIMEDOUT|Timeout/i);
    });
  });

  describe('when the rate limit allows fewer calls than are made', () => {
    it('paces attempts through the bucket (the clock records the waits)', async () => {
      handler = (_req, res) => json(res, 200, { clusters: [] });
      const sleeps: number[] = [];
      let now = 0;
      const c = clients({
        rateLimits: { 'eks:read': { burst: 2, ratePerSecond: 10 } },
        clock: {
          now: () => now,
          sleep: async (ms) => {
            sleeps.push(ms);
          },
        },
      });
      await Promise.all([1, 2, 3, 4].map(() => c.eks.send(new ListClustersCommand({}))));
      expect(sleeps).toEqual([100, 200]);
      now = 10_000;
      await c.eks.send(new ListClustersCommand({}));
      expect(sleeps).toHaveLength(2);
    });
  });

  describe('when several services are built', () => {
    it('gives them one HTTP handler, the region and standard retries', async () => {
      const c = clients({ region: 'eu-west-1', maxAttempts: 4 });
      expect(c.region).toBe('eu-west-1');
      expect(c.eks.config.requestHandler).toBe(c.ec2.config.requestHandler);
      expect(c.ssm.config.requestHandler).toBe(c.context.config.requestHandler);
      expect(await c.ec2.config.region()).toBe('eu-west-1');
      expect(await c.ssm.config.maxAttempts()).toBe(4);
      expect(c.eks.config.retryMode).toBe('standard');
    });

    it('builds each SDK client once, on first use', () => {
      const c = clients();
      expect(c.dynamodb).toBe(c.dynamodb);
      expect(c.sts).not.toBe(c.ssm);
    });
  });

  describe('when no adapter of a service is loaded', () => {
    it('refuses to build its client and says where the client comes from', async () => {
      // A fresh module graph: nothing has provided any SDK client yet.
      vi.resetModules();
      const bare = await import('../src/clients.ts');
      const c = bare.createClients({ region: 'us-east-1', credentials, endpoint });
      try {
        expect(() => c.ec2).toThrow(
          /^no ec2 client in this build: import an adapter of @nodekeeper\/aws that calls ec2/,
        );
        expect(c.region).toBe('us-east-1');
      } finally {
        c.destroy();
      }
    });
  });
});

describe('isThrottlingError', () => {
  describe('when given AWS throttling answers', () => {
    it('recognises the codes of EKS, EC2, SSM and STS and HTTP 429', () => {
      for (const name of [
        'ThrottlingException',
        'RequestLimitExceeded',
        'Throttling',
        'TooManyRequestsException',
      ]) {
        expect(isThrottlingError({ name })).toBe(true);
      }
      expect(isThrottlingError({ name: 'X', $metadata: { httpStatusCode: 429 } })).toBe(true);
      expect(isThrottlingError({ name: 'ServerException', $metadata: { httpStatusCode: 500 } })).toBe(false);
      expect(isThrottlingError('nope')).toBe(false);
    });
  });
});
