/** Patch messages: requested, completed, refused. Pure. */

import {
  context,
  field,
  free,
  header,
  linesToSections,
  locationFields,
  name,
  plainName,
  plural,
  refLabel,
  section,
} from './format.ts';
import { fitToSlackLimits } from './limits.ts';
import { nodegroupConsoleUrl, ssmCommandConsoleUrl } from './links.ts';
import { link } from './mrkdwn.ts';
import type {
  Block,
  PatchCompletedEvent,
  PatchFailedEvent,
  PatchRefusedEvent,
  PatchRequestedEvent,
  PatchTarget,
  SlackMessage,
} from './types.ts';

/** At most this many failed or pending-reboot instances are listed; the rest are counted. */
export const MAX_INSTANCES_SHOWN = 25;

/** Shown whenever patches were installed in place. */
export const LAUNCH_TEMPLATE_NOTE =
  'Patching in place does not change the launch template: it still points at the old AMI, so new nodes ' +
  'boot unpatched until the next AMI rollout (`nodekeeper roll`).';

function targetTitle(prefix: string, target: PatchTarget): string {
  const where =
    target.nodegroup === null
      ? plainName(target.cluster)
      : `${plainName(target.cluster)}/${plainName(target.nodegroup)}`;
  return `${prefix}: ${where}`;
}

function commandLink(event: { region: string; commandId: string }): string {
  return link(ssmCommandConsoleUrl(event), 'Run Command in the AWS console');
}

function targetLinks(target: PatchTarget): string[] {
  return target.nodegroup === null
    ? []
    : [
        link(
          nodegroupConsoleUrl({ ...target, nodegroup: target.nodegroup }),
          'Node group in the AWS console',
        ),
      ];
}

function rebootLabel(reboot: boolean): string {
  return reboot ? '`RebootIfNeeded`' : '`NoReboot`';
}

/** "Patch requested": target, operation, reboot option, rate control, command link. Pure. */
export function buildPatchRequestedMessage(event: PatchRequestedEvent): SlackMessage {
  const blocks: Block[] = [
    header(targetTitle(':wrench: Patch requested', event)),
    {
      type: 'section',
      fields: [
        ...locationFields(event),
        field('Operation', name(event.operation)),
        field('Reboot', rebootLabel(event.reboot)),
        field('Instances', String(event.instanceCount)),
        field(
          'Rate',
          `${name(event.maxConcurrency)} at once, stop after ${name(event.maxErrors)} ${event.maxErrors === '1' ? 'error' : 'errors'}`,
        ),
        field('Requested by', event.requestedBy === null ? '_unknown_' : name(event.requestedBy)),
        field('Command ID', name(event.commandId)),
      ],
    },
  ];
  if (event.reboot) {
    blocks.push(section(':warning: `RebootIfNeeded` reboots nodes *without draining* Kubernetes pods.'));
  }
  blocks.push(context(commandLink(event), ...targetLinks(event)));
  const text =
    `Patch requested: ${event.operation} on ${plural(event.instanceCount, 'instance')} of ${refLabel(event)}` +
    `${event.reboot ? ' (reboot if needed)' : ''}`;
  return fitToSlackLimits({ text, blocks });
}

/** The instance and its status once; the detail only where it says more than the status. */
function failedInstanceLine(i: { instanceId: string; status: string; statusDetails: string }): string {
  const detail = i.statusDetails.trim();
  const more = detail === '' || detail === i.status ? '' : `: ${free(detail, 200)}`;
  return `${name(i.instanceId)} ${name(i.status)}${more}`;
}

function listWithMore<T>(title: string, items: T[], render: (item: T) => string): Block[] {
  const shown = items.slice(0, MAX_INSTANCES_SHOWN).map((i) => `• ${render(i)}`);
  const more = items.length - shown.length;
  return linesToSections([title, ...shown, ...(more > 0 ? [`…and ${more} more`] : [])]);
}

/**
 * "Patch completed": counts, failed instances with status details, pending reboots and the
 * launch-template note. Pure.
 */
export function buildPatchCompletedMessage(event: PatchCompletedEvent): SlackMessage {
  const ok = event.status === 'Success' && event.counts.failed === 0;
  const prefix = ok ? ':white_check_mark: Patch completed' : ':x: Patch finished with failures';
  const blocks: Block[] = [
    header(targetTitle(prefix, event)),
    {
      type: 'section',
      fields: [
        ...locationFields(event),
        field('Operation', name(event.operation)),
        field('Status', name(event.status)),
        field(
          'Result',
          `${event.counts.succeeded} of ${event.counts.targeted} succeeded, ${event.counts.failed} failed, ` +
            `${event.pendingRebootInstances.length} pending reboot`,
        ),
        field('Command ID', name(event.commandId)),
      ],
    },
  ];
  if (event.failedInstances.length > 0) {
    blocks.push(
      ...listWithMore(
        `*Failed instances (${event.failedInstances.length})*`,
        event.failedInstances,
        failedInstanceLine,
      ),
    );
  }
  if (event.pendingRebootInstances.length > 0) {
    blocks.push(
      ...listWithMore(
        `*Pending reboot (${event.pendingRebootInstances.length})*: patches are installed but take effect only after a reboot.`,
        event.pendingRebootInstances,
        name,
      ),
    );
  }
  if (event.operation === 'Install') blocks.push(section(`:information_source: ${LAUNCH_TEMPLATE_NOTE}`));
  blocks.push(context(commandLink(event), ...targetLinks(event)));
  const text =
    `${ok ? 'Patch completed' : 'Patch finished with failures'}: ${refLabel(event)}: ` +
    `${event.counts.succeeded}/${event.counts.targeted} succeeded, ${event.counts.failed} failed, ` +
    `${event.pendingRebootInstances.length} pending reboot`;
  return fitToSlackLimits({ text, blocks, ...(ok ? {} : { failure: true as const }) });
}

function refusalText(event: PatchRefusedEvent): string {
  switch (event.reason) {
    case 'unsupported-platform':
      return (
        `These nodes run ${name(event.platform ?? 'an unsupported platform')}, which SSM Patch Manager cannot patch ` +
        '(there is no patch baseline for it). Bottlerocket updates by image replacement: run ' +
        '`nodekeeper roll` for this node group instead.'
      );
    case 'opted-out':
      return 'This node group carries the tag `nodekeeper.io/skip=true`: nodekeeper never rolls or patches it.';
    case 'no-managed-instances':
      return (
        'No SSM-managed instances were found for this target. Check that the SSM Agent runs on the nodes and ' +
        'that their instance role allows Systems Manager.'
      );
  }
}

/** "Patch refused" with the reason code and what to do instead. Pure. */
export function buildPatchRefusedMessage(event: PatchRefusedEvent): SlackMessage {
  const blocks: Block[] = [
    header(targetTitle(':no_entry_sign: Patch refused', event)),
    section(`${name(event.reason)}: ${refusalText(event)}`),
  ];
  if (event.message) blocks.push(section(free(event.message)));
  blocks.push({ type: 'section', fields: locationFields(event) });
  const links = targetLinks(event);
  if (links.length > 0) blocks.push(context(...links));
  const text = `Patch refused: ${refLabel(event)} (${event.reason})`;
  return fitToSlackLimits({ text, blocks });
}

/** "Patch request failed": nothing was sent because AWS could not be read; safe to retry. Pure. */
export function buildPatchFailedMessage(event: PatchFailedEvent): SlackMessage {
  const blocks: Block[] = [
    header(targetTitle(':x: Patch request failed', event)),
    section(
      `Request ${name(event.requestId)} (${name(event.operation)}) sent nothing: reading the cluster from AWS failed. ` +
        'Retry it with the same request ID once AWS answers again.',
    ),
    section(free(event.error)),
    { type: 'section', fields: locationFields(event) },
  ];
  const text = `Patch request ${event.requestId} failed before anything was sent: ${refLabel(event)}`;
  return fitToSlackLimits({ text, blocks, failure: true });
}
