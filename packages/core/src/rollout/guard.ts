import { findRecall, recalledMessage, targetSubject } from '../safety/recall.ts';
import { normalizeReleaseInput } from '../safety/release.ts';
import { NodegroupStatus } from '../types/fleet.ts';
import type { Recall } from '../types/policy.ts';
import { targetIdentity } from './key.ts';
import {
  type DescribeNodegroupResult,
  type NodegroupState,
  NotStartedReason,
  type RolloutRequest,
} from './types.ts';

export type GuardDecision =
  | { kind: 'proceed' }
  | { kind: 'not-started'; reason: NotStartedReason; message: string };

/** True when the node group already runs the rollout's target. Pure. */
export function isOnTarget(request: RolloutRequest, ng: NodegroupState): boolean {
  if (request.strategy === 'launch-template') return ng.releaseVersion === request.target.imageId;
  return ng.releaseVersion === targetIdentity(request);
}

/** The active recall that covers the request's target, or null. Pure. */
export function recallOfRequest(request: RolloutRequest, recalls: readonly Recall[]): Recall | null {
  if (recalls.length === 0) return null;
  const family = request.family ?? null;
  const subject = targetSubject(family, request.target);
  // Without its line (a request planned before requests carried it), the identity is read from
  // the release version alone: AL, Bottlerocket and Windows versions do not look alike.
  if (family === null) subject.release = normalizeReleaseInput(request.target.releaseVersion ?? '');
  return findRecall(recalls, subject);
}

/**
 * Checks, right before starting, that the node group is still what was planned: not paused, its
 * target not recalled (even when recalled after planning), ACTIVE, same release (or AMI) and same
 * launch template version. Pure.
 */
export function guardRollout(
  request: RolloutRequest,
  current: DescribeNodegroupResult,
  pause: { paused: boolean; reason: string | null },
  recalls: readonly Recall[] = [],
): GuardDecision {
  const name = `${request.cluster}/${request.nodegroup}`;
  if (pause.paused) {
    return {
      kind: 'not-started',
      reason: NotStartedReason.paused,
      message: `rollouts are paused${pause.reason ? `: ${pause.reason}` : ''}`,
    };
  }
  const recall = recallOfRequest(request, recalls);
  if (recall !== null) {
    return {
      kind: 'not-started',
      reason: NotStartedReason.recalled,
      message: `${name}: ${recalledMessage(recall, targetIdentity(request))}`,
    };
  }
  if (current.kind === 'not-found') {
    return { kind: 'not-started', reason: NotStartedReason.notFound, message: `${name} no longer exists` };
  }
  const ng = current.nodegroup;
  if (ng.status === NodegroupStatus.updating) {
    return {
      kind: 'not-started',
      reason: NotStartedReason.updateInProgress,
      message: `${name} is UPDATING; another update started after planning`,
    };
  }
  if (ng.status !== NodegroupStatus.active) {
    return {
      kind: 'not-started',
      reason: NotStartedReason.notActive,
      message: `${name} is ${ng.status}, not ACTIVE`,
    };
  }
  if (isOnTarget(request, ng)) {
    return {
      kind: 'not-started',
      reason: NotStartedReason.alreadyOnTarget,
      message: `${name} already runs ${targetIdentity(request)}`,
    };
  }
  const plannedRelease = request.current.releaseVersion;
  if (plannedRelease !== null && ng.releaseVersion !== plannedRelease) {
    return {
      kind: 'not-started',
      reason: NotStartedReason.versionChanged,
      message: `${name} changed since planning: it runs ${ng.releaseVersion}, planned from ${plannedRelease}`,
    };
  }
  if (request.strategy === 'launch-template') {
    const planned = request.launchTemplate;
    const actual = ng.launchTemplate;
    if (
      planned === null ||
      actual === null ||
      planned.id !== actual.id ||
      planned.version !== actual.version
    ) {
      const was = planned ? `${planned.id} v${planned.version}` : 'none';
      const now = actual ? `${actual.id} v${actual.version}` : 'none';
      return {
        kind: 'not-started',
        reason: NotStartedReason.templateChanged,
        message: `${name} launch template changed since planning: ${now}, planned from ${was}`,
      };
    }
  }
  return { kind: 'proceed' };
}
