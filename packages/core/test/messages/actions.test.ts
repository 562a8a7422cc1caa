import { describe, expect, it } from 'vitest';
import {
  ACTIONS_BLOCK_ID,
  actionKindOf,
  decidedBlocks,
  type EchoedBlock,
  haltActions,
  MAX_WAVE_BUTTONS,
  runControlBlocks,
} from '../../src/messages/actions.ts';
import { fitToSlackLimits } from '../../src/messages/limits.ts';
import { withFailureMentions } from '../../src/messages/mentions.ts';
import { buildReleaseHaltedMessage, buildRunStatusMessage } from '../../src/messages/status.ts';
import type { ActionButton, RunStatus } from '../../src/messages/types.ts';
import { rolloutSlackMessage } from '../../src/rollout/notice.ts';
import { rolloutNotice } from '../../src/rollout/steps.ts';
import { releaseRequest, templateRequest } from '../rollout/builders.ts';

const AT = '2026-11-24T03:12:09.000Z';
const item = (state: RunStatus['items'][number]['state']) => ({
  accountId: null,
  region: 'us-east-1',
  cluster: 'prod-a',
  nodegroup: 'general',
  state,
});

function echoed(blocks: unknown[]): EchoedBlock[] {
  return JSON.parse(JSON.stringify(blocks));
}

function buttons(blocks: readonly unknown[]): ActionButton[] {
  return (blocks as EchoedBlock[]).flatMap((b) =>
    b.type === 'actions' ? (b.elements as ActionButton[]) : [],
  );
}

describe('haltActions', () => {
  describe('when two waves are offered (one twice)', () => {
    const block = haltActions({ release: '20261110', family: 'al2023', waves: ['dev', 'prod', 'dev'] });

    it('offers each wave, every wave and Keep halted, with unique action IDs', () => {
      expect(block.block_id).toBe(ACTIONS_BLOCK_ID);
      expect(buttons([block]).map((b) => [b.text.text, actionKindOf(b.action_id)])).toEqual([
        ['Approve 20261110 for wave dev', 'approve'],
        ['Approve 20261110 for wave prod', 'approve'],
        ['Approve 20261110 for every wave', 'approve'],
        ['Keep halted', 'keep-halted'],
      ]);
      expect(new Set(buttons([block]).map((b) => b.action_id)).size).toBe(4);
    });

    it('asks for confirmation before an approval', () => {
      const [dev, , , keep] = buttons([block]);
      expect(dev?.confirm?.text.text).toContain('in wave dev again');
      expect(keep?.confirm).toBeUndefined();
    });

    it('survives the Slack limits with its block ID', () => {
      const fitted = fitToSlackLimits({ text: 'x', blocks: [block] });
      expect(fitted.blocks).toEqual([block]);
    });
  });

  describe('when many waves are configured', () => {
    it(`offers at most ${MAX_WAVE_BUTTONS} waves`, () => {
      const waves = Array.from({ length: 9 }, (_, i) => `w${i}`);
      const block = haltActions({ release: '1.50.0', family: 'bottlerocket', waves });
      expect(buttons([block])).toHaveLength(MAX_WAVE_BUTTONS + 2);
    });
  });
});

describe('buildReleaseHaltedMessage', () => {
  const message = buildReleaseHaltedMessage({
    release: '20261110',
    family: 'al2023',
    failures: 3,
    failed: [
      { group: 'dev-a/lagging', version: '1.31.14-20261110', wave: 'dev' },
      { group: 'dev-b/general', version: '1.33.5-20261110', wave: 'dev' },
      { group: 'solo/general', version: '1.33.5-20261110', wave: null },
    ],
    waves: ['dev', 'prod'],
  });

  it('ends with buttons for each wave (where it failed first), every wave, and Keep halted', () => {
    expect(message.blocks.at(-1)?.type).toBe('actions');
    expect(buttons(message.blocks).map((b) => b.text.text)).toEqual([
      'Approve 20261110 for wave dev',
      'Approve 20261110 for wave prod',
      'Approve 20261110 for every wave',
      'Keep halted',
    ]);
  });

  it('keeps its buttons when the on-call people are mentioned', () => {
    const mentioned = withFailureMentions(message, ['U0ONCALL1']);
    expect(buttons(mentioned.blocks)).toEqual(buttons(message.blocks));
    expect(mentioned.blocks.at(-1)).toMatchObject({ block_id: ACTIONS_BLOCK_ID });
  });
});

describe('buildRunStatusMessage', () => {
  it('carries Pause under the run while it rolls', () => {
    const message = buildRunStatusMessage({
      kind: 'rollout',
      startedAt: AT,
      items: [item('in-progress')],
      runId: 'scan-1',
    });
    expect(buttons(message.blocks).map((b) => b.text.text)).toEqual(['Pause rollouts']);
  });
});

describe('a failed rollout notice', () => {
  const failed = (request: ReturnType<typeof releaseRequest>) =>
    rolloutSlackMessage(
      rolloutNotice(request, 'failed', {
        updateId: 'u-1',
        message: 'failed',
        status: 'Failed',
        finishedAt: AT,
      }),
    );

  it('ends with "Retry" for this node group on the release it failed on, and "Recall this image" for its release on its line', () => {
    const [retry, recall] = buttons(failed(releaseRequest({ family: 'al2023' })).blocks);
    expect(retry?.text.text).toBe('Retry');
    expect(JSON.parse(retry?.value ?? '{}')).toEqual({
      v: 1,
      release: '20261110',
      family: 'al2023',
      accountId: '111122223333',
      region: 'us-east-1',
      cluster: 'prod-a',
      nodegroup: 'general',
    });
    expect(recall?.text.text).toBe('Recall this image');
    expect(JSON.parse(recall?.value ?? '{}')).toEqual({
      v: 1,
      release: '1.33.5-20261110',
      family: 'al2023',
      cluster: 'prod-a',
      nodegroup: 'general',
    });
  });

  it('names the AMI, on no line, for a custom AMI; its retry names the AMI on its golden line', () => {
    const [retry, recall] = buttons(failed(templateRequest({ family: 'golden:/images/web' })).blocks);
    expect(JSON.parse(retry?.value ?? '{}')).toMatchObject({
      release: 'ami-0new',
      family: 'golden:/images/web',
    });
    expect(JSON.parse(recall?.value ?? '{}')).toMatchObject({ release: 'ami-0new', family: null });
  });

  it('has no button when the release line is unknown (a request planned before lines were recorded)', () => {
    expect(buttons(failed(releaseRequest()).blocks)).toEqual([]);
  });
});

describe('decidedBlocks', () => {
  const original = echoed([
    { type: 'section', text: { type: 'mrkdwn', text: 'halted' } },
    haltActions({ release: '20261110', family: 'al2023', waves: ['dev', 'prod'] }),
  ]);
  const [dev, , every, keep] = buttons(original);

  describe('when one wave is approved', () => {
    const after = decidedBlocks(original, dev?.action_id ?? '', {
      kind: 'approved',
      wave: 'dev',
      by: 'slack:U0ALLOWED1',
      at: AT,
      already: false,
    });

    it('puts the outcome above the buttons left, under a new block ID', () => {
      expect(after.map((b) => b.type)).toEqual(['section', 'context', 'actions']);
      expect(JSON.stringify(after[1])).toContain(
        'Approved for wave `dev` by <@U0ALLOWED1> at 03:12 UTC on 2026-11-24',
      );
      expect(after[2]?.block_id).toBe(`${ACTIONS_BLOCK_ID}.1`);
      expect(buttons(after).map((b) => b.text.text)).toEqual([
        'Approve 20261110 for wave prod',
        'Approve 20261110 for every wave',
        'Keep halted',
      ]);
    });

    it('removes the last wave button and Keep halted on the next approval', () => {
      const prod = buttons(after)[0];
      const next = decidedBlocks(after, prod?.action_id ?? '', {
        kind: 'approved',
        wave: 'prod',
        by: 'arn:aws:iam::111122223333:user/ops',
        at: AT,
        already: true,
      });
      expect(buttons(next).map((b) => b.text.text)).toEqual([
        'Approve 20261110 for every wave',
        'Keep halted',
      ]);
      expect(JSON.stringify(next)).toContain(
        'Already approved for wave `prod` by `arn:aws:iam::111122223333:user/ops`',
      );
    });
  });

  describe('when every wave is approved, or the release is kept halted', () => {
    it.each([
      [
        'every wave',
        every?.action_id,
        { kind: 'approved', wave: null, by: 'slack:U1X', at: AT, already: false },
      ],
      ['keep halted', keep?.action_id, { kind: 'kept-halted', by: 'slack:U1X', at: AT }],
    ] as const)('removes every button (%s)', (_what, actionId, decision) => {
      const after = decidedBlocks(original, actionId ?? '', decision);
      expect(buttons(after)).toEqual([]);
      expect(after.map((b) => b.type)).toEqual(['section', 'context']);
    });
  });

  describe('when the message is full', () => {
    it('stays within 50 blocks, dropping older outcome lines first', () => {
      let blocks = echoed([
        ...Array.from({ length: 48 }, () => ({ type: 'divider' })),
        haltActions({ release: '20261110', family: 'al2023', waves: ['a', 'b', 'c', 'd'] }),
      ]);
      for (const wave of ['a', 'b', 'c']) {
        const button = buttons(blocks).find((b) => b.text.text.endsWith(`wave ${wave}`));
        blocks = decidedBlocks(blocks, button?.action_id ?? '', {
          kind: 'approved',
          wave,
          by: 'slack:U1X',
          at: AT,
          already: false,
        });
      }
      expect(blocks.length).toBeLessThanOrEqual(50);
      expect(JSON.stringify(blocks)).toContain('wave `c`');
      expect(buttons(blocks).map((b) => b.text.text)).toContain('Approve 20261110 for wave d');
    });
  });
});

describe('runControlBlocks', () => {
  const base: RunStatus = { kind: 'rollout', startedAt: AT, items: [item('in-progress')], runId: 'scan-1' };

  it('offers Pause while node groups are still to go', () => {
    expect(buttons(runControlBlocks(base)).map((b) => [b.text.text, b.value])).toEqual([
      ['Pause rollouts', '{"v":1,"runId":"scan-1"}'],
    ]);
  });

  it('shows who paused and offers Resume after a pause', () => {
    const blocks = runControlBlocks({ ...base, control: { paused: true, by: 'slack:U0ALLOWED1', at: AT } });
    expect(JSON.stringify(blocks[0])).toContain('Paused by <@U0ALLOWED1> at 03:12 UTC');
    expect(buttons(blocks).map((b) => b.text.text)).toEqual(['Resume rollouts']);
  });

  it('keeps the last control line but no button once every node group is done', () => {
    const done = runControlBlocks({
      ...base,
      items: [item('succeeded')],
      control: { paused: false, by: 'slack:U0ALLOWED1', at: AT },
    });
    expect(done.map((b) => b.type)).toEqual(['context']);
  });

  it('has no controls for patch runs or runs without an ID', () => {
    expect(runControlBlocks({ ...base, kind: 'patch' })).toEqual([]);
    expect(runControlBlocks({ kind: 'rollout', startedAt: AT, items: [item('pending')] })).toEqual([]);
  });
});
