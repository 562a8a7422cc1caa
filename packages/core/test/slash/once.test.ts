import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import {
  acknowledgeSlashCommand,
  REQUEST_CLAIM_TTL_SECONDS,
  type RequestClaimPort,
  runSignedSlashWork,
  WORKER_MAX_REQUEST_AGE_SECONDS,
} from '../../src/slash/once.ts';
import type { SlashPorts } from '../../src/slash/program.ts';
import type { SlashRequest } from '../../src/slash/types.ts';

const NOW = new Date('2026-03-02T10:00:00Z');
const TS = Math.floor(NOW.getTime() / 1000);
const ALLOWED = 'U0ALLOWED1';
const config = parseConfig({
  regions: ['us-east-1'],
  clusters: ['prod-*'],
  slack: { allowedUserIds: [ALLOWED] },
});

const request = (text: string, userId = ALLOWED): SlashRequest => ({
  command: '/nodekeeper',
  text,
  userId,
  userName: null,
  teamId: 'T1',
  channelId: 'C1',
  responseUrl: 'https://hooks.slack.com/commands/T1/1/abc',
});

/** Ports that record every mutation; the claim store is a Set. */
function ports() {
  const done: string[] = [];
  const claimed = new Set<string>();
  const claims: RequestClaimPort & { ttl: number[] } = {
    ttl: [],
    async claim(key, expiresAt) {
      this.ttl.push(expiresAt);
      if (claimed.has(key)) return { kind: 'already-handled' };
      claimed.add(key);
      return { kind: 'claimed' };
    },
  };
  const p: SlashPorts & { claims: typeof claims } = {
    claims,
    invoker: {
      async invoke(name) {
        done.push(`invoke:${name}`);
        return { kind: 'accepted', lambdaRequestId: null };
      },
    },
    pause: {
      async set(change) {
        done.push(`pause:${change.paused}`);
        return { kind: 'set' };
      },
      async read() {
        return { paused: false, reason: null };
      },
    },
    approvals: {
      async record(approval) {
        done.push(`approve:${approval.release}:${approval.wave ?? '*'}`);
        return { kind: 'recorded' };
      },
    },
    plan: async (now) => ({ generatedAt: now.toISOString(), items: [] }) as never,
    history: async () => [],
  };
  return { p, done };
}

const context = { now: NOW, selfFunctionName: null, patchFunctionName: 'patch-fn', newRequestId: () => 'r1' };

describe('acknowledgeSlashCommand', () => {
  describe('when the request reads or mutates AWS', () => {
    it.each(['pause', 'resume', 'patch prod-a', 'status', 'plan', 'history'])(
      'hands `%s` to the worker',
      (text) => {
        expect(acknowledgeSlashCommand(request(text), config)).toMatchObject({ kind: 'hand-off' });
      },
    );
  });

  describe('when the request is usage or refused', () => {
    it('answers at once', () => {
      expect(acknowledgeSlashCommand(request('help'), config)).toMatchObject({
        kind: 'answer',
        refused: null,
      });
      expect(acknowledgeSlashCommand(request('pause', 'U0OTHER99'), config)).toMatchObject({
        kind: 'answer',
        refused: 'not-allowed',
      });
    });
  });
});

describe('runSignedSlashWork', () => {
  describe('when the same signed request runs twice', () => {
    it('mutates once and answers the replay "already handled"', async () => {
      const { p, done } = ports();
      const claim = { key: 'k', timestampSeconds: TS };
      const first = await runSignedSlashWork(request('patch prod-a'), claim, config, p, context);
      const second = await runSignedSlashWork(request('patch prod-a'), claim, config, p, context);
      expect(first.outcome.kind).toBe('ran');
      expect(second.outcome).toEqual({ kind: 'replayed' });
      expect(second.message.text).toContain('already handled');
      expect(done).toEqual(['invoke:patch-fn']);
    });

    it('keeps the claim past the longest age the worker accepts', async () => {
      const { p } = ports();
      await runSignedSlashWork(request('pause'), { key: 'k', timestampSeconds: TS }, config, p, context);
      expect(p.claims.ttl).toEqual([TS + REQUEST_CLAIM_TTL_SECONDS]);
      expect(REQUEST_CLAIM_TTL_SECONDS).toBeGreaterThan(WORKER_MAX_REQUEST_AGE_SECONDS);
    });
  });

  describe('when the claim cannot be written', () => {
    it('does nothing and answers with the error code', async () => {
      const { p, done } = ports();
      p.claims.claim = async () => {
        throw Object.assign(new Error('x'), { name: 'ThrottlingException' });
      };
      const out = await runSignedSlashWork(
        request('pause'),
        { key: 'k', timestampSeconds: TS },
        config,
        p,
        context,
      );
      expect(out.outcome).toEqual({ kind: 'claim-failed', error: 'ThrottlingException' });
      expect(done).toEqual([]);
    });
  });

  describe('when the command is read-only', () => {
    it('answers it without invoking anything', async () => {
      const { p, done } = ports();
      const out = await runSignedSlashWork(
        request('status'),
        { key: 'k', timestampSeconds: TS },
        config,
        p,
        context,
      );
      expect(out.outcome).toEqual({ kind: 'answered', command: 'status', error: null });
      expect(done).toEqual([]);
    });
  });
});
