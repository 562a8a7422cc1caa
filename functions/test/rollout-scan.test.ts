import { describe, expect, it } from 'vitest';
import { parseScanEvent } from '../lib/scan.ts';

/** Shape of shared/realcases/eventbridge_scheduled-event_aws-lambda-go.json. */
const scheduled = {
  version: '0',
  id: '890abcde-f123-4567-890a-bcdef1234567',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '111122223333',
  time: '2016-12-30T18:44:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:111122223333:rule/SampleRule'],
  detail: {},
};

describe('parseScanEvent', () => {
  describe('when the event is a scheduled event', () => {
    it('accepts rules (aws.events) and EventBridge Scheduler (aws.scheduler)', () => {
      expect(parseScanEvent(scheduled).id).toBe(scheduled.id);
      expect(parseScanEvent({ ...scheduled, source: 'aws.scheduler' }).source).toBe('aws.scheduler');
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

  describe('when the event is anything else', () => {
    for (const [what, event] of [
      ['null', null],
      [
        'an SSM command status event',
        { ...scheduled, source: 'aws.ssm', 'detail-type': 'EC2 Command Status-change Notification' },
      ],
      ['a bad time', { ...scheduled, time: 'yesterday' }],
      ['a missing id', { ...scheduled, id: undefined }],
    ] as const) {
      it(`rejects ${what} with a clear message`, () => {
        expect(() => parseScanEvent(event)).toThrow(/unsupported scan event/);
      });
    }
  });
});
