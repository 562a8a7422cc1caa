import { ValidationError } from '@nodekeeper/core';
import { parseCommandStatusEvent } from '@nodekeeper/core/patch';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScanEvent } from '../../functions/lib/scan.ts';
import { anyJson, fuzzEdge, nastyString } from './support/fuzz.ts';

const edge = fuzzEdge('eventbridge-events');
afterAll(() => edge.write());

const time = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-11-24T03:00:00Z', 'yesterday', '', '2026-13-40T99:99:99Z'),
  nastyString(30),
);

/** Scheduled, Parameter Store Change and SSM command status shapes with hostile fields. */
const event = fc.oneof(
  anyJson(),
  fc.record(
    {
      version: fc.oneof(fc.constant('0'), anyJson()),
      id: fc.oneof(fc.uuid(), nastyString(200)),
      'detail-type': fc.oneof(
        fc.constantFrom(
          'Scheduled Event',
          'Parameter Store Change',
          'EC2 Command Status-change Notification',
          'EC2 Command Invocation Status-change Notification',
        ),
        nastyString(40),
      ),
      source: fc.oneof(
        fc.constantFrom('aws.events', 'aws.scheduler', 'aws.ssm', 'evil.source'),
        nastyString(20),
      ),
      account: fc.oneof(fc.constant('111122223333'), nastyString(20)),
      time,
      region: fc.oneof(fc.constant('us-east-1'), nastyString(20)),
      resources: fc.oneof(fc.array(nastyString(60), { maxLength: 3 }), anyJson()),
      detail: fc.oneof(
        fc.record(
          {
            name: nastyString(100),
            operation: fc.oneof(fc.constantFrom('Create', 'Update', 'Delete'), nastyString(80)),
            'command-id': fc.oneof(fc.uuid(), nastyString(60)),
            'document-name': fc.oneof(
              fc.constantFrom('AWS-RunPatchBaseline', 'AWS-RunShellScript'),
              nastyString(60),
            ),
            status: fc.oneof(
              fc.constantFrom('Success', 'Failed', 'TimedOut', 'Cancelled', 'InProgress', 'Pending'),
              nastyString(20),
            ),
          },
          { requiredKeys: [] },
        ),
        anyJson(),
      ),
    },
    { requiredKeys: [] },
  ),
);

describe('EventBridge events', () => {
  describe('when the scan receives any event (scheduled, Parameter Store Change, anything)', () => {
    it('accepts it or rejects it with a ValidationError naming each bad field', () => {
      edge.property();
      fc.assert(
        fc.property(
          event,
          edge.count((raw: unknown) => {
            try {
              const parsed = parseScanEvent(raw);
              expect(['aws.events', 'aws.scheduler', 'aws.ssm']).toContain(parsed.source);
              expect(Number.isNaN(new Date(parsed.time).getTime())).toBe(false);
            } catch (error) {
              expect(error).toBeInstanceOf(ValidationError);
              expect((error as ValidationError).issues.length).toBeGreaterThan(0);
            }
          }),
        ),
        edge.params(),
      );
    });
  });

  describe('when patch-status receives any event (SSM command status, anything)', () => {
    it('parses it or lists the issues, never throwing', () => {
      edge.property();
      fc.assert(
        fc.property(
          event,
          edge.count((raw: unknown) => {
            const parsed = parseCommandStatusEvent(raw);
            if (parsed.kind === 'invalid') expect(parsed.issues.length).toBeGreaterThan(0);
            else expect(parsed.event.commandId.length).toBeGreaterThan(0);
          }),
        ),
        edge.params(),
      );
    });
  });
});
