import { createLedger, createLedgerTable } from '@nodekeeper/aws';
import type {
  LaunchTemplateVersionInfo,
  NodegroupState,
  PausePort,
  RolloutDeps,
  RolloutPort,
  RolloutRequest,
} from '@nodekeeper/core/rollout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LocalDurableTestRunner,
  withDurableExecutionForTesting as withDurableExecution,
} from '../../test/support/durable-testing.ts';
import { createRolloutWorkflow } from '../lib/workflow.ts';
import { fakeAws, recordingNotify, templateRequest } from './fakes.ts';
import { startDynaliteProcess } from './support.ts';

let dynamo: Awaited<ReturnType<typeof startDynaliteProcess>>;
let tables = 0;
const NOW = new Date('2026-11-24T03:00:00.000Z');
const notPaused: PausePort = { read: async () => ({ paused: false, reason: null }) };
const custom = { accountId: '111122223333', region: 'us-east-1', cluster: 'prod-a', nodegroup: 'custom' };

beforeAll(async () => {
  dynamo = await startDynaliteProcess();
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
});

afterAll(async () => {
  await LocalDurableTestRunner.teardownTestEnvironment();
  dynamo.stop();
});

/** nodekeeper's old versions 1–8 of lt-01 for prod-a/custom, made long ago. */
function oldVersions(): LaunchTemplateVersionInfo[] {
  return Array.from({ length: 8 }, (_, i) => ({
    version: String(i + 1),
    description: `nodekeeper:${'0'.repeat(15)}${i} ami-0${i} for prod-a/custom`,
    imageId: `ami-0${i}`,
    isDefault: i === 0,
    createdAt: '2026-09-01T00:00:00.000Z',
  }));
}

async function runWorkflow(request: RolloutRequest, options: { deleteFails?: boolean } = {}) {
  const aws = fakeAws({
    statuses: ['InProgress', 'Successful'],
    nodegroup: {
      kind: 'found',
      nodegroup: {
        status: 'ACTIVE',
        version: '1.33',
        releaseVersion: 'ami-0123456789abcdef0',
        launchTemplate: { id: 'lt-01', name: 'custom', version: '4' },
      } as NodegroupState,
    },
  });
  const deleted: string[][] = [];
  const port: RolloutPort = {
    ...aws.port,
    listLaunchTemplateVersions: async () => oldVersions(),
    deleteLaunchTemplateVersions: async (_ref, _id, versions) => {
      if (options.deleteFails) throw new Error('UnauthorizedOperation: not allowed');
      deleted.push([...versions]);
      return { deleted: [...versions], failed: [] };
    },
  };
  tables += 1;
  const table = `wf-retire-${tables}`;
  await createLedgerTable(dynamo.client, table);
  const deps: RolloutDeps = {
    aws: port,
    ledger: createLedger(dynamo.client, { tableName: table }),
    pause: notPaused,
    recalls: { list: async () => [] },
    notify: recordingNotify().notify,
    now: () => NOW,
  };
  const runner = new LocalDurableTestRunner({
    handlerFunction: withDurableExecution(createRolloutWorkflow(() => deps)),
  });
  const execution = await runner.run({ payload: { request } });
  return { execution, deleted };
}

describe('rollout workflow version retirement', () => {
  describe('when a launch-template rollout with retention succeeds', () => {
    it('retires nodekeeper’s old versions in a step of its own, once', async () => {
      const request = templateRequest({ versionRetention: { keep: 3, users: [custom] } });
      const { execution, deleted } = await runWorkflow(request);
      expect(execution.getStatus()).toBe('SUCCEEDED');
      expect(execution.getResult()).toMatchObject({ outcome: 'succeeded' });
      // 8, 7, 6 are the newest kept; the fake EKS still reports version 4 in use; 1 is the default.
      expect(deleted).toEqual([['5', '3', '2']]);
      expect(execution.getOperations().map((o) => o.getName())).toContain('retire-versions');
    });
  });

  describe('when retirement fails', () => {
    it('still succeeds the rollout', async () => {
      const request = templateRequest({ versionRetention: { keep: 3, users: [custom] } });
      const { execution, deleted } = await runWorkflow(request, { deleteFails: true });
      expect(execution.getStatus()).toBe('SUCCEEDED');
      expect(execution.getResult()).toMatchObject({ outcome: 'succeeded' });
      expect(deleted).toEqual([]);
    });
  });

  describe('when the request carries no retention', () => {
    it('runs no retirement step', async () => {
      const { execution, deleted } = await runWorkflow(templateRequest());
      expect(execution.getResult()).toMatchObject({ outcome: 'succeeded' });
      expect(deleted).toEqual([]);
      expect(execution.getOperations().map((o) => o.getName())).not.toContain('retire-versions');
    });
  });
});
