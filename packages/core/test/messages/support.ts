/** Builders and a Slack-limits checker shared by the message tests. */
import { expect } from 'vitest';
import type { Block, SlackMessage } from '../../src/messages/types.ts';
import type { Plan, PlanItem } from '../../src/types/plan.ts';

export const NOW = '2026-11-20T03:00:00.000Z';
export const HOSTILE = '<!channel> <@U123> <http://x|y> *bold* _it_ ~s~ `c` & done';

export function planItem(over: Partial<PlanItem> = {}): PlanItem {
  return {
    accountId: null,
    cluster: 'prod-a',
    nodegroup: 'general',
    region: 'us-east-1',
    decision: 'roll',
    reason: null,
    message: '1.33.4-20261001 → 1.33.5-20261110',
    strategy: 'release-version',
    current: { releaseVersion: '1.33.4-20261001', imageId: null },
    target: { releaseVersion: '1.33.5-20261110', imageId: 'ami-0new' },
    wave: 'prod',
    ...over,
  };
}

export function plan(items: PlanItem[]): Plan {
  return { generatedAt: NOW, items };
}

/** Every piece of text in a message that Slack renders (mrkdwn and plain_text). */
export function texts(message: SlackMessage): { mrkdwn: string[]; plain: string[] } {
  const mrkdwn = [message.text];
  const plain: string[] = [];
  for (const b of message.blocks) {
    if (b.type === 'header') plain.push(b.text.text);
    if (b.type === 'section') {
      if (b.text) mrkdwn.push(b.text.text);
      for (const f of b.fields ?? []) mrkdwn.push(f.text);
    }
    if (b.type === 'context') {
      for (const e of b.elements) (e.type === 'mrkdwn' ? mrkdwn : plain).push(e.text);
    }
  }
  return { mrkdwn, plain };
}

export function allText(message: SlackMessage): string {
  const t = texts(message);
  return [...t.mrkdwn, ...t.plain].join('\n');
}

/** Removes code spans, code blocks and links: Slack applies no formatting inside them. */
export function outsideCode(text: string): string {
  return text
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/<https:[^|>]*\|/g, '<');
}

const OUR_LINK = /^<https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/[^<>|\s]*\|[^<>]*>$/;

/** Fails unless the message respects every Block Kit limit and contains no live mention or foreign link. */
export function expectValidSlackMessage(message: SlackMessage): void {
  expect(message.text.trim().length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(4000);
  expect(message.blocks.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  for (const b of message.blocks as Block[]) {
    if (b.type === 'header') {
      expect(b.text.type).toBe('plain_text');
      expect(b.text.text.length).toBeGreaterThan(0);
      expect(b.text.text.length).toBeLessThanOrEqual(150);
    }
    if (b.type === 'section') {
      expect(b.text !== undefined || (b.fields?.length ?? 0) > 0).toBe(true);
      if (b.text) {
        expect(b.text.text.length).toBeGreaterThan(0);
        expect(b.text.text.length).toBeLessThanOrEqual(3000);
      }
      expect(b.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const f of b.fields ?? []) {
        expect(f.text.length).toBeLessThanOrEqual(2000);
        // Builders must never lean on fitToSlackLimits dropping fields.
        expect(f.text).not.toMatch(/^…and \d+ more$/);
      }
    }
    if (b.type === 'context') {
      expect(b.elements.length).toBeGreaterThan(0);
      expect(b.elements.length).toBeLessThanOrEqual(10);
    }
  }
  for (const t of texts(message).mrkdwn) {
    for (const angle of t.match(/<[^>]*>?/g) ?? []) expect(angle).toMatch(OUR_LINK);
  }
  expect(() => JSON.parse(JSON.stringify(message))).not.toThrow();
}
