// The test-only EventBridge matcher the regional-events seam relies on, against the published
// sample events and the patterns the stacks render.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { goldenParameterEventPattern } from '../../stacks/golden-pattern.ts';
import { matchesEventPattern, routeEvent } from '../helpers/eventbridge.ts';

const realcase = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/realcases/${name}`, import.meta.url), 'utf8')) as {
    detail: Record<string, unknown>;
  } & Record<string, unknown>;
const commandStatus = realcase('eventbridge_ssm_command-status-change.json');
const invocationStatus = realcase('eventbridge_ssm_command-invocation-status-change.json');
// stacks/patch.ts's pattern, spelled out (importing patch.ts needs the SST globals).
const patchPattern = {
  source: ['aws.ssm'],
  'detail-type': ['EC2 Command Status-change Notification'],
  detail: { 'document-name': ['AWS-RunPatchBaseline'] },
};
const patched = {
  ...commandStatus,
  detail: { ...commandStatus.detail, 'document-name': 'AWS-RunPatchBaseline' },
};

describe('matchesEventPattern', () => {
  describe('when the pattern is the patch-status rule’s', () => {
    it('matches an AWS-RunPatchBaseline command status change from any region', () => {
      expect(matchesEventPattern(patchPattern, patched)).toBe(true);
      expect(matchesEventPattern(patchPattern, { ...patched, region: 'ap-southeast-2' })).toBe(true);
    });

    it('does not match other documents or invocation status changes', () => {
      expect(matchesEventPattern(patchPattern, commandStatus)).toBe(false);
      const invocation = {
        ...invocationStatus,
        detail: { ...invocationStatus.detail, 'document-name': 'AWS-RunPatchBaseline' },
      };
      expect(matchesEventPattern(patchPattern, invocation)).toBe(false);
    });
  });

  describe('when the pattern is the golden AMI rule’s', () => {
    // stacks/golden.ts's goldenParameterEventPattern(['/golden/a']).
    const pattern = {
      source: ['aws.ssm'],
      'detail-type': ['Parameter Store Change'],
      detail: { name: ['/golden/a'], operation: ['Create', 'Update'] },
    };
    const change = (name: string, operation: string) => ({
      source: 'aws.ssm',
      'detail-type': 'Parameter Store Change',
      region: 'eu-west-1',
      detail: { name, operation, type: 'String' },
    });

    it('matches creates and updates of the listed parameters only', () => {
      expect(matchesEventPattern(pattern, change('/golden/a', 'Update'))).toBe(true);
      expect(matchesEventPattern(pattern, change('/golden/a', 'Create'))).toBe(true);
      expect(matchesEventPattern(pattern, change('/golden/a', 'Delete'))).toBe(false);
      expect(matchesEventPattern(pattern, change('/golden/b', 'Update'))).toBe(false);
    });
  });

  describe('when a golden parameter has {version} (one per Kubernetes minor)', () => {
    const pattern = goldenParameterEventPattern(['/golden/a', '/golden/web/{version}/ami']);
    const change = (name: string) => ({
      source: 'aws.ssm',
      'detail-type': 'Parameter Store Change',
      region: 'eu-west-1',
      detail: { name, operation: 'Create', type: 'String' },
    });

    it('matches every minor’s parameter with a wildcard, and the listed name exactly', () => {
      expect(pattern?.detail.name).toEqual(['/golden/a', { wildcard: '/golden/web/*/ami' }]);
      expect(matchesEventPattern(pattern, change('/golden/web/1.33/ami'))).toBe(true);
      expect(matchesEventPattern(pattern, change('/golden/web/1.34/ami'))).toBe(true);
      expect(matchesEventPattern(pattern, change('/golden/a'))).toBe(true);
    });

    it('does not match other parameters', () => {
      expect(matchesEventPattern(pattern, change('/golden/web/1.33/ami-old'))).toBe(false);
      expect(matchesEventPattern(pattern, change('/golden/api/1.33/ami'))).toBe(false);
      expect(matchesEventPattern(pattern, change('/golden/ab'))).toBe(false);
    });
  });

  describe('when the pattern uses content filters', () => {
    it('applies prefix, suffix, anything-but and exists, and matches array fields by any element', () => {
      const event = { region: 'eu-west-1', resources: ['arn:a', 'arn:b'], detail: { status: 'Failed' } };
      expect(matchesEventPattern({ region: [{ prefix: 'eu-' }] }, event)).toBe(true);
      expect(matchesEventPattern({ region: [{ suffix: '-2' }] }, event)).toBe(false);
      expect(
        matchesEventPattern({ detail: { status: [{ 'anything-but': ['Pending', 'InProgress'] }] } }, event),
      ).toBe(true);
      expect(
        matchesEventPattern({ detail: { status: [{ 'anything-but': { prefix: 'Fail' } }] } }, event),
      ).toBe(false);
      expect(matchesEventPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
      expect(matchesEventPattern({ detail: { status: [{ exists: false }] } }, event)).toBe(false);
      expect(matchesEventPattern({ resources: ['arn:b'] }, event)).toBe(true);
      expect(matchesEventPattern({ account: ['111122223333'] }, event)).toBe(false);
    });

    it('refuses what it does not implement instead of guessing', () => {
      expect(() =>
        matchesEventPattern({ detail: { n: [{ numeric: ['>', 1] }] } }, { detail: { n: 2 } }),
      ).toThrow(/unsupported/);
      expect(() => matchesEventPattern({ $or: [] }, {})).toThrow(/unsupported/);
    });
  });
});

describe('routeEvent', () => {
  const routing = {
    rules: [
      { name: 'forward', region: 'eu-west-1', pattern: patchPattern },
      { name: 'back', region: 'us-east-1', pattern: patchPattern },
      { name: 'home', region: 'us-east-1', pattern: patchPattern },
    ],
    targets: [
      {
        rule: 'forward',
        region: 'eu-west-1',
        arn: 'arn:aws:events:us-east-1:111122223333:event-bus/default',
      },
      { rule: 'back', region: 'us-east-1', arn: 'arn:aws:events:eu-west-1:111122223333:event-bus/default' },
      { rule: 'home', region: 'us-east-1', arn: 'arn:aws:lambda:us-east-1:111122223333:function:f' },
    ],
  };

  it('follows one bus-to-bus hop and never a second one', () => {
    const event = { ...patched, region: 'eu-west-1' };
    expect(routeEvent(routing, event, 'eu-west-1')).toEqual([
      {
        arn: 'arn:aws:lambda:us-east-1:111122223333:function:f',
        event,
        via: ['eu-west-1:forward', 'us-east-1:home'],
      },
    ]);
  });
});
