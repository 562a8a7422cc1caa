import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { haltActions, runControlBlocks } from '../../src/messages/actions.ts';
import type { ActionButton, Block, SlackMessage } from '../../src/messages/types.ts';
import { rolloutSlackMessage } from '../../src/rollout/notice.ts';
import { rolloutNotice } from '../../src/rollout/steps.ts';
import { newRun, type RunLedgerPort, type RunRecord } from '../../src/runs.ts';
import {
  buttonIntentOf,
  type InteractionPorts,
  parseInteractionPayload,
  runSignedInteraction,
  type SlackInteraction,
} from '../../src/slash/interaction.ts';
import type { RecordedApproval, RecordedRecall } from '../../src/slash/program.ts';
import { releaseRequest } from '../rollout/builders.ts';

const NOW = new Date('2026-11-24T03:12:00Z');
const TS = Math.floor(NOW.getTime() / 1000);
const ALLOWED = 'U0ALLOWED1';
const VISITOR = 'U0VISITOR9';
const RESPONSE_URL = 'https://hooks.slack.com/actions/T0001/123/abcdef';
const config = parseConfig({
  regions: ['us-east-1'],
  clusters: ['prod-*', 'dev-*'],
  waves: [
    { name: 'dev', clusters: ['dev-*'] },
    { name: 'prod', clusters: ['prod-*'], soakDays: 2 },
  ],
  slack: { allowedUserIds: [ALLOWED] },
});
const context = { now: NOW, selfFunctionName: null, patchFunctionName: null, newRequestId: () => 'r1' };

/** The halt notice's blocks as Slack would echo them back (JSON round trip). */
function haltMessage(): { text: string; blocks: Block[] } {
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Release 20261110 halted' } },
    { type: 'section', text: { type: 'mrkdwn', text: '2 failed rollouts' } },
    haltActions({ release: '20261110', family: 'al2023', waves: ['dev', 'prod'] }),
  ];
  return JSON.parse(JSON.stringify({ text: 'Release 20261110 halted', blocks }));
}

function buttonsOf(blocks: readonly unknown[]): ActionButton[] {
  return (blocks as Block[]).flatMap((b) => (b.type === 'actions' ? (b.elements as ActionButton[]) : []));
}

/** A block_actions body exactly as Slack sends it: form-encoded, one `payload` field of JSON. */
function clickBody(
  message: { text: string; blocks: unknown[] },
  button: ActionButton,
  options: { userId?: string; extra?: Record<string, unknown> } = {},
): string {
  const payload = {
    type: 'block_actions',
    user: { id: options.userId ?? ALLOWED, username: 'operator', name: 'operator', team_id: 'T0001' },
    api_app_id: 'A0NODEKEEP',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0OPS', is_ephemeral: false },
    trigger_id: '1.2.3',
    team: { id: 'T0001', domain: 'example' },
    channel: { id: 'C0OPS', name: 'ops' },
    message: { type: 'message', ts: '1700000000.000100', bot_id: 'B01', ...message },
    response_url: RESPONSE_URL,
    actions: [
      {
        type: 'button',
        action_id: button.action_id,
        block_id: 'nodekeeper.actions',
        text: button.text,
        value: button.value,
        action_ts: '1700000100.000200',
      },
    ],
    ...options.extra,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function parsed(body: string): SlackInteraction {
  const out = parseInteractionPayload(body);
  if (!out.ok) throw new Error(out.problems.join('; '));
  return out.interaction;
}

/** Ports recording every effect; the claim store is a Set, the run ledger a Map. */
function world(options: { approvalsDown?: boolean; run?: RunRecord } = {}) {
  const effects: string[] = [];
  const updates: SlackMessage[] = [];
  const ephemeral: string[] = [];
  const approvals: RecordedApproval[] = [];
  const recalls: RecordedRecall[] = [];
  const claimed = new Set<string>();
  const runs = new Map<string, RunRecord>();
  if (options.run) runs.set(options.run.runId, structuredClone(options.run));
  const runLedger: RunLedgerPort = {
    openRun: async () => ({ kind: 'created' }),
    getRun: async (id) => structuredClone(runs.get(id) ?? null),
    setRunThread: async () => undefined,
    setRunItem: async () => null,
    dropRunItems: async () => null,
    async setRunControl(id, control) {
      const r = runs.get(id);
      if (!r) return null;
      r.control = control;
      r.version += 1;
      return structuredClone(r);
    },
  };
  const ports: InteractionPorts = {
    claims: {
      async claim(key) {
        if (claimed.has(key)) return { kind: 'already-handled' };
        claimed.add(key);
        return { kind: 'claimed' };
      },
    },
    invoker: {
      async invoke(name) {
        effects.push(`invoke:${name}`);
        return { kind: 'accepted', lambdaRequestId: null };
      },
    },
    pause: {
      async set(change) {
        effects.push(`pause:${change.paused}:${change.by}`);
        return { kind: 'set' };
      },
      read: async () => ({ paused: false, reason: null }),
    },
    approvals: {
      async record(approval) {
        if (options.approvalsDown) throw Object.assign(new Error('x'), { name: 'ThrottlingException' });
        const same = approvals.find(
          (a) => a.release === approval.release && a.family === approval.family && a.wave === approval.wave,
        );
        if (same) return { kind: 'exists', approval: same };
        approvals.push(approval);
        effects.push(`approve:${approval.release}:${approval.family}:${approval.wave ?? '*'}:${approval.by}`);
        return { kind: 'recorded' };
      },
    },
    recalls: {
      async recall(recall) {
        recalls.push(recall);
        effects.push(`recall:${recall.release}:${recall.family ?? '*'}:${recall.by}`);
        return { kind: 'recorded', recall };
      },
      unrecall: async () => ({ kind: 'not-recalled' }),
    },
    plan: async () => {
      throw new Error('not used');
    },
    history: async () => [],
    runs: runLedger,
    slack: {
      async update(target, message) {
        effects.push(`update:${target.channel}:${target.ts}`);
        updates.push(message);
        return { ok: true };
      },
      async ephemeral(_url, text) {
        ephemeral.push(text);
        return { ok: true };
      },
    },
  };
  return { ports, effects, updates, ephemeral, approvals, recalls, runs };
}

const claim = (key = 'k1') => ({ key, timestampSeconds: TS });

function textOf(message: SlackMessage | undefined): string {
  return JSON.stringify(message?.blocks ?? []);
}

describe('parseInteractionPayload', () => {
  const message = haltMessage();
  const approveProd = buttonsOf(message.blocks)[1] as ActionButton;

  describe('when Slack sends a button click', () => {
    it('reads the user, the message, the button and the response URL', () => {
      const i = parsed(clickBody(message, approveProd));
      expect(i).toMatchObject({
        userId: ALLOWED,
        channelId: 'C0OPS',
        messageTs: '1700000000.000100',
        actionId: approveProd.action_id,
        responseUrl: RESPONSE_URL,
      });
      expect(i.message.blocks).toHaveLength(3);
    });
  });

  describe('when the body is not what Slack sends', () => {
    it.each([
      ['no payload field', 'text=approve'],
      ['two payload fields', 'payload=%7B%7D&payload=%7B%7D'],
      ['a payload that is not JSON', 'payload=%7Bnot-json'],
    ])('refuses %s', (_what, body) => {
      expect(parseInteractionPayload(body).ok).toBe(false);
    });

    it.each([
      ['another payload type', { type: 'view_submission' }],
      ['a response URL off Slack', { response_url: 'https://attacker.example/hook' }],
      [
        'an ephemeral message',
        { container: { type: 'message', message_ts: '1.2', channel_id: 'C0OPS', is_ephemeral: true } },
      ],
      ['two actions', { actions: [{}, {}] }],
      ['a user ID that is not one', { user: { id: 'root' } }],
    ])('refuses %s, naming the field but never its value', (_what, extra) => {
      const out = parseInteractionPayload(clickBody(message, approveProd, { extra }));
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.problems.join(' ')).not.toContain('attacker.example');
    });
  });
});

describe('buttonIntentOf', () => {
  describe('when the button is one nodekeeper wrote', () => {
    it('reads each halt button back as its intent', () => {
      const [dev, prod, every, keep] = buttonsOf(haltMessage().blocks);
      expect(
        [dev, prod, every, keep].map((b) =>
          buttonIntentOf({ actionId: b?.action_id ?? '', value: b?.value ?? '' }),
        ),
      ).toEqual([
        { ok: true, intent: { kind: 'approve', release: '20261110', family: 'al2023', wave: 'dev' } },
        { ok: true, intent: { kind: 'approve', release: '20261110', family: 'al2023', wave: 'prod' } },
        { ok: true, intent: { kind: 'approve', release: '20261110', family: 'al2023', wave: null } },
        { ok: true, intent: { kind: 'keep-halted', release: '20261110', family: 'al2023' } },
      ]);
    });
  });

  describe('when the value is not one nodekeeper wrote', () => {
    it.each([
      ['an unknown action', 'other.app', '{}'],
      ['a value that is not JSON', 'nodekeeper.approve.1', 'approve'],
      [
        'an extra key',
        'nodekeeper.approve.1',
        '{"v":1,"release":"20261110","family":"al2023","wave":null,"force":true}',
      ],
      [
        'a release with spaces',
        'nodekeeper.approve.1',
        '{"v":1,"release":"2026 1110","family":"al2023","wave":null}',
      ],
      ['a run ID with markup', 'nodekeeper.pause', '{"v":1,"runId":"<!channel>"}'],
      ['a newer value version', 'nodekeeper.resume', '{"v":2,"runId":"scan-1"}'],
    ])('refuses %s', (_what, actionId, value) => {
      expect(buttonIntentOf({ actionId, value }).ok).toBe(false);
    });
  });
});

describe('runSignedInteraction', () => {
  describe('when an allowlisted user approves one wave', () => {
    it('records the approval and turns that button into the outcome', async () => {
      const w = world();
      const message = haltMessage();
      const prod = buttonsOf(message.blocks)[1] as ActionButton;
      const out = await runSignedInteraction(
        parsed(clickBody(message, prod)),
        claim(),
        config,
        w.ports,
        context,
      );
      expect(out).toMatchObject({ kind: 'done', action: 'approve', updateError: null });
      expect(w.effects).toEqual([
        `approve:20261110:al2023:prod:slack:${ALLOWED}`,
        'update:C0OPS:1700000000.000100',
      ]);
      const updated = w.updates[0];
      expect(textOf(updated)).toContain(
        `Approved for wave \`prod\` by <@${ALLOWED}> at 03:12 UTC on 2026-11-24`,
      );
      // The dev and every-wave buttons stay (dev is still halted), as does Keep halted.
      expect(buttonsOf(updated?.blocks ?? []).map((b) => b.text.text)).toEqual([
        'Approve 20261110 for wave dev',
        'Approve 20261110 for every wave',
        'Keep halted',
      ]);
      expect(w.ephemeral).toEqual([]);
    });
  });

  describe('when the same signed click arrives again', () => {
    it('answers "already handled" and changes nothing', async () => {
      const w = world();
      const message = haltMessage();
      const prod = buttonsOf(message.blocks)[1] as ActionButton;
      const click = parsed(clickBody(message, prod));
      await runSignedInteraction(click, claim(), config, w.ports, context);
      const effects = [...w.effects];
      const again = await runSignedInteraction(click, claim(), config, w.ports, context);
      expect(again).toEqual({ kind: 'replayed' });
      expect(w.effects).toEqual(effects);
      expect(w.ephemeral).toEqual(['This request was already handled; nothing was done again.']);
    });
  });

  describe('when the user is not on the allowlist', () => {
    it('refuses privately and changes nothing', async () => {
      const w = world();
      const message = haltMessage();
      const every = buttonsOf(message.blocks)[2] as ActionButton;
      const out = await runSignedInteraction(
        parsed(clickBody(message, every, { userId: VISITOR })),
        claim(),
        config,
        w.ports,
        context,
      );
      expect(out).toEqual({ kind: 'refused', action: 'approve', reason: 'not-allowed' });
      expect(w.effects).toEqual([]);
      expect(w.ephemeral[0]).toContain('not on nodekeeper');
    });
  });

  describe('when the button names a wave the config no longer has', () => {
    it('refuses privately and records nothing', async () => {
      const w = world();
      const message = haltMessage();
      const dev = buttonsOf(message.blocks)[0] as ActionButton;
      const shrunk = parseConfig({ ...config, waves: [{ name: 'prod', clusters: ['prod-*'] }] });
      const out = await runSignedInteraction(
        parsed(clickBody(message, dev)),
        claim(),
        shrunk,
        w.ports,
        context,
      );
      expect(out).toEqual({ kind: 'refused', action: 'approve', reason: 'unknown-wave' });
      expect(w.effects).toEqual([]);
      expect(w.ephemeral[0]).toContain('`dev` is not a configured wave');
    });
  });

  describe('when the button value was tampered with', () => {
    it('says it does not understand the button and changes nothing', async () => {
      const w = world();
      const message = haltMessage();
      const prod = buttonsOf(message.blocks)[1] as ActionButton;
      const forged = {
        ...prod,
        value: '{"v":1,"release":"20261110","family":"al2023","wave":"prod","by":"U0BOSS"}',
      };
      const out = await runSignedInteraction(
        parsed(clickBody(message, forged)),
        claim(),
        config,
        w.ports,
        context,
      );
      expect(out.kind).toBe('invalid');
      expect(w.effects).toEqual([]);
      expect(w.ephemeral[0]).toContain('does not understand this button');
    });
  });

  describe('when the approval cannot be recorded', () => {
    it('says so privately and leaves the buttons', async () => {
      const w = world({ approvalsDown: true });
      const message = haltMessage();
      const prod = buttonsOf(message.blocks)[1] as ActionButton;
      const out = await runSignedInteraction(
        parsed(clickBody(message, prod)),
        claim(),
        config,
        w.ports,
        context,
      );
      expect(out).toMatchObject({ kind: 'failed', action: 'approve', error: 'ThrottlingException' });
      expect(w.updates).toEqual([]);
      expect(w.ephemeral[0]).toContain('could not be recorded (`ThrottlingException`)');
    });
  });

  describe('when someone keeps the release halted', () => {
    it('records nothing in AWS and removes every button', async () => {
      const w = world();
      const message = haltMessage();
      const keep = buttonsOf(message.blocks)[3] as ActionButton;
      const out = await runSignedInteraction(
        parsed(clickBody(message, keep)),
        claim(),
        config,
        w.ports,
        context,
      );
      expect(out).toMatchObject({ kind: 'done', action: 'keep-halted' });
      expect(w.effects).toEqual(['update:C0OPS:1700000000.000100']);
      expect(buttonsOf(w.updates[0]?.blocks ?? [])).toEqual([]);
      expect(textOf(w.updates[0])).toContain(`Kept halted by <@${ALLOWED}> at 03:12 UTC`);
    });
  });

  describe('when "Recall this image" is clicked on a failed rollout', () => {
    it('recalls the release on its line, as /nodekeeper recall does, naming the failure as the reason', async () => {
      const w = world();
      const failed = rolloutSlackMessage(
        rolloutNotice(releaseRequest({ family: 'al2023', nodegroup: 'gpu' }), 'failed', {
          updateId: 'u-1',
          message: 'failed',
          status: 'Failed',
          errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'pdb', resourceIds: [] }],
          finishedAt: NOW.toISOString(),
        }),
      );
      const message = JSON.parse(JSON.stringify({ text: failed.text, blocks: failed.blocks }));
      const recall = buttonsOf(message.blocks).find(
        (b) => b.text.text === 'Recall this image',
      ) as ActionButton;
      const out = await runSignedInteraction(
        parsed(clickBody(message, recall)),
        claim(),
        config,
        w.ports,
        context,
      );
      expect(out).toMatchObject({ kind: 'done', action: 'recall', updateError: null });
      expect(w.recalls).toMatchObject([
        {
          release: '20261110',
          family: 'al2023',
          by: `slack:${ALLOWED}`,
          reason: expect.stringContaining('prod-a/gpu'),
        },
      ]);
      expect(buttonsOf(w.updates[0]?.blocks ?? [])).toEqual([]);
      expect(textOf(w.updates[0])).toContain(`Recalled by <@${ALLOWED}> at 03:12 UTC`);
    });
  });

  describe('when "Retry" is clicked on a failed rollout', () => {
    it('records a retry of that node group on the release it failed on, as nodekeeper retry does', async () => {
      const w = world();
      const failed = rolloutSlackMessage(
        rolloutNotice(releaseRequest({ family: 'al2023', nodegroup: 'gpu' }), 'failed', {
          updateId: 'u-1',
          message: 'failed',
          status: 'Failed',
          errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'pdb', resourceIds: [] }],
          finishedAt: NOW.toISOString(),
        }),
      );
      const message = JSON.parse(JSON.stringify({ text: failed.text, blocks: failed.blocks }));
      expect(buttonsOf(message.blocks).map((b) => b.text.text)).toEqual(['Retry', 'Recall this image']);
      const retry = buttonsOf(message.blocks).find((b) => b.text.text === 'Retry') as ActionButton;
      const out = await runSignedInteraction(
        parsed(clickBody(message, retry)),
        claim(),
        config,
        w.ports,
        context,
      );
      expect(out).toMatchObject({ kind: 'done', action: 'retry', updateError: null });
      expect(w.approvals).toEqual([
        {
          release: '20261110',
          family: 'al2023',
          wave: null,
          nodegroup: { accountId: '111122223333', region: 'us-east-1', cluster: 'prod-a', nodegroup: 'gpu' },
          by: `slack:${ALLOWED}`,
          at: NOW.toISOString(),
        },
      ]);
      expect(buttonsOf(w.updates[0]?.blocks ?? [])).toEqual([]);
      expect(textOf(w.updates[0])).toContain(
        `Retry of \`prod-a/gpu\` recorded by <@${ALLOWED}> at 03:12 UTC on 2026-11-24: the next scan in the window starts a new attempt.`,
      );
    });

    it('refuses a retry from a user not on the allowlist, and records nothing', async () => {
      const w = world();
      const failed = rolloutSlackMessage(
        rolloutNotice(releaseRequest({ family: 'al2023', nodegroup: 'gpu' }), 'failed', {
          updateId: 'u-1',
          message: 'failed',
          status: 'Failed',
          errors: [],
          finishedAt: NOW.toISOString(),
        }),
      );
      const message = JSON.parse(JSON.stringify({ text: failed.text, blocks: failed.blocks }));
      const retry = buttonsOf(message.blocks).find((b) => b.text.text === 'Retry') as ActionButton;
      const out = await runSignedInteraction(
        parsed(clickBody(message, retry, { userId: VISITOR })),
        claim(),
        config,
        w.ports,
        context,
      );
      expect(out.kind).toBe('refused');
      expect(w.approvals).toEqual([]);
      expect(w.updates).toEqual([]);
    });
  });

  describe("when Pause is clicked on a run's parent", () => {
    const run: RunRecord = {
      ...newRun('scan-abc', 'rollout', '2026-11-24T03:00:00.000Z', [
        { accountId: null, region: 'us-east-1', cluster: 'prod-a', nodegroup: 'general' },
      ]),
      thread: { channel: 'C0OPS', ts: '1700000000.000100' },
    };

    it('pauses rollouts, records who paused on the run, and re-renders the parent with Resume', async () => {
      const w = world({ run });
      const parent = {
        text: 'Rollout',
        blocks: runControlBlocks({
          kind: 'rollout',
          startedAt: run.startedAt,
          items: Object.values(run.items),
          runId: run.runId,
        }),
      };
      const pause = buttonsOf(parent.blocks)[0] as ActionButton;
      const out = await runSignedInteraction(
        parsed(clickBody(parent, pause)),
        claim(),
        config,
        w.ports,
        context,
      );
      expect(out).toMatchObject({ kind: 'done', action: 'pause', updateError: null });
      expect(w.effects).toEqual([`pause:true:slack:${ALLOWED}`, 'update:C0OPS:1700000000.000100']);
      expect(w.runs.get('scan-abc')?.control).toEqual({
        paused: true,
        by: `slack:${ALLOWED}`,
        at: NOW.toISOString(),
      });
      expect(textOf(w.updates[0])).toContain(`Paused by <@${ALLOWED}> at 03:12 UTC`);
      expect(buttonsOf(w.updates[0]?.blocks ?? []).map((b) => b.text.text)).toEqual(['Resume rollouts']);
    });

    it('edits the clicked message alone when the run is no longer recorded', async () => {
      const w = world();
      const parent = {
        text: 'Rollout',
        blocks: runControlBlocks({
          kind: 'rollout',
          startedAt: run.startedAt,
          items: Object.values(run.items),
          runId: 'scan-gone',
        }),
      };
      const pause = buttonsOf(parent.blocks)[0] as ActionButton;
      const out = await runSignedInteraction(
        parsed(clickBody(parent, pause)),
        claim(),
        config,
        w.ports,
        context,
      );
      expect(out).toMatchObject({ kind: 'done', action: 'pause', updateError: null });
      expect(textOf(w.updates[0])).toContain('Paused by');
      expect(buttonsOf(w.updates[0]?.blocks ?? [])).toEqual([]);
    });
  });
});
