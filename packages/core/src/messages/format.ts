/** Small shared pieces of message text. Pure. */
import { type AmiRef, Strategy } from '../types/plan.ts';
import { nodegroupConsoleUrl } from './links.ts';
import { code, escapeMrkdwn, link, truncatePlain } from './mrkdwn.ts';
import type { Block, ContextBlock, MrkdwnObject, NodegroupRef } from './types.ts';

/** Names longer than this are shown cut (EKS allows 100 for clusters, 63 for node groups). */
export const MAX_NAME = 100;
/** Free text (error messages, plan messages) longer than this is shown cut. */
export const MAX_FREE_TEXT = 500;

/** An untrusted name as a code span, cut to a sane length. */
export function name(value: string): string {
  return code(truncatePlain(value, MAX_NAME));
}

/** Untrusted free text, escaped and cut. */
export function free(value: string, max = MAX_FREE_TEXT): string {
  return escapeMrkdwn(truncatePlain(value, max));
}

/** Untrusted text for a plain_text object (header): no markup is parsed there, only length matters. */
export function plainName(value: string): string {
  return truncatePlain(value.replace(/[\r\n]+/g, ' '), MAX_NAME);
}

/**
 * How an image is named: the release version for EKS-managed AMIs; for launch-template groups the
 * AMI ID, with its release when known ("ami-0b… (1.33.5-20261110)"). Pure.
 */
export function amiLabel(ref: AmiRef | null, strategy: Strategy | null = null): string {
  if (strategy === Strategy.launchTemplate && ref?.imageId) {
    // Custom groups may carry the AMI ID as their release version: say it once.
    return ref.releaseVersion && ref.releaseVersion !== ref.imageId
      ? `${ref.imageId} (${ref.releaseVersion})`
      : ref.imageId;
  }
  return ref?.releaseVersion ?? ref?.imageId ?? 'unknown';
}

export function field(label: string, value: string): MrkdwnObject {
  return { type: 'mrkdwn', text: `*${label}*\n${value}` };
}

export function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text, emoji: true } };
}

export function context(...texts: string[]): ContextBlock {
  return { type: 'context', elements: texts.map((text) => ({ type: 'mrkdwn', text })) };
}

/** `cluster/nodegroup` for plain fallbacks, escaped for mrkdwn. */
export function refLabel(ref: { cluster: string; nodegroup: string | null }): string {
  const c = truncatePlain(ref.cluster, MAX_NAME);
  return escapeMrkdwn(ref.nodegroup === null ? c : `${c}/${truncatePlain(ref.nodegroup, MAX_NAME)}`);
}

export function locationFields(ref: {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string | null;
}): MrkdwnObject[] {
  return [
    field('Cluster', name(ref.cluster)),
    field('Node group', ref.nodegroup === null ? '_all node groups_' : name(ref.nodegroup)),
    field('Region', name(ref.region)),
    field('Account', ref.accountId === null ? '_this account_' : name(ref.accountId)),
  ];
}

export function nodegroupLink(ref: NodegroupRef, label = 'Node group in the AWS console'): string {
  return link(nodegroupConsoleUrl(ref), label);
}

/** "1 node group" / "3 node groups". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Packs lines into as few sections as possible, each under Slack's 3000-character section limit. */
export function linesToSections(lines: string[], budget = 2800): Block[] {
  const blocks: Block[] = [];
  let text = '';
  for (const line of lines) {
    if (text !== '' && text.length + 1 + line.length > budget) {
      blocks.push(section(text));
      text = '';
    }
    text = text === '' ? line : `${text}\n${line}`;
  }
  if (text !== '') blocks.push(section(text));
  return blocks;
}
