import { describe, expect, it } from 'vitest';
import { isMutating, parseSlashCommand, slashUsageText } from '../../src/messages/slash-command.ts';

describe('parseSlashCommand', () => {
  describe('when the subcommand is valid', () => {
    it.each([
      ['plan', { kind: 'plan' }],
      ['plan prod-a', { kind: 'plan', cluster: 'prod-a' }],
      ['  PLAN   prod-* ', { kind: 'plan', cluster: 'prod-*' }],
      ['status', { kind: 'status' }],
      ['history', { kind: 'history' }],
      ['history dev_1', { kind: 'history', cluster: 'dev_1' }],
      ['patch prod-a', { kind: 'patch', cluster: 'prod-a', install: false, reboot: false }],
      [
        'patch prod-a general',
        { kind: 'patch', cluster: 'prod-a', nodegroup: 'general', install: false, reboot: false },
      ],
      ['patch prod-a --install', { kind: 'patch', cluster: 'prod-a', install: true, reboot: false }],
      [
        'patch --reboot prod-a general --install',
        { kind: 'patch', cluster: 'prod-a', nodegroup: 'general', install: true, reboot: true },
      ],
      ['pause', { kind: 'pause' }],
      ['pause  incident 42 &amp; friends', { kind: 'pause', reason: 'incident 42 & friends' }],
      ['resume', { kind: 'resume' }],
      ['approve 1.33.5-20261110', { kind: 'approve', release: '1.33.5-20261110' }],
      [
        'approve 20261110 --wave prod --family al2023',
        { kind: 'approve', release: '20261110', wave: 'prod', family: 'al2023' },
      ],
      ['approve --wave dev ami-0abc', { kind: 'approve', release: 'ami-0abc', wave: 'dev' }],
      ['', { kind: 'usage' }],
      ['help', { kind: 'usage' }],
    ])('parses %j', (text, expected) => {
      expect(parseSlashCommand(text)).toEqual(expected);
    });
  });

  describe('when the input is not understood', () => {
    it.each([
      ['deploy everything', 'unknown subcommand: deploy'],
      ['plan a b', '`plan` takes at most one cluster'],
      ['plan <!channel>', 'not a cluster name or pattern: ??channel?'],
      ['status now', '`status` takes no arguments'],
      ['resume now', '`resume` takes no arguments'],
      ['patch', '`patch` needs a cluster'],
      ['patch prod-* general', 'not a cluster name: prod-*'],
      ['patch prod-a gen/eral', 'not a node group name: gen?eral'],
      ['patch prod-a a b', '`patch` takes a cluster and at most one node group'],
      ['patch prod-a --force', 'unknown option for `patch`: --force'],
      ['patch prod-a --reboot', '`--reboot` only makes sense with `--install`'],
      [`patch ${'a'.repeat(101)}`, `not a cluster name: ${'a'.repeat(40)}`],
      [`pause ${'r'.repeat(201)}`, 'the pause reason is longer than 200 characters'],
      ['x'.repeat(1001), 'command text is too long'],
      ['approve', '`approve` needs a release, e.g. `approve 1.33.5-20261110 --wave prod`'],
      ['approve 20261110 20261111', '`approve` takes one release'],
      ['approve 20261110 --wave', '`--wave` needs a value'],
      ['approve 20261110 --wave <!channel>', 'not a wave name: ??channel?'],
      ['approve 20261110 --family AL2023!', 'not a release line: AL2023?'],
      ['approve 20261110 --force', 'unknown option for `approve`: --force'],
    ])('answers %j with usage and an error', (text, error) => {
      expect(parseSlashCommand(text)).toEqual({ kind: 'usage', error });
    });
  });
});

describe('isMutating', () => {
  it('is true only for patch, pause, resume and approve', () => {
    const kinds = [
      'plan',
      'status',
      'history',
      'patch prod-a',
      'pause',
      'resume',
      'approve 20261110',
      'nonsense',
    ].map((t) => [parseSlashCommand(t).kind, isMutating(parseSlashCommand(t))]);
    expect(kinds).toEqual([
      ['plan', false],
      ['status', false],
      ['history', false],
      ['patch', true],
      ['pause', true],
      ['resume', true],
      ['approve', true],
      ['usage', false],
    ]);
  });
});

describe('slashUsageText', () => {
  it('lists every subcommand', () => {
    const text = slashUsageText();
    for (const sub of [
      'plan [cluster]',
      'status',
      'history [cluster]',
      'patch <cluster> [nodegroup] [--install] [--reboot]',
      'pause',
      'resume',
    ]) {
      expect(text).toContain(sub);
    }
  });
});
