/**
 * AWS-RunPatchBaseline SendCommand parameters, built purely from a plan item and the request's
 * options. Commands always name the verified managed instances (InstanceIds), never tag targets:
 * SSM tag targets would reach any instance carrying copied `eks:*` tags, InstanceIds cannot.
 */
import {
  type PatchCommandGroup,
  type PatchCommandOptions,
  PatchDecision,
  type PatchPlanItem,
} from './types.ts';

export const PATCH_DOCUMENT = 'AWS-RunPatchBaseline';
/** SendCommand accepts at most 50 InstanceIds. */
export const MAX_INSTANCES_PER_COMMAND = 50;
/** SendCommand `Comment` length limit. */
export const MAX_COMMENT_LENGTH = 100;
/** Every comment nodekeeper writes starts with this. */
export const COMMENT_PREFIX = 'nodekeeper patch ';
/** Delivery deadline when the config sets none (SSM's own default). */
export const DEFAULT_PATCH_TIMEOUT_SECONDS = 3600;

/**
 * `nodekeeper patch <requestId> <cluster>/<nodegroup>`, cut to 100 characters (the location part
 * is shortened with `...`; the request ID is always whole). Pure.
 */
export function patchComment(requestId: string, cluster: string, nodegroup: string): string {
  const head = `${COMMENT_PREFIX}${requestId}`;
  const full = `${head} ${cluster}/${nodegroup}`;
  if (full.length <= MAX_COMMENT_LENGTH) return full;
  const room = MAX_COMMENT_LENGTH - head.length - 1 - 3;
  return room > 0 ? `${full.slice(0, head.length + 1 + room)}...` : head.slice(0, MAX_COMMENT_LENGTH);
}

/** The request ID in a comment nodekeeper wrote, or null for any other comment. Pure. */
export function parsePatchComment(comment: string | null | undefined): { requestId: string } | null {
  const m = /^nodekeeper patch ([A-Za-z0-9][A-Za-z0-9._:-]{0,63})(?: |$)/.exec(comment ?? '');
  return m?.[1] ? { requestId: m[1] } : null;
}

function splitRate(rate: string, parts: number): string {
  // Percentages hold for every part; a count is shared so the parts together stay within it.
  if (parts <= 1 || rate.endsWith('%')) return rate;
  return String(Math.floor(Number(rate) / parts));
}

/**
 * The SendCommand parameters for one `patch` item: one command per 50 verified managed instances
 * (one command for every node group up to 50 nodes). With several commands, a count in
 * MaxConcurrency/MaxErrors is divided between them (at least 1 at once); percentages apply to
 * each. Refused items produce no command. Pure.
 */
export function buildPatchCommands(item: PatchPlanItem, options: PatchCommandOptions): PatchCommandGroup {
  if (item.decision !== PatchDecision.patch || item.instanceIds.length === 0) return { item, commands: [] };
  const chunks: string[][] = [];
  for (let i = 0; i < item.instanceIds.length; i += MAX_INSTANCES_PER_COMMAND) {
    chunks.push(item.instanceIds.slice(i, i + MAX_INSTANCES_PER_COMMAND));
  }
  const concurrency = splitRate(options.maxConcurrency, chunks.length);
  return {
    item,
    commands: chunks.map((InstanceIds) => ({
      DocumentName: PATCH_DOCUMENT,
      InstanceIds,
      Parameters: {
        Operation: [options.operation],
        RebootOption: [options.reboot ? 'RebootIfNeeded' : 'NoReboot'],
        SnapshotId: [options.snapshotId],
      },
      MaxConcurrency: concurrency === '0' ? '1' : concurrency,
      MaxErrors: splitRate(options.maxErrors, chunks.length),
      TimeoutSeconds: options.timeoutSeconds,
      Comment: patchComment(options.requestId, item.cluster, item.nodegroup),
    })),
  };
}
