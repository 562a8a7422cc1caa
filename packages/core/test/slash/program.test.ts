import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { answerDeferredCommand, runSlashCommand, type SlashPorts } from '../../src/slash/program.ts';
import type { SlashRequest } from '../../src/slash/types.ts';

const NOW = new Date('2026-03-02T10:00:00Z');
const ALLOWED = 'U0ALLOWED1';
const config = parseConfig({
  regions: ['us-east-1'],
  clusters: ['prod-*'],
  slack: { allowedUserIds: [ALLOWED] },
});

const request = (text: string): SlashRequest => ({
  command: '/nodekeeper',
  text,
  userId: ALLOWED,
  userName: null,
  teamId: 'T1',
  channelId: 'C1',
  responseUrl: 'https://hooks.slack.com/commands/T1/1/abc',
});

function ports(overrides: Partial<SlashPorts> = {}): SlashPorts & { invoked: string[] } {
  const invoked: string[] = [];
  return {
    invoked,
    invoker: {
      async invoke(name) {
        invoked.push(name);
        return { kind: 'accepted', lambdaRequestId: 'req-1' };
      },
    },
    pause: { set: async () => ({ kind: 'set' }), read: async () => ({ paused: false, reason: null }) },
    approvals: { record: async () => ({ kind: 'recorded' }) },
    plan: async () => {
      throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    },
    history: async () => [],
    ...overrides,
  };
}

const context = { now: NOW, selfFunctionName: 'self', patchFunctionName: null, newRequestId: () => 'r-1' };

describe('runSlashCommand', () => {
  describe('when a slow subcommand is asked for', () => {
    it('hands it to the worker and says it is working', async () => {
      const p = ports();
      const done = await runSlashCommand(request('plan'), config, p, context);
      expect(done.outcome).toEqual({ kind: 'work-started', command: 'plan', lambdaRequestId: 'req-1' });
      expect(done.reply.responseType).toBe('ephemeral');
      expect(p.invoked).toEqual(['self']);
    });

    it('reports work-not-started without its own function name', async () => {
      const done = await runSlashCommand(request('plan'), config, ports(), {
        ...context,
        selfFunctionName: null,
      });
      expect(done.outcome).toMatchObject({ kind: 'work-not-started', error: 'self-function-unknown' });
    });
  });

  describe('when patch has no patch function', () => {
    it('sends nothing and says why', async () => {
      const p = ports();
      const done = await runSlashCommand(request('patch prod-a'), config, p, context);
      expect(done.outcome).toMatchObject({ kind: 'patch-not-sent', error: 'patch-function-not-configured' });
      expect(p.invoked).toEqual([]);
    });
  });

  describe('when pause is asked for', () => {
    it('writes the flag as the caller and answers in the channel', async () => {
      const changes: unknown[] = [];
      const p = ports({
        pause: {
          set: async (c) => {
            changes.push(c);
            return { kind: 'set' };
          },
          read: async () => ({ paused: false, reason: null }),
        },
      });
      const done = await runSlashCommand(request('pause maintenance'), config, p, context);
      expect(done).toMatchObject({ reply: { responseType: 'in_channel' }, outcome: { kind: 'pause-set' } });
      expect(changes).toEqual([
        { paused: true, reason: 'maintenance', by: `slack:${ALLOWED}`, at: NOW.toISOString() },
      ]);
    });
  });
});

describe('answerDeferredCommand', () => {
  describe('when reading AWS fails', () => {
    it('answers with the failure and returns its code', async () => {
      const answer = await answerDeferredCommand({ kind: 'plan' }, ports(), NOW);
      expect(answer.error).toBe('AccessDeniedException');
      expect(answer.message.text).toContain('AccessDeniedException');
    });
  });
});
