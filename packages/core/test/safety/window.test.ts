import { describe, expect, it } from 'vitest';
import { describeMoment, isInsideWindow, nextWindows, windowState } from '../../src/safety/window.ts';

// Every 30 minutes from 03:00 to 06:30 Berlin time, Tuesday to Thursday; each scan opens 30 minutes.
const window = { cron: 'cron(0/30 3-6 ? * TUE-THU *)', timezone: 'Europe/Berlin', windowMinutes: 30 };

describe('isInsideWindow', () => {
  it.each([
    ['2026-11-24T01:59:59Z', false, 'just before 03:00 Berlin'],
    ['2026-11-24T02:00:00Z', true, 'at the first fire'],
    ['2026-11-24T04:10:00Z', true, 'between fires'],
    ['2026-11-24T05:59:59Z', true, 'in the last half hour'],
    ['2026-11-24T06:00:00Z', false, 'when the last window ends'],
    ['2026-11-23T02:10:00Z', false, 'on a Monday'],
  ])('at %s is %s (%s)', (now, inside) => {
    expect(isInsideWindow(window, new Date(now))).toBe(inside);
  });

  it('follows local time across daylight saving time', () => {
    const daily = { cron: 'cron(0 3 * * ? *)', timezone: 'Europe/Berlin', windowMinutes: 60 };
    expect(isInsideWindow(daily, new Date('2026-03-28T02:30:00Z'))).toBe(true);
    expect(isInsideWindow(daily, new Date('2026-03-29T02:30:00Z'))).toBe(false);
    expect(isInsideWindow(daily, new Date('2026-03-29T01:30:00Z'))).toBe(true);
  });
});

describe('windowState', () => {
  it('merges back-to-back fires into one window', () => {
    expect(windowState(window, new Date('2026-11-24T02:10:00Z'))).toEqual({
      kind: 'inside',
      openedAt: new Date('2026-11-24T02:00:00Z'),
      closesAt: new Date('2026-11-24T06:00:00Z'),
    });
  });

  it('says when the next window opens', () => {
    expect(windowState(window, new Date('2026-11-20T00:00:00Z'))).toEqual({
      kind: 'outside',
      nextOpensAt: new Date('2026-11-24T02:00:00Z'),
      nextClosesAt: new Date('2026-11-24T06:00:00Z'),
    });
  });

  it('says when the cron never fires again', () => {
    const past = { cron: 'cron(0 3 1 1 ? 2020)', timezone: 'UTC', windowMinutes: 60 };
    expect(windowState(past, new Date('2026-11-20T00:00:00Z'))).toEqual({
      kind: 'outside',
      nextOpensAt: null,
      nextClosesAt: null,
    });
  });
});

describe('nextWindows', () => {
  it('lists merged windows with their scan counts, the open one first', () => {
    const windows = nextWindows(window, new Date('2026-11-24T03:00:00Z'), 2);
    expect(windows.map((w) => [w.opensAt.toISOString(), w.closesAt.toISOString(), w.scans])).toEqual([
      ['2026-11-24T02:00:00.000Z', '2026-11-24T06:00:00.000Z', 8],
      ['2026-11-25T02:00:00.000Z', '2026-11-25T06:00:00.000Z', 8],
    ]);
  });
});

describe('describeMoment', () => {
  it('gives local time and UTC, with the UTC date when it differs', () => {
    expect(describeMoment(new Date('2026-11-24T02:00:00Z'), 'Europe/Berlin')).toBe(
      'Tue 2026-11-24 03:00 Europe/Berlin (02:00 UTC)',
    );
    expect(describeMoment(new Date('2026-11-24T23:30:00Z'), 'Asia/Tokyo')).toBe(
      'Wed 2026-11-25 08:30 Asia/Tokyo (Tue 2026-11-24 23:30 UTC)',
    );
  });
});
