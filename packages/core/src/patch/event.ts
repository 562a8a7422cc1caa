/**
 * The EventBridge event SSM publishes when a Run Command command changes status (default bus,
 * source `aws.ssm`, detail-type `EC2 Command Status-change Notification`). Pure validation.
 */
import * as z from 'zod';
import { formatIssues } from '../config.ts';

export const COMMAND_STATUS_DETAIL_TYPE = 'EC2 Command Status-change Notification';

/** The real event shape (see shared/realcases/eventbridge_ssm_command-status-change.json); extra keys are allowed. */
export const commandStatusEventSchema = z.object({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.literal(COMMAND_STATUS_DETAIL_TYPE),
  source: z.literal('aws.ssm'),
  account: z.string(),
  time: z.string(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/),
  resources: z.array(z.string()).default([]),
  detail: z.object({
    'command-id': z.string().min(1).max(64),
    'document-name': z.string(),
    'expire-after': z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    'requested-date-time': z.string().optional(),
    status: z.string().min(1),
  }),
});

export interface CommandStatusChange {
  eventId: string;
  region: string;
  account: string;
  /** ISO 8601 (event time). */
  time: string;
  commandId: string;
  documentName: string;
  status: string;
}

/** Parses an SSM command status event; `invalid` lists what is wrong. Never throws. Pure. */
export function parseCommandStatusEvent(
  raw: unknown,
): { kind: 'ok'; event: CommandStatusChange } | { kind: 'invalid'; issues: string[] } {
  const result = commandStatusEventSchema.safeParse(raw);
  if (!result.success) return { kind: 'invalid', issues: formatIssues(result.error.issues) };
  const e = result.data;
  return {
    kind: 'ok',
    event: {
      eventId: e.id,
      region: e.region,
      account: e.account,
      time: e.time,
      commandId: e.detail['command-id'],
      documentName: e.detail['document-name'],
      status: e.detail.status,
    },
  };
}
