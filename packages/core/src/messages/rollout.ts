/** Rollout messages: started, succeeded, failed, still running in EKS, not started. Pure. */

import {
  amiLabel,
  context,
  field,
  free,
  header,
  locationFields,
  MAX_FREE_TEXT,
  name,
  nodegroupLink,
  plainName,
  plural,
  refLabel,
  section,
} from './format.ts';
import { fitToSlackLimits } from './limits.ts';
import { code, codeBlock, truncatePlain } from './mrkdwn.ts';
import type {
  Block,
  MrkdwnObject,
  RolloutFailedEvent,
  RolloutNotStartedEvent,
  RolloutRef,
  RolloutStartedEvent,
  RolloutStillRunningEvent,
  RolloutSucceededEvent,
  SlackMessage,
  UpdateError,
} from './types.ts';

/** At most this many EKS update errors are shown in full; the rest are counted by code. */
export const MAX_ERRORS_SHOWN = 10;
/** At most this many resource IDs are shown per error. */
export const MAX_RESOURCE_IDS_SHOWN = 20;

function rolloutFields(event: RolloutRef, updateId: string | null): MrkdwnObject[] {
  const fields = [
    ...locationFields(event),
    field('From', name(amiLabel(event.from, event.strategy))),
    field('To', name(amiLabel(event.to, event.strategy))),
    field('Strategy', name(event.strategy)),
  ];
  if (event.targetVersion) fields.push(field('Kubernetes', name(`→ ${event.targetVersion}`)));
  if (event.wave) fields.push(field('Wave', name(event.wave)));
  if (updateId) fields.push(field('Update ID', name(updateId)));
  return fields;
}

function title(prefix: string, event: RolloutRef): string {
  return `${what(event, prefix)}: ${plainName(event.cluster)}/${plainName(event.nodegroup)}`;
}

/** A rollback's messages say "Rollback" where a rollout's say "Rollout". Pure. */
function what(event: RolloutRef, text: string): string {
  return event.kind === 'rollback' ? text.replace('Rollout', 'Rollback') : text;
}

function durationLabel(startedAt: string, finishedAt: string): string | null {
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return null;
  const minutes = Math.round(ms / 60_000);
  return minutes < 1 ? 'under a minute' : plural(minutes, 'minute');
}

/** Shown on the forced retry's started message. */
export const FORCED_NOTE =
  ':warning: *Retried with force after PodEvictionFailure* (`forceOnPodEvictionFailure`): nodes are ' +
  'replaced even where PodDisruptionBudgets block eviction.';

/** "Rollout started" with from/to, strategy, update ID and a console link; the forced retry says so. Pure. */
export function buildRolloutStartedMessage(event: RolloutStartedEvent): SlackMessage {
  const blocks: Block[] = [
    header(title(':arrows_counterclockwise: Rollout started', event)),
    { type: 'section', fields: rolloutFields(event, event.updateId) },
  ];
  if (event.forced === true) blocks.push(section(FORCED_NOTE));
  blocks.push(context(nodegroupLink(event), `Started ${free(event.startedAt, 40)}`));
  const forced = event.forced === true ? ' (retried with force after PodEvictionFailure)' : '';
  const text = what(
    event,
    `Rollout started: ${refLabel(event)} ${free(amiLabel(event.from, event.strategy), 80)} → ${free(amiLabel(event.to, event.strategy), 80)}${forced}`,
  );
  return fitToSlackLimits({ text, blocks });
}

/** "Rollout succeeded" with duration and a console link. Pure. */
export function buildRolloutSucceededMessage(event: RolloutSucceededEvent): SlackMessage {
  const took = durationLabel(event.startedAt, event.finishedAt);
  const blocks: Block[] = [
    header(title(':white_check_mark: Rollout succeeded', event)),
    { type: 'section', fields: rolloutFields(event, event.updateId) },
    context(nodegroupLink(event), `Finished ${free(event.finishedAt, 40)}${took ? ` (took ${took})` : ''}`),
  ];
  const text = what(
    event,
    `Rollout succeeded: ${refLabel(event)} now runs ${free(amiLabel(event.to, event.strategy), 80)}`,
  );
  return fitToSlackLimits({ text, blocks });
}

function errorSection(error: UpdateError): Block {
  const ids = error.resourceIds.slice(0, MAX_RESOURCE_IDS_SHOWN).map(name);
  const more = error.resourceIds.length - ids.length;
  let text = `*${code(truncatePlain(error.errorCode, 100))}*\n${codeBlock(truncatePlain(error.errorMessage, MAX_FREE_TEXT))}`;
  if (ids.length > 0) {
    text += `\n*Resources:* ${ids.join(', ')}${more > 0 ? ` …and ${more} more` : ''}`;
  }
  return section(text);
}

/** "Rollout failed" with every EKS error code, message and resource IDs (capped, then counted). Pure. */
export function buildRolloutFailedMessage(event: RolloutFailedEvent): SlackMessage {
  const blocks: Block[] = [
    header(title(':x: Rollout failed', event)),
    {
      type: 'section',
      fields: [...rolloutFields(event, event.updateId), field('Status', name(event.status))],
    },
  ];
  if (event.errors.length === 0) {
    blocks.push(section('EKS reported no error details.'));
  }
  for (const error of event.errors.slice(0, MAX_ERRORS_SHOWN)) blocks.push(errorSection(error));
  const rest = event.errors.slice(MAX_ERRORS_SHOWN);
  if (rest.length > 0) {
    const byCode = new Map<string, number>();
    for (const e of rest) byCode.set(e.errorCode, (byCode.get(e.errorCode) ?? 0) + 1);
    const list = [...byCode.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([c, n]) => `${name(c)} ${n}`)
      .join(', ');
    blocks.push(section(`…and ${plural(rest.length, 'more error')}: ${list}`));
  }
  blocks.push(context(nodegroupLink(event), `Finished ${free(event.finishedAt, 40)}`));
  const codes = [...new Set(event.errors.map((e) => e.errorCode))].slice(0, 5);
  const text = what(
    event,
    `Rollout failed: ${refLabel(event)} (${free(event.status, 40)}${
      codes.length > 0 ? `: ${free(codes.join(', '), 200)}` : ''
    })`,
  );
  return fitToSlackLimits({ text, blocks, failure: true });
}

/**
 * "Rollout still running in EKS": nodekeeper stopped waiting at its limit while EKS goes on. Not a
 * failure; says what nodekeeper no longer does and where to look. Pure.
 */
export function buildRolloutStillRunningMessage(event: RolloutStillRunningEvent): SlackMessage {
  const blocks: Block[] = [
    header(title(':hourglass: Rollout still running in EKS', event)),
    section(free(event.message)),
    {
      type: 'section',
      fields: [...rolloutFields(event, event.updateId), field('Status', name('InProgress'))],
    },
    context(nodegroupLink(event), `Stopped waiting ${free(event.stoppedAt, 40)}`),
  ];
  const text = what(
    event,
    `Rollout still running in EKS: ${refLabel(event)} (update ${free(event.updateId, 80)}); nodekeeper stopped waiting`,
  );
  return fitToSlackLimits({ text, blocks });
}

/** "Rollout not started": the guard refused a planned rollout, with its reason code. Pure. */
export function buildRolloutNotStartedMessage(event: RolloutNotStartedEvent): SlackMessage {
  const blocks: Block[] = [
    header(title(':no_entry_sign: Rollout not started', event)),
    section(
      `The guard refused to start this ${event.kind === 'rollback' ? 'rollback' : 'rollout'}: ${code(event.reason)} ${free(event.message)}`,
    ),
    { type: 'section', fields: rolloutFields(event, null) },
    context(nodegroupLink(event)),
  ];
  const text = what(event, `Rollout not started: ${refLabel(event)} (${free(event.reason, 60)})`);
  return fitToSlackLimits({ text, blocks });
}
