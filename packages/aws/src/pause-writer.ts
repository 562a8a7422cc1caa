// Interim pause-flag writer for the slash command. The Safety work (packages/aws/src/pause.ts,
// `setPauseState`) is meant to replace it; until then this is the one writer of the parameter.
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { describeAwsError } from './errors.ts';

/** What is written into the pause parameter (read back by `parsePauseValue`). */
export interface PauseFlag {
  paused: boolean;
  reason: string | null;
  /** Who changed it, e.g. `slack:<user id>`. */
  by: string;
  /** ISO 8601. */
  at: string;
}

export type PauseWriteOutcome = { kind: 'set' } | { kind: 'failed'; errorCode: string };

/** Writes the pause flag. Idempotent (same value, same effect). Never throws. */
export interface PauseWriter {
  set(flag: PauseFlag): Promise<PauseWriteOutcome>;
}

/**
 * The pause flag as JSON in an SSM String parameter (ssm:PutParameter, Overwrite). Resuming writes
 * `{"paused":false,…}` rather than deleting, so the last change (who, when) stays visible.
 */
export function createSsmPauseWriter(ssm: SSMClient, parameterName: string): PauseWriter {
  return {
    async set(flag) {
      try {
        await ssm.send(
          new PutParameterCommand({
            Name: parameterName,
            Type: 'String',
            Overwrite: true,
            Value: JSON.stringify({ paused: flag.paused, reason: flag.reason, by: flag.by, at: flag.at }),
          }),
        );
        return { kind: 'set' };
      } catch (error) {
        return { kind: 'failed', errorCode: describeAwsError(error).code };
      }
    },
  };
}
