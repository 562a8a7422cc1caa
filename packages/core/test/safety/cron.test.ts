import { describe, expect, it } from 'vitest';
import { instantsOfLocalTime, nextFireTimes, parseCron } from '../../src/safety/cron.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString().replace(':00.000Z', 'Z'));

describe('parseCron', () => {
  describe('when the expression breaks EventBridge rules', () => {
    it.each([
      ['cron(0 3 * * * *)', 'exactly one of day-of-month and day-of-week must be ?'],
      ['cron(60 3 ? * MON *)', 'minutes: "60" is not a value from 0 to 59'],
      ['cron(0 24 ? * MON *)', 'hours: "24" is not a value from 0 to 23'],
      ['cron(0 3 ? * 8 *)', 'day-of-week: "8" is not a value from 1 to 7'],
      ['cron(0 3 ? * MON#6 *)', 'day-of-week: "MON#6" must be day#n with n from 1 to 5'],
      ['cron(0 3 ? * 2#1,3#1 *)', 'day-of-week: an expression with # must be the only one in the field'],
      ['cron(0 3 ? FOO MON *)', 'month: "FOO" is not a value from 1 to 12'],
      ['cron(0 3 32W * ? *)', 'day-of-month: "32W" needs a day from 1 to 31'],
      ['cron(0 3 1 * ? 1969)', 'year: "1969" is not a value from 1970 to 2199'],
      ['cron(0/0 3 1 * ? *)', 'minutes: bad increment in "0/0"'],
      ['cron(0 ? 1 * ? *)', 'hours: ? is only allowed in day-of-month and day-of-week'],
      ['cron(0 3 1 * ?)', 'expected 6 fields inside cron(...), got 5'],
      ['rate(5 minutes)', 'expected cron(minutes hours day-of-month month day-of-week year)'],
    ])('rejects %s', (expression, problem) => {
      const parsed = parseCron(expression);
      expect(parsed.kind).toBe('invalid');
      expect(parsed.kind === 'invalid' ? parsed.problems : []).toContain(problem);
    });
  });

  describe('when the expression is valid', () => {
    it('reads names, ranges, lists and steps', () => {
      const parsed = parseCron('cron(5/20 1-3,22 ? jan-MAR tue-thu 2026-2027)');
      expect(parsed.kind).toBe('ok');
      if (parsed.kind !== 'ok') return;
      expect(parsed.cron.minutes).toEqual([5, 25, 45]);
      expect(parsed.cron.hours).toEqual([1, 2, 3, 22]);
      expect([...parsed.cron.months]).toEqual([1, 2, 3]);
      expect([...(parsed.cron.dayOfWeek?.days ?? [])]).toEqual([3, 4, 5]);
      expect([...parsed.cron.years]).toEqual([2026, 2027]);
    });
  });
});

describe('nextFireTimes', () => {
  describe('when the time zone is UTC', () => {
    it.each([
      // day-of-week 1 = Sunday: TUE-THU is 3-5.
      [
        'cron(0 3 ? * TUE-THU *)',
        '2026-11-20T00:00:00Z',
        4,
        ['2026-11-24T03:00Z', '2026-11-25T03:00Z', '2026-11-26T03:00Z', '2026-12-01T03:00Z'],
      ],
      ['cron(0 3 ? * 1 *)', '2026-11-20T00:00:00Z', 2, ['2026-11-22T03:00Z', '2026-11-29T03:00Z']],
      [
        'cron(0 12 L * ? *)',
        '2026-01-01T00:00:00Z',
        3,
        ['2026-01-31T12:00Z', '2026-02-28T12:00Z', '2026-03-31T12:00Z'],
      ],
      ['cron(0 12 LW * ? *)', '2026-01-01T00:00:00Z', 2, ['2026-01-30T12:00Z', '2026-02-27T12:00Z']],
      // The 15th of February 2026 is a Sunday: the nearest weekday is Monday the 16th.
      ['cron(0 12 15W * ? *)', '2026-02-01T00:00:00Z', 2, ['2026-02-16T12:00Z', '2026-03-16T12:00Z']],
      // 1 August 2026 is a Saturday: 1W does not leave the month, so Monday the 3rd.
      ['cron(0 12 1W * ? *)', '2026-08-01T00:00:00Z', 1, ['2026-08-03T12:00Z']],
      ['cron(0 12 ? * 3#2 *)', '2026-01-01T00:00:00Z', 2, ['2026-01-13T12:00Z', '2026-02-10T12:00Z']],
      ['cron(0 12 ? * 6L *)', '2026-01-01T00:00:00Z', 2, ['2026-01-30T12:00Z', '2026-02-27T12:00Z']],
      [
        'cron(0 12 ? * FRI-MON *)',
        '2026-01-01T00:00:00Z',
        5,
        [
          '2026-01-02T12:00Z',
          '2026-01-03T12:00Z',
          '2026-01-04T12:00Z',
          '2026-01-05T12:00Z',
          '2026-01-09T12:00Z',
        ],
      ],
      ['cron(0 0 29 2 ? *)', '2026-01-01T00:00:00Z', 2, ['2028-02-29T00:00Z', '2032-02-29T00:00Z']],
      ['cron(0 0 1 1 ? 2020)', '2026-01-01T00:00:00Z', 3, []],
      [
        'cron(0/15 10 20 11 ? 2026)',
        '2026-11-20T10:15:00Z',
        5,
        ['2026-11-20T10:15Z', '2026-11-20T10:30Z', '2026-11-20T10:45Z'],
      ],
    ])('%s from %s', (cron, from, count, expected) => {
      expect(iso(nextFireTimes(cron, 'UTC', new Date(from), count))).toEqual(expected);
    });
  });

  describe('when Europe/Berlin springs forward (29 March 2026, 02:00 → 03:00)', () => {
    it('skips a local time that does not exist', () => {
      expect(
        iso(nextFireTimes('cron(30 2 * * ? *)', 'Europe/Berlin', new Date('2026-03-28T00:00:00Z'), 3)),
      ).toEqual(['2026-03-28T01:30Z', '2026-03-30T00:30Z', '2026-03-31T00:30Z']);
    });

    it('keeps 03:00 local, which is now 01:00 UTC', () => {
      expect(
        iso(nextFireTimes('cron(0 3 * * ? *)', 'Europe/Berlin', new Date('2026-03-28T00:00:00Z'), 2)),
      ).toEqual(['2026-03-28T02:00Z', '2026-03-29T01:00Z']);
    });
  });

  describe('when Europe/Berlin falls back (25 October 2026, 03:00 → 02:00)', () => {
    it('fires a repeated local time once, at its first occurrence', () => {
      expect(
        iso(nextFireTimes('cron(30 2 * * ? *)', 'Europe/Berlin', new Date('2026-10-24T00:00:00Z'), 3)),
      ).toEqual(['2026-10-24T00:30Z', '2026-10-25T00:30Z', '2026-10-26T01:30Z']);
    });
  });

  describe('when America/New_York changes clocks', () => {
    it('skips 02:00 and 02:30 on 8 March 2026', () => {
      expect(
        iso(nextFireTimes('cron(0/30 1-3 * * ? *)', 'America/New_York', new Date('2026-03-08T05:00:00Z'), 4)),
      ).toEqual(['2026-03-08T06:00Z', '2026-03-08T06:30Z', '2026-03-08T07:00Z', '2026-03-08T07:30Z']);
    });

    it('runs 01:00 and 01:30 once on 1 November 2026', () => {
      expect(
        iso(nextFireTimes('cron(0/30 1-2 * * ? *)', 'America/New_York', new Date('2026-11-01T04:00:00Z'), 4)),
      ).toEqual(['2026-11-01T05:00Z', '2026-11-01T05:30Z', '2026-11-01T07:00Z', '2026-11-01T07:30Z']);
    });
  });
});

describe('instantsOfLocalTime', () => {
  it('finds none in a gap, two in an overlap, one otherwise', () => {
    expect(instantsOfLocalTime('America/New_York', 2026, 3, 8, 2, 30)).toEqual([]);
    expect(
      instantsOfLocalTime('America/New_York', 2026, 11, 1, 1, 30).map((t) => new Date(t).toISOString()),
    ).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']);
    expect(
      instantsOfLocalTime('Europe/Berlin', 2026, 7, 1, 12, 0).map((t) => new Date(t).toISOString()),
    ).toEqual(['2026-07-01T10:00:00.000Z']);
  });
});
