import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RolloutRecord } from '../../src/rollout/types.ts';
import { buildHistoryMessage, buildStatusMessage, pausedText } from '../../src/slash/replies.ts';
import { isAllowedResponseUrl, parseSlashRequest, parseSlashWork } from '../../src/slash/request.ts';
import { routeSlashCommand } from '../../src/slash/route.ts';

const ALLOWED = 'U0ALLOWED1';
const route = (text: string, userId = ALLOWED) =>
  routeSlashCommand({ text, userId, allowedUserIds: [ALLOWED], clusterPatterns: ['prod-*', 'dev-a'] });

function record(overrides: Partial<RolloutRecord> = {}): RolloutRecord {
  return {
    key: 'k',
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'general',
    strategy: 'release-version',
    wave: null,
    from: { releaseVersion: '1.33.4-20261001', imageId: null },
    to: { releaseVersion: '1.33.5-20261110', imageId: null },
    attempt: 1,
    updateId: 'u-1',
    launchTemplateVersion: null,
    outcome: 'succeeded',
    reason: null,
    message: null,
    errors: [],
    createdAt: '2026-11-20T03:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    slackThreadTs: null,
    ...overrides,
  };
}

describe('routeSlashCommand', () => {
  describe('when the subcommand is read-only', () => {
    it.each([
      ['plan', { kind: 'plan' }],
      ['plan prod-*', { kind: 'plan', cluster: 'prod-*' }],
      ['status', { kind: 'status' }],
      ['history dev-a', { kind: 'history', cluster: 'dev-a' }],
    ])('defers `%s` for anyone', (text, command) => {
      expect(route(text, 'U0SOMEONE')).toEqual({ kind: 'defer', command });
    });
  });

  describe('when the user is on the allowlist', () => {
    it('pauses with the reason and who asked', () => {
      expect(route('pause  CVE fix ')).toEqual({ kind: 'pause', reason: 'CVE fix', by: `slack:${ALLOWED}` });
    });

    it('resumes', () => {
      expect(route('resume')).toEqual({ kind: 'resume', by: `slack:${ALLOWED}` });
    });

    it('patches a configured cluster, scan only by default', () => {
      expect(route('patch prod-a')).toEqual({
        kind: 'patch',
        request: {
          cluster: 'prod-a',
          nodegroups: [],
          operation: 'Scan',
          reboot: false,
          requestedBy: `slack:${ALLOWED}`,
        },
      });
    });

    it('patches one node group with install and reboot', () => {
      expect(route('patch dev-a gpu --install --reboot')).toMatchObject({
        kind: 'patch',
        request: { cluster: 'dev-a', nodegroups: ['gpu'], operation: 'Install', reboot: true },
      });
    });

    it('refuses a cluster outside the config', () => {
      expect(route('patch dev-b')).toMatchObject({ kind: 'refuse', reason: 'cluster-not-managed' });
    });
  });

  describe('when an allowlisted user approves a release', () => {
    const approve = (text: string) =>
      routeSlashCommand({
        text,
        userId: ALLOWED,
        allowedUserIds: [ALLOWED],
        clusterPatterns: ['prod-*'],
        waveNames: ['dev', 'prod'],
      });

    it('approves the release identity for the wave, by the Slack user', () => {
      expect(approve('approve 1.33.5-20261110 --wave prod')).toEqual({
        kind: 'approve',
        approval: { release: '20261110', family: null, wave: 'prod' },
        by: `slack:${ALLOWED}`,
      });
    });

    it('refuses a wave the config does not have, naming the configured ones', () => {
      expect(approve('approve 20261110 --wave canary')).toMatchObject({
        kind: 'refuse',
        reason: 'unknown-wave',
        text: expect.stringContaining('configured: `dev`, `prod`'),
      });
    });

    it('refuses a release nodekeeper cannot read', () => {
      expect(approve('approve latest')).toMatchObject({ kind: 'refuse', reason: 'unknown-release' });
    });
  });

  describe('when the user is not on the allowlist', () => {
    it.each(['pause', 'resume', 'patch prod-a --install', 'approve 20261110'])(
      'refuses `%s` with not-allowed',
      (text) => {
        expect(route(text, 'U0SOMEONE')).toMatchObject({ kind: 'refuse', reason: 'not-allowed' });
      },
    );

    it('refuses before looking at the cluster', () => {
      expect(route('patch elsewhere', 'U0SOMEONE')).toMatchObject({ reason: 'not-allowed' });
    });

    it('refuses everyone when the allowlist is empty', () => {
      const action = routeSlashCommand({
        text: 'pause',
        userId: ALLOWED,
        allowedUserIds: [],
        clusterPatterns: ['*'],
      });
      expect(action.kind).toBe('refuse');
    });
  });

  describe('when the text is not understood', () => {
    it.each(['', 'help', 'deploy', 'patch', 'plan a b', 'patch prod-a --reboot'])(
      'answers `%s` with the usage text',
      (text) => {
        const action = route(text);
        expect(action.kind).toBe('reply');
        expect(action.kind === 'reply' && action.text).toContain('Usage:');
      },
    );
  });

  describe('when fed arbitrary text', () => {
    it('never throws and never mutates for a user off the allowlist', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), (text) => {
          const action = route(text, 'U0SOMEONE');
          expect(['reply', 'refuse', 'defer']).toContain(action.kind);
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('isAllowedResponseUrl', () => {
  it.each([
    ['https://hooks.slack.com/commands/T1/2/abc', false, true],
    ['https://hooks.slack.com/', false, false],
    ['https://hooks.slack.com:8443/commands/x', false, false],
    ['https://user:pw@hooks.slack.com/commands/x', false, false],
    ['http://hooks.slack.com/commands/x', false, false],
    ['https://hooks.slack.com.evil.example/x', false, false],
    ['https://evil.example/hooks.slack.com/x', false, false],
    ['http://127.0.0.1:8080/slack/webhook/T/B/X', false, false],
    ['http://127.0.0.1:8080/slack/webhook/T/B/X', true, true],
    ['http://localhost/x', true, true],
    ['http://169.254.169.254/latest/meta-data', true, false],
    ['http://10.0.0.1/x', true, false],
    ['file:///etc/passwd', true, false],
    ['not a url', true, false],
  ])('%s (local %s) → %s', (url, local, expected) => {
    expect(isAllowedResponseUrl(url, local)).toBe(expected);
  });
});

describe('parseSlashRequest', () => {
  const base = {
    command: '/nodekeeper',
    text: 'status',
    user_id: 'U0ALLOWED1',
    team_id: 'T0001',
    channel_id: 'C0001',
    response_url: 'https://hooks.slack.com/commands/T0001/1/x',
    trigger_id: '1.2.3',
  };

  it('reads the fields nodekeeper uses and ignores the rest', () => {
    expect(parseSlashRequest(new URLSearchParams(base).toString())).toEqual({
      ok: true,
      request: {
        command: '/nodekeeper',
        text: 'status',
        userId: 'U0ALLOWED1',
        userName: null,
        teamId: 'T0001',
        channelId: 'C0001',
        responseUrl: 'https://hooks.slack.com/commands/T0001/1/x',
      },
    });
  });

  it('refuses a repeated field', () => {
    const body = `${new URLSearchParams(base).toString()}&user_id=U0OTHER01`;
    expect(parseSlashRequest(body)).toEqual({ ok: false, problems: ['user_id: given more than once'] });
  });

  it('names bad fields without quoting a response_url', () => {
    const bad = { ...base, response_url: 'https://evil.example/CANARY', user_id: 'nobody' };
    const result = parseSlashRequest(new URLSearchParams(bad).toString());
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('CANARY');
    expect(!result.ok && result.problems.map((p) => p.split(':')[0])).toEqual(['user_id', 'response_url']);
  });

  it('never throws on arbitrary bodies', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (body) => {
        expect(typeof parseSlashRequest(body).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseSlashWork', () => {
  const valid = {
    kind: 'slack-command-work',
    version: 1,
    command: { kind: 'history', cluster: 'prod-*' },
    userId: 'U0ALLOWED1',
    responseUrl: 'https://hooks.slack.com/commands/T0001/1/x',
    requestedAt: '2026-11-24T10:00:00.000Z',
  };

  it('accepts a valid payload unchanged', () => {
    expect(parseSlashWork(valid)).toEqual({ ok: true, payload: valid });
  });

  it.each([
    ['an extra key', { ...valid, extra: 1 }],
    ['a mutating command', { ...valid, command: { kind: 'patch', cluster: 'prod-a' } }],
    ['an extra command key', { ...valid, command: { kind: 'status', cluster: 'x' } }],
    ['a bad cluster', { ...valid, command: { kind: 'plan', cluster: '<!channel>' } }],
    ['a loopback URL without the local flag', { ...valid, responseUrl: 'http://127.0.0.1/x' }],
  ])('rejects %s', (_, payload) => {
    expect(parseSlashWork(payload).ok).toBe(false);
  });
});

describe('slash replies', () => {
  describe('when untrusted text reaches a message', () => {
    it('escapes a pause reason', () => {
      const text = pausedText('U0ALLOWED1', '<!channel> *now* <https://evil.example|click>');
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('<https://evil');
      expect(text).toContain('<@U0ALLOWED1>');
    });

    it('escapes names and errors in history', () => {
      const message = buildHistoryMessage([
        record({
          cluster: 'prod-<!here>',
          errors: [{ errorCode: '<@U999>', errorMessage: 'x', resourceIds: [] }],
        }),
      ]);
      const json = JSON.stringify(message);
      expect(json).not.toContain('<!here>');
      expect(json).not.toContain('<@U999>');
    });
  });

  describe('when the ledger holds many records', () => {
    it('lists 25 and counts the rest', () => {
      const records = Array.from({ length: 40 }, (_, i) => record({ key: `k${i}`, nodegroup: `ng-${i}` }));
      const json = JSON.stringify(buildHistoryMessage(records));
      expect(json).toContain('ng-24');
      expect(json).not.toContain('ng-25`');
      expect(json).toContain('…and 15 more');
    });
  });

  describe('buildStatusMessage', () => {
    it('says paused with the reason and lists running rollouts', () => {
      const message = buildStatusMessage({ paused: true, reason: 'freeze' }, [
        record({ outcome: 'started' }),
      ]);
      expect(message.text).toBe('Paused; 1 rollout in progress');
      expect(JSON.stringify(message.blocks)).toContain('freeze');
    });

    it('says not paused and nothing running', () => {
      expect(buildStatusMessage({ paused: false, reason: null }, []).text).toBe(
        'Not paused; 0 rollouts in progress',
      );
    });
  });
});
