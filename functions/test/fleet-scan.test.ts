import { createHash } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DURABLE_EXECUTION_STORAGE_BYTES,
  decodeInspection,
  encodeInspection,
  INSPECTION_RESULT_MAX_BYTES,
  resultBudget,
} from '@nodekeeper/aws/lambda';
import { ValidationError } from '@nodekeeper/core';
import { parseConfig } from '@nodekeeper/core/config';
import type { InspectionTarget } from '@nodekeeper/core/plan';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fansOut, fleetScanExecutionName, inspectOneTarget } from '../lib/fleet-scan.ts';
import { handler } from '../rollout-scan.ts';

const A = '444455556666';
const B = '777788889999';
const role = (account: string, kind: string) => `arn:aws:iam::${account}:role/nodekeeper-${kind}`;
const config = parseConfig({
  regions: ['us-east-1'],
  targets: [A, B].map((accountId) => ({
    accountId,
    readRoleArn: role(accountId, 'read'),
    writeRoleArn: role(accountId, 'write'),
    externalId: `nk-${accountId}`,
    regions: ['us-east-1', 'eu-west-1'],
  })),
  minAmiAgeDays: 3,
  rollout: { fanOutAboveTargets: 3 },
});
const NOW = '2026-11-24T03:00:00.000Z';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** Lambda's DurableExecutionName (botocore lambda model, Invoke): 1–64 of `[a-zA-Z0-9-_]`. */
const DURABLE_EXECUTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;

function emptyInspection(target: Pick<InspectionTarget, 'region'>) {
  return {
    fleet: { nodegroups: [], errors: [] },
    catalog: { parameters: { [target.region]: {} }, images: { [target.region]: {} } },
  };
}

describe('fansOut', () => {
  it('fans out only above rollout.fanOutAboveTargets (account × region targets)', () => {
    expect(fansOut(config)).toBe(true); // 4 targets > 3
    expect(fansOut({ ...config, rollout: { ...config.rollout, fanOutAboveTargets: 4 } })).toBe(false);
    // The default threshold keeps small fleets in one invocation.
    expect(fansOut(parseConfig({ regions: ['us-east-1', 'eu-west-1'] }))).toBe(false);
  });

  it('refuses a threshold or concurrency out of range, naming the field', () => {
    expect(() => parseConfig({ regions: ['us-east-1'], rollout: { fanOutAboveTargets: 0 } })).toThrow(
      /rollout\.fanOutAboveTargets/,
    );
    expect(() => parseConfig({ regions: ['us-east-1'], rollout: { fanOutConcurrency: 501 } })).toThrow(
      /rollout\.fanOutConcurrency/,
    );
  });
});

describe('fleetScanExecutionName', () => {
  it('is a valid Lambda execution name for every scan event ID, the same for a redelivery, and per stage', () => {
    for (const id of [
      'arn:aws:scheduler:us-east-1:111122223333:schedule/default/nodekeeper@2026-11-24T03:00:00.000Z',
      'continuation:3d297ccb',
      'a'.repeat(200),
      '😀',
    ]) {
      const name = fleetScanExecutionName(id, 'prod', sha);
      expect(name).toMatch(DURABLE_EXECUTION_NAME);
      expect(fleetScanExecutionName(id, 'prod', sha)).toBe(name);
      expect(fleetScanExecutionName(id, 'dev', sha)).not.toBe(name);
    }
  });
});

describe('inspectOneTarget (the inspect function)', () => {
  it("inspects the named target with the config's role, clusters and age rule, never the event's", async () => {
    const seen: InspectionTarget[] = [];
    const encoded = await inspectOneTarget(
      { accountId: B, region: 'eu-west-1', now: NOW },
      {
        config,
        inspect: async (target) => {
          seen.push(target);
          return emptyInspection(target);
        },
      },
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      accountId: B,
      region: 'eu-west-1',
      clusters: ['*'],
      role: { roleArn: role(B, 'read'), externalId: `nk-${B}` },
      amiAge: { now: NOW, rule: { minAmiAgeDays: 3 } },
    });
    expect(decodeInspection(encoded)).toEqual(emptyInspection({ region: 'eu-west-1' }));
  });

  it('refuses an event that is not an inspect event, naming each bad field, and inspects nothing', async () => {
    let calls = 0;
    const deps = {
      config,
      inspect: async (t: InspectionTarget) => {
        calls += 1;
        return emptyInspection(t);
      },
    };
    const issues = await inspectOneTarget(
      { accountId: '12', region: 'Mars', now: 'soon', roleArn: 'x' },
      deps,
    ).catch((e: unknown) => (e as ValidationError).issues);
    expect(issues).toEqual([
      expect.stringMatching(/^accountId: expected a 12-digit account ID/),
      expect.stringMatching(/^region: expected an AWS region name/),
      expect.stringMatching(/^now: /),
      expect.stringMatching(/roleArn/),
    ]);
    await expect(
      inspectOneTarget({ accountId: '999988887777', region: 'us-east-1', now: NOW }, deps),
    ).rejects.toThrow(
      new ValidationError("target 999988887777/us-east-1 is not in this deployment's config"),
    );
    expect(calls).toBe(0);
  });

  it('turns an inspection too large for one durable result into its target error item', async () => {
    // Incompressible node group names: gzip cannot bring them under the 256 KiB limit.
    const nodegroups = Array.from({ length: 6000 }, (_, i) => ({ name: sha(String(i)).repeat(2) }));
    const encoded = await inspectOneTarget(
      { accountId: A, region: 'us-east-1', now: NOW },
      {
        config,
        inspect: async (t) => ({ ...emptyInspection(t), fleet: { nodegroups, errors: [] } }) as never,
      },
    );
    expect(encoded.data.length).toBeLessThan(INSPECTION_RESULT_MAX_BYTES);
    const result = decodeInspection(encoded);
    expect(result.fleet.nodegroups).toEqual([]);
    expect(result.fleet.errors).toEqual([
      expect.objectContaining({
        accountId: A,
        region: 'us-east-1',
        nodegroup: null,
        message: expect.stringMatching(
          /^the inspection of 6000 node groups is \d+ bytes compressed, over the 262144 bytes each target's result may take in one fleet scan; split this target's clusters/,
        ),
      }),
    ]);
  });
});

describe("each target's share of the execution's storage", () => {
  it('is 256 KiB for a few targets and shrinks so that every result fits 100 MB with a tenth to spare', () => {
    expect(resultBudget(10)).toBe(INSPECTION_RESULT_MAX_BYTES);
    expect(resultBudget(500)).toBe(180_000);
    expect(resultBudget(2900)).toBe(31_034);
    expect(resultBudget(2900) * 2900).toBeLessThanOrEqual(DURABLE_EXECUTION_STORAGE_BYTES * 0.9);
  });

  it('makes an inspection over the budget the fleet scan passed its target error item', async () => {
    // 1,000 node groups of hex names: about 45 KB compressed, over a 31,034-byte share.
    const nodegroups = Array.from({ length: 1000 }, (_, i) => ({ name: sha(`ng-${i}`) }));
    const result = decodeInspection(
      await inspectOneTarget(
        { accountId: A, region: 'us-east-1', now: NOW, maxBytes: resultBudget(2900) },
        {
          config,
          inspect: async (t) => ({ ...emptyInspection(t), fleet: { nodegroups, errors: [] } }) as never,
        },
      ),
    );
    expect(result.fleet.errors[0]?.message).toMatch(/over the 31034 bytes each target's result may take/);
    await expect(
      inspectOneTarget(
        { accountId: A, region: 'us-east-1', now: NOW, maxBytes: INSPECTION_RESULT_MAX_BYTES + 1 },
        { config, inspect: async (t) => emptyInspection(t) },
      ),
    ).rejects.toThrow(ValidationError);
  });
});

describe('encodeInspection / decodeInspection', () => {
  it('round-trips and refuses anything else', () => {
    const inspection = emptyInspection({ region: 'us-east-1' });
    expect(decodeInspection(JSON.parse(JSON.stringify(encodeInspection(inspection))))).toEqual(inspection);
    expect(() => decodeInspection({ fleet: {} })).toThrow(/not an encoded inspection/);
    expect(() => decodeInspection(null)).toThrow(/not an encoded inspection/);
  });
});

describe('the scan handler above the fan-out threshold', () => {
  const lambda = mockClient(LambdaClient);
  const saved = { ...process.env };
  const fleetScanArn = 'arn:aws:lambda:us-east-1:111122223333:function:nodekeeper-prod-rollout-fanout:7';
  const event = {
    source: 'nodekeeper.schedule',
    scheduleArn: 'arn:aws:scheduler:us-east-1:111122223333:schedule/default/nodekeeper-prod',
    scheduledTime: NOW,
    executionId: 'c0ffee00-0000-4000-8000-000000000001',
    attemptNumber: '1',
  };
  beforeEach(() => {
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      NODEKEEPER_CONFIG: JSON.stringify(config),
      NODEKEEPER_WORKFLOW_ARN:
        'arn:aws:lambda:us-east-1:111122223333:function:nodekeeper-prod-rollout-workflow:7',
      NODEKEEPER_FLEET_SCAN_ARN: fleetScanArn,
      NODEKEEPER_STAGE: 'prod',
    });
  });
  afterEach(() => {
    lambda.reset();
    process.env = { ...saved };
  });

  it('hands the event to the durable fleet scan, named after the fire, and plans nothing itself', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const result = await handler(event);
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: fleetScanArn, InvocationType: 'Event' });
    expect(input?.DurableExecutionName).toMatch(DURABLE_EXECUTION_NAME);
    // The fleet scan gets the event as delivered (it parses it as the scan does).
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual(event);
    expect(result).toMatchObject({
      starts: [],
      runId: null,
      fleetScan: { executionName: input?.DurableExecutionName, result: 'started' },
    });

    // Scheduler's retry of the same fire (new execution ID and attempt) names the same execution.
    lambda.reset();
    lambda.on(InvokeCommand).rejects(
      Object.assign(new Error('exists'), {
        name: 'DurableExecutionAlreadyStartedException',
        $metadata: {},
      }),
    );
    const again = await handler({
      ...event,
      executionId: 'c0ffee00-0000-4000-8000-000000000002',
      attemptNumber: '2',
    });
    expect(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.DurableExecutionName).toBe(
      input?.DurableExecutionName,
    );
    expect(again.fleetScan).toEqual({
      executionName: input?.DurableExecutionName,
      result: 'already-started',
    });
  });

  it('fails on any other Lambda error (a deploy in progress), so the event is delivered again', async () => {
    lambda.on(InvokeCommand).rejects(
      Object.assign(new Error('The operation cannot be performed at this time. An update is in progress.'), {
        name: 'ResourceConflictException',
        $metadata: { httpStatusCode: 409 },
      }),
    );
    await expect(handler(event)).rejects.toThrow(/ResourceConflictException|update is in progress/);
  });

  it('refuses more targets than one fleet scan inspects, before starting one', async () => {
    const accounts = Array.from({ length: 1451 }, (_, i) => String(300000000000 + i));
    process.env.NODEKEEPER_CONFIG = JSON.stringify({
      ...config,
      targets: accounts.map((accountId) => ({
        accountId,
        readRoleArn: role(accountId, 'read'),
        writeRoleArn: role(accountId, 'write'),
        externalId: 'nk-x',
        regions: ['us-east-1', 'eu-west-1'],
      })),
    });
    await expect(handler(event)).rejects.toThrow(
      /^2902 \(account, region\) targets are more than one fleet scan inspects \(2900/,
    );
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('refuses an unqualified fleet scan ARN and invokes nothing', async () => {
    process.env.NODEKEEPER_FLEET_SCAN_ARN = fleetScanArn.replace(/:7$/, '');
    await expect(handler(event)).rejects.toThrow(/fleet scan ARN must be qualified/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('refuses an event that is not a scan event before anything else', async () => {
    await expect(handler({ source: 'evil' })).rejects.toThrow(/unsupported scan event/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
