import { ValidationError } from '@nodekeeper/core';
import { parseConfig } from '@nodekeeper/core/config';
import { validateWebhookUrl } from '@nodekeeper/slack';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { anyJson, fuzzEdge, nastyString } from './support/fuzz.ts';

const edge = fuzzEdge('config');
afterAll(() => edge.write());

/** A valid config, then fields replaced by hostile values. */
const nearlyValid = fc.record(
  {
    regions: fc.oneof(fc.constant(['us-east-1']), fc.array(nastyString(30), { maxLength: 3 }), anyJson()),
    clusters: fc.oneof(fc.constant(['prod-*']), fc.array(nastyString(40), { maxLength: 3 }), anyJson()),
    minAmiAgeDays: fc.oneof(fc.integer({ min: -5, max: 400 }), fc.double(), anyJson()),
    denyAmis: fc.oneof(fc.array(nastyString(30), { maxLength: 3 }), anyJson()),
    waves: fc.oneof(
      fc.array(
        fc.record({
          name: nastyString(20),
          clusters: fc.array(nastyString(20), { maxLength: 2 }),
          minAmiAgeDays: fc.oneof(fc.integer({ min: -1, max: 30 }), anyJson()),
          soakDays: fc.oneof(fc.integer({ min: -1, max: 30 }), anyJson()),
        }),
        { maxLength: 3 },
      ),
      anyJson(),
    ),
    schedule: fc.oneof(
      fc.record({
        cron: fc.oneof(fc.constant('cron(0 3 ? * TUE-THU *)'), nastyString(60)),
        timezone: fc.oneof(fc.constantFrom('Europe/Berlin', 'UTC', 'Mars/Olympus'), nastyString(40)),
        windowMinutes: fc.oneof(fc.integer({ min: -10, max: 2000 }), anyJson()),
      }),
      anyJson(),
    ),
    maxConcurrentPerCluster: fc.oneof(fc.integer({ min: -2, max: 100 }), anyJson()),
    patch: fc.oneof(
      fc.record({
        maxConcurrency: fc.oneof(fc.constantFrom('10%', '1', '0', '101%', '-1'), nastyString(10)),
        maxErrors: fc.oneof(fc.constantFrom('1', '0%', 'x'), nastyString(10)),
        reboot: fc.oneof(fc.boolean(), anyJson()),
      }),
      anyJson(),
    ),
    slack: fc.oneof(fc.record({ allowedUserIds: fc.array(nastyString(12), { maxLength: 3 }) }), anyJson()),
    extra: anyJson(),
  },
  { requiredKeys: [] },
);

function acceptedOrRejected(raw: unknown): void {
  try {
    const config = parseConfig(raw);
    expect(Array.isArray(config.regions) && config.regions.length > 0).toBe(true);
    expect(Array.isArray(config.clusters)).toBe(true);
  } catch (error) {
    // The only way to reject: a ValidationError whose message and issues say what is wrong.
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.message.length).toBeGreaterThan(0);
    expect(v.issues.length).toBeGreaterThan(0);
    for (const issue of v.issues) expect(issue.trim().length).toBeGreaterThan(0);
  }
}

describe('config (parseConfig)', () => {
  describe('when the input is any JSON value', () => {
    it('accepts it or rejects it with a ValidationError naming the problems', () => {
      edge.property();
      fc.assert(fc.property(anyJson(), edge.count(acceptedOrRejected)), edge.params());
    });
  });

  describe('when a valid config has hostile fields', () => {
    it('accepts it or rejects it with a ValidationError naming the problems', () => {
      edge.property();
      fc.assert(fc.property(nearlyValid, edge.count(acceptedOrRejected)), edge.params());
    });
  });
});

/** What a webhook URL must be: https://hooks.slack.com/<path>, no port, no credentials. */
function isSlackWebhook(raw: string): boolean {
  try {
    const u = new URL(raw);
    return (
      u.protocol === 'https:' &&
      u.hostname === 'hooks.slack.com' &&
      u.port === '' &&
      u.username === '' &&
      u.password === '' &&
      u.pathname.length > 1
    );
  } catch {
    return false;
  }
}

const urlish = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc
    .tuple(
      fc.constantFrom(
        'https://',
        'http://',
        'HTTPS://',
        'https:/',
        'https:\\\\',
        '//',
        'file://',
        'javascript:',
      ),
      fc.constantFrom(
        'hooks.slack.com',
        'hooks.slack.com.evil.example',
        'evil.example',
        'hooks.slack.com@evil.example',
        'evil.example@hooks.slack.com',
        'hooks.slack.com:8443',
        'HOOKS.SLACK.COM',
        'hooks.slack.com.',
        '127.0.0.1',
        '169.254.169.254',
        '[::1]',
        'localhost',
        'xn--hooks-slack-com',
        'hooks%2eslack%2ecom',
      ),
      fc.constantFrom('/services/T0/B0/x', '/', '', '\\@evil.example/', '/..%2f..%2f', '#@evil.example'),
    )
    .map(([a, b, c]) => `${a}${b}${c}`),
  nastyString(80),
);

describe('webhook URL validation (validateWebhookUrl)', () => {
  describe('when the local-development flag is off', () => {
    it('accepts only https://hooks.slack.com/ URLs', () => {
      edge.property();
      fc.assert(
        fc.property(
          urlish,
          edge.count((raw: string) => {
            const problems = validateWebhookUrl(raw, false);
            expect(problems.length === 0).toBe(isSlackWebhook(raw));
            // Problems never quote the URL (it is a secret), beyond the fixed text every problem has.
            const fixed = [
              ...validateWebhookUrl('https://a.example/', false),
              ...validateWebhookUrl('https://a.example/', true),
            ].join('\n');
            for (const p of problems)
              if (raw.length > 8 && !fixed.includes(raw)) expect(p).not.toContain(raw);
          }),
        ),
        edge.params(),
      );
    });
  });

  describe('when the local-development flag is on', () => {
    it('also accepts loopback URLs and nothing else', () => {
      edge.property();
      fc.assert(
        fc.property(
          urlish,
          edge.count((raw: string) => {
            const ok = validateWebhookUrl(raw, true).length === 0;
            if (ok && !isSlackWebhook(raw)) {
              const host = new URL(raw).hostname;
              expect(['localhost', '[::1]'].includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host)).toBe(true);
            }
          }),
        ),
        edge.params(),
      );
    });
  });
});
