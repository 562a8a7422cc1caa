/**
 * Every SDK client carries explicit connect and request timeouts, so a hung socket fails the call
 * (and the step retries it) instead of holding the Lambda until its own timeout.
 */
import { DescribeNodegroupCommand } from '@aws-sdk/client-eks';
import { clientDefaults, createClients } from '@nodekeeper/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RemoteSandbox, startRemoteSandbox } from './support/remote-sandbox.ts';
import { faultSummary } from './support/summary.ts';
import { credentials, region, rolloutFleet } from './support/world.ts';

const summary = faultSummary('hung-socket');
let sb: RemoteSandbox;

beforeAll(async () => {
  sb = await startRemoteSandbox(rolloutFleet());
});
afterAll(async () => {
  summary.write();
  await sb.close();
});

interface HandlerConfig {
  connectionTimeout?: number;
  requestTimeout?: number;
}

describe('SDK client timeouts', () => {
  describe('when clients are built with the defaults', () => {
    it('gives every client an explicit connect and request timeout', async () => {
      const clients = createClients({ region, credentials });
      try {
        for (const client of [clients.eks, clients.ec2, clients.ssm, clients.sts, clients.dynamodb]) {
          const handler = client.config.requestHandler as unknown as {
            configProvider: Promise<HandlerConfig>;
          };
          const config = await handler.configProvider;
          expect(config.connectionTimeout).toBe(clientDefaults.connectTimeoutMs);
          expect(config.requestTimeout).toBe(clientDefaults.requestTimeoutMs);
        }
      } finally {
        clients.destroy();
      }
    });
  });

  describe('when a socket hangs (the answer never comes in time)', () => {
    it('fails the call with a timeout after every attempt instead of hanging', async () => {
      await sb.setFaults([{ service: 'eks', operation: 'DescribeNodegroup', slowMs: 30_000 }]);
      const clients = createClients({ region, endpoint: sb.endpoint, credentials, requestTimeoutMs: 300 });
      try {
        const error = await clients.eks
          .send(new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'general' }))
          .then(
            () => null,
            (e: unknown) => e as Error & { $metadata?: { attempts?: number } },
          );
        expect(error?.name).toMatch(/TimeoutError|RequestTimeout/);
        expect(error?.$metadata?.attempts).toBe(clientDefaults.maxAttempts);
        summary.add({
          fault: 'hung socket',
          faultsInjected: error?.$metadata?.attempts ?? 0,
          checks: { 'fails-instead-of-hanging': error ? [] : ['the call did not fail'] },
        });
      } finally {
        clients.destroy();
        await sb.setFaults([]);
      }
    });
  });
});
