import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import {
  buildPatchCommands,
  MAX_COMMENT_LENGTH,
  parsePatchComment,
  patchComment,
} from '../../src/patch/command.ts';
import { parseCommandStatusEvent } from '../../src/patch/event.ts';
import { parsePatchRequest, patchRequestJsonSchema } from '../../src/patch/request.ts';
import { patchScope } from '../../src/patch/scope.ts';
import {
  combineCommandStatuses,
  isTerminalStatus,
  pendingRebootCount,
  summarizeInvocations,
} from '../../src/patch/summary.ts';
import type { PatchPlanItem } from '../../src/patch/types.ts';

const realcase = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../../test/fixtures/realcases/${name}`, import.meta.url), 'utf8'));

function issuesOf(raw: unknown): string[] {
  try {
    parsePatchRequest(raw);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  return [];
}

describe('parsePatchRequest', () => {
  describe('when the payload is minimal', () => {
    it('defaults to Scan without reboot', () => {
      expect(parsePatchRequest({ cluster: 'prod-a' })).toEqual({
        cluster: 'prod-a',
        operation: 'Scan',
        reboot: false,
      });
    });
  });

  describe('when the payload is bad', () => {
    it.each([
      [{ cluster: '' }, 'cluster'],
      [{ cluster: 'prod-*' }, 'cluster'],
      [{ cluster: 'prod-a', operation: 'Reboot' }, 'operation'],
      [{ cluster: 'prod-a', reboot: true }, 'reboot: reboot applies to operation Install only'],
      [{ cluster: 'prod-a', instanceIds: ['i-*'] }, 'instanceIds[0]'],
      [{ cluster: 'prod-a', nodegroups: ['a b'] }, 'nodegroups[0]'],
      [{ cluster: 'prod-a', nodegroups: [] }, 'nodegroups'],
      [{ cluster: 'prod-a', extra: 1 }, 'extra: unknown key'],
      [{ cluster: 'prod-a', requestId: 'x'.repeat(65) }, 'requestId'],
      [null, '(root)'],
    ])('rejects %j naming %s', (raw, path) => {
      expect(issuesOf(raw).join('\n')).toContain(path);
    });
  });

  describe('when names repeat', () => {
    it('removes duplicates', () => {
      const r = parsePatchRequest({
        cluster: 'c',
        nodegroups: ['a', 'a'],
        instanceIds: ['i-0123abcd', 'i-0123abcd'],
      });
      expect(r.nodegroups).toEqual(['a']);
      expect(r.instanceIds).toEqual(['i-0123abcd']);
    });
  });
});

describe('patchRequestJsonSchema', () => {
  it('equals the committed docs/patch-payload.schema.json', () => {
    const file = new URL('../../../../docs/patch-payload.schema.json', import.meta.url);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(patchRequestJsonSchema());
  });

  it('requires cluster and rejects unknown keys', () => {
    const schema = patchRequestJsonSchema();
    expect(schema.required).toEqual(['cluster']);
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('patchScope', () => {
  const config = { clusters: ['prod-*'], regions: ['us-east-1', 'eu-west-1'] };
  it('refuses a cluster the config does not select', () => {
    expect(patchScope({ cluster: 'dev-a' }, config).kind).toBe('invalid');
  });
  it('refuses a region outside the config', () => {
    expect(patchScope({ cluster: 'prod-a', region: 'ap-south-1' }, config).kind).toBe('invalid');
  });
  it('searches the config regions when none is given', () => {
    expect(patchScope({ cluster: 'prod-a' }, config)).toEqual({
      kind: 'search',
      regions: ['us-east-1', 'eu-west-1'],
    });
  });
  it('uses the only region', () => {
    expect(patchScope({ cluster: 'prod-a' }, { ...config, regions: ['us-east-1'] })).toEqual({
      kind: 'region',
      region: 'us-east-1',
    });
  });
});

function item(instanceIds: string[], overrides: Partial<PatchPlanItem> = {}): PatchPlanItem {
  return {
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'general',
    decision: 'patch',
    reason: null,
    message: '',
    platform: 'Linux',
    instanceIds,
    unmanaged: [],
    ...overrides,
  };
}

const options = {
  requestId: 'req-0001',
  snapshotId: '11111111-2222-3333-4444-555555555555',
  operation: 'Install' as const,
  reboot: false,
  maxConcurrency: '10%',
  maxErrors: '1',
  timeoutSeconds: 600,
};

describe('buildPatchCommands', () => {
  describe('when the item is patched', () => {
    it('builds one AWS-RunPatchBaseline command to the instance IDs with NoReboot', () => {
      expect(buildPatchCommands(item(['i-0a', 'i-0b']), options).commands).toEqual([
        {
          DocumentName: 'AWS-RunPatchBaseline',
          InstanceIds: ['i-0a', 'i-0b'],
          Parameters: {
            Operation: ['Install'],
            RebootOption: ['NoReboot'],
            SnapshotId: ['11111111-2222-3333-4444-555555555555'],
          },
          MaxConcurrency: '10%',
          MaxErrors: '1',
          TimeoutSeconds: 600,
          Comment: 'nodekeeper patch req-0001 prod-a/general',
        },
      ]);
    });

    it('uses RebootIfNeeded only with reboot', () => {
      const [command] = buildPatchCommands(item(['i-0a']), { ...options, reboot: true }).commands;
      expect(command?.Parameters.RebootOption).toEqual(['RebootIfNeeded']);
    });

    it('never uses tag targets', () => {
      const [command] = buildPatchCommands(item(['i-0a']), options).commands;
      expect(command).not.toHaveProperty('Targets');
    });
  });

  describe('when the node group has more than 50 instances', () => {
    const ids = Array.from({ length: 120 }, (_, i) => `i-${String(i).padStart(8, '0')}`);
    it('splits into commands of at most 50 and divides counts between them', () => {
      const { commands } = buildPatchCommands(item(ids), { ...options, maxConcurrency: '9', maxErrors: '3' });
      expect(commands.map((c) => c.InstanceIds.length)).toEqual([50, 50, 20]);
      expect(commands.map((c) => [c.MaxConcurrency, c.MaxErrors])).toEqual([
        ['3', '1'],
        ['3', '1'],
        ['3', '1'],
      ]);
      expect(new Set(commands.map((c) => c.Parameters.SnapshotId[0])).size).toBe(1);
    });

    it('keeps at least one at once', () => {
      const { commands } = buildPatchCommands(item(ids), { ...options, maxConcurrency: '1', maxErrors: '1' });
      expect(commands.map((c) => [c.MaxConcurrency, c.MaxErrors])).toEqual([
        ['1', '0'],
        ['1', '0'],
        ['1', '0'],
      ]);
    });
  });

  describe('when the item is refused', () => {
    it('builds no command', () => {
      expect(
        buildPatchCommands(item([], { decision: 'refuse', reason: 'opted-out' }), options).commands,
      ).toEqual([]);
    });
  });
});

describe('patchComment', () => {
  it('fits 100 characters and keeps the request ID whole', () => {
    const comment = patchComment('req-11111111-2222-3333-4444-555555555555', 'c'.repeat(100), 'n'.repeat(63));
    expect(comment.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(parsePatchComment(comment)).toEqual({ requestId: 'req-11111111-2222-3333-4444-555555555555' });
  });

  it('does not recognise other comments', () => {
    expect(parsePatchComment('b48291dd-ba76-43e0-b9df-13e11ddaac26:6960febb')).toBeNull();
    expect(parsePatchComment('')).toBeNull();
  });
});

describe('summarizeInvocations', () => {
  const ok = 'Installed: 0, InstalledPendingReboot: 3, Missing: 0, Failed: 0';
  it('counts outcomes, lists failures with details and pending reboots', () => {
    const summary = summarizeInvocations(
      [
        { instanceId: 'i-0c', status: 'Failed', statusDetails: 'Failed', output: 'exit status 1' },
        { instanceId: 'i-0a', status: 'Success', statusDetails: 'Success', output: ok },
        { instanceId: 'i-0b', status: 'TimedOut', statusDetails: 'ExecutionTimedOut', output: '' },
        { instanceId: 'i-0d', status: 'InProgress', statusDetails: 'InProgress', output: '' },
      ],
      { operation: 'Install', reboot: false },
    );
    expect(summary.counts).toEqual({ targeted: 4, succeeded: 1, failed: 2, pending: 1 });
    expect(summary.failed).toEqual([
      { instanceId: 'i-0b', status: 'TimedOut', statusDetails: 'ExecutionTimedOut' },
      { instanceId: 'i-0c', status: 'Failed', statusDetails: 'Failed' },
    ]);
    expect(summary.pendingReboot).toEqual(['i-0a']);
  });

  it('reports no pending reboot for Scan or with reboot', () => {
    const inv = [{ instanceId: 'i-0a', status: 'Success', statusDetails: 'Success', output: ok }];
    expect(summarizeInvocations(inv, { operation: 'Scan', reboot: false }).pendingReboot).toEqual([]);
    expect(summarizeInvocations(inv, { operation: 'Install', reboot: true }).pendingReboot).toEqual([]);
  });

  it('reads the published ListCommandInvocations sample', () => {
    const sample = realcase('ssm_list-command-invocations.json') as {
      CommandInvocations: Array<{ InstanceId: string; Status: string; StatusDetails: string }>;
    };
    const summary = summarizeInvocations(
      sample.CommandInvocations.map((i) => ({
        instanceId: i.InstanceId,
        status: i.Status,
        statusDetails: i.StatusDetails,
        output: '',
      })),
      { operation: 'Install', reboot: false },
    );
    expect(summary.counts).toEqual({ targeted: 2, succeeded: 2, failed: 0, pending: 0 });
  });
});

describe('status helpers', () => {
  it('knows terminal statuses', () => {
    expect(['Success', 'Failed', 'TimedOut', 'Cancelled'].every(isTerminalStatus)).toBe(true);
    expect(['Pending', 'InProgress', 'Delayed', 'Cancelling'].some(isTerminalStatus)).toBe(false);
  });
  it('combines to the worst status', () => {
    expect(combineCommandStatuses(['Success', 'TimedOut', 'Success'])).toBe('TimedOut');
    expect(combineCommandStatuses(['Success', 'Failed', 'TimedOut'])).toBe('Failed');
    expect(combineCommandStatuses(['Success'])).toBe('Success');
  });
  it('reads the pending reboot count', () => {
    expect(pendingRebootCount('Installed: 1, InstalledPendingReboot: 2')).toBe(2);
    expect(pendingRebootCount('nothing')).toBe(0);
  });
});

describe('parseCommandStatusEvent', () => {
  it('accepts the published sample event', () => {
    expect(parseCommandStatusEvent(realcase('eventbridge_ssm_command-status-change.json'))).toEqual({
      kind: 'ok',
      event: {
        eventId: '51c0891d-0e34-45b1-83d6-95db273d1602',
        region: 'us-east-2',
        account: '123456789012',
        time: '2016-07-10T21:51:32Z',
        commandId: 'e8d3c0e4-71f7-4491-898f-c9b35bee5f3b',
        documentName: 'AWS-RunPowerShellScript',
        status: 'Success',
      },
    });
  });

  it('rejects the invocation-level event', () => {
    expect(
      parseCommandStatusEvent(realcase('eventbridge_ssm_command-invocation-status-change.json')).kind,
    ).toBe('invalid');
  });

  it('rejects garbage without throwing', () => {
    expect(parseCommandStatusEvent('nope').kind).toBe('invalid');
    expect(parseCommandStatusEvent({ detail: {} }).kind).toBe('invalid');
  });
});
