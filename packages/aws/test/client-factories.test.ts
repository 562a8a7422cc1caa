import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ClientContext,
  createAsyncInvoker,
  createClientCache,
  createClientContext,
  createLambdaClient,
} from '../index.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
let server: Server;
let endpoint: string;
let seen: Array<{ method: string; url: string; invocationType: string | undefined }>;
let context: ClientContext | null;

beforeEach(async () => {
  seen = [];
  context = null;
  server = createServer((req: IncomingMessage, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      invocationType: req.headers['x-amz-invocation-type'] as string | undefined,
    });
    req.resume();
    res.writeHead(202, { 'x-amzn-requestid': 'req-1' });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  context?.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('createLambdaClient', () => {
  describe('when built from a client context', () => {
    it('sends through the context and counts the call there', async () => {
      context = createClientContext({ region: 'us-east-1', credentials, endpoint, rateLimits: false });
      const outcome = await createAsyncInvoker(createLambdaClient(context)).invoke(
        'nodekeeper-prod-patch',
        {},
      );
      expect(outcome).toEqual({ kind: 'accepted', lambdaRequestId: 'req-1' });
      expect(seen).toEqual([
        {
          method: 'POST',
          url: '/2015-03-31/functions/nodekeeper-prod-patch/invocations',
          invocationType: 'Event',
        },
      ]);
      expect(context.counter.snapshot().byOperation).toEqual({
        'lambda:Invoke': { calls: 1, attempts: 1, throttled: 0, failed: 0 },
      });
    });
  });

  describe('when built from client options', () => {
    it('uses the region and endpoint given', async () => {
      const lambda = createLambdaClient({ region: 'eu-west-1', credentials, endpoint });
      expect(await lambda.config.region()).toBe('eu-west-1');
      await createAsyncInvoker(lambda).invoke('f', {});
      expect(seen.map((s) => s.url)).toEqual(['/2015-03-31/functions/f/invocations']);
      lambda.destroy();
    });
  });
});

describe('createClientCache', () => {
  describe('when asked for regions', () => {
    it('builds one client set per region and reuses it', async () => {
      const clients = createClientCache({ credentials, endpoint });
      const east = clients('us-east-1');
      expect(clients('us-east-1')).toBe(east);
      expect(clients('eu-west-1')).not.toBe(east);
      expect(await clients('eu-west-1').eks.config.region()).toBe('eu-west-1');
      clients.destroy();
      expect(clients('us-east-1')).not.toBe(east);
      clients.destroy();
    });
  });
});
