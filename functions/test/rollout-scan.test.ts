import { readFileSync } from 'node:fs';
import { ValidationError } from '@nodekeeper/core';
import { describe, expect, it } from 'vitest';
import { parseScanEvent } from '../lib/scan.ts';

/** A published sample event from test/fixtures/realcases (sources in its README). */
function realcase(file: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../../test/fixtures/realcases/${file}`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
}

const scheduled = realcase('eventbridge_scheduled-event_aws-lambda-go.json');
const schedulerEnvelope = realcase('eventbridge_scheduler_no-input.json');

function issuesOf(event: unknown): string[] {
  try {
    parseScanEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('parseScanEvent accepted the event');
}

describe('parseScanEvent', () => {
  describe('when the event is a scheduled rule (aws.events)', () => {
    it('keys the scan on the event ID', () => {
      expect(parseScanEvent(scheduled)).toEqual({
        id: scheduled.id,
        time: scheduled.time,
        source: 'aws.events',
      });
    });
  });

  describe('when EventBridge Scheduler sends its envelope (a schedule without Input)', () => {
    it('accepts the string detail and keys the scan on the schedule and its time', () => {
      expect(typeof schedulerEnvelope.detail).toBe('string');
      expect(parseScanEvent(schedulerEnvelope)).toEqual({
        id: 'arn:aws:scheduler:eu-central-1:123456789012:schedule/default/demoschedule@2024-05-07T15:58:34.000Z',
        time: schedulerEnvelope.time,
        source: 'aws.scheduler',
      });
    });

    it('keys a redelivery with another event ID the same', () => {
      const again = parseScanEvent({ ...schedulerEnvelope, id: 'another-delivery' });
      expect(again.id).toBe(parseScanEvent(schedulerEnvelope).id);
    });
  });

  describe('when the event is a Parameter Store Change', () => {
    it('accepts it with the parameter name', () => {
      const event = {
        ...scheduled,
        source: 'aws.ssm',
        'detail-type': 'Parameter Store Change',
        detail: { name: '/golden/eks-al2023/ami', type: 'String', operation: 'Update' },
      };
      expect(parseScanEvent(event).source).toBe('aws.ssm');
    });
  });

  describe('when the event is a continuation asked for by a rollout that ended', () => {
    const continuation = {
      source: 'nodekeeper.continuation',
      id: 'continuation:3d297ccb',
      time: '2026-11-24T03:20:00.000Z',
      runId: 'scan-0123456789abcdef',
    };

    it('keys the scan on its id and carries the run it continues', () => {
      expect(parseScanEvent(continuation)).toEqual({
        id: 'continuation:3d297ccb',
        time: '2026-11-24T03:20:00.000Z',
        source: 'nodekeeper.continuation',
        continuation: { runId: 'scan-0123456789abcdef' },
      });
      expect(parseScanEvent({ ...continuation, runId: null }).continuation).toEqual({ runId: null });
    });

    it('names the bad field, and refuses fields it does not know', () => {
      expect(issuesOf({ ...continuation, runId: 'not a run id!' })).toEqual([
        expect.stringMatching(/^runId: /),
      ]);
      expect(issuesOf({ ...continuation, time: 'soon' })).toEqual([expect.stringMatching(/^time: /)]);
      expect(issuesOf({ ...continuation, extra: 1 })).toEqual([expect.stringMatching(/extra/)]);
    });
  });

  describe('when the event is anything else', () => {
    for (const [what, event] of [
      ['null', null],
      [
        'an SSM command status event',
        { ...scheduled, source: 'aws.ssm', 'detail-type': 'EC2 Command Status-change Notification' },
      ],
      ['a bad time', { ...scheduled, time: 'yesterday' }],
      ['a missing id', { ...scheduled, id: undefined }],
      ['a Scheduler envelope without a time', { ...schedulerEnvelope, time: undefined }],
    ] as const) {
      it(`rejects ${what} with a clear message`, () => {
        expect(() => parseScanEvent(event)).toThrow(/unsupported scan event/);
      });
    }

    it('names the source when no trigger has it', () => {
      expect(issuesOf({ ...scheduled, source: 'evil.source' })).toEqual([
        expect.stringMatching(/^source: .*nodekeeper\.schedule.*aws\.scheduler.*aws\.events.*aws\.ssm/),
      ]);
    });

    it('names the bad field of a known trigger', () => {
      expect(issuesOf({ ...schedulerEnvelope, time: 'yesterday' })).toEqual([
        expect.stringMatching(/^time: /),
      ]);
    });
  });
});
