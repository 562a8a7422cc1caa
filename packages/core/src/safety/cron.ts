/**
 * EventBridge Scheduler cron expressions, evaluated in an IANA time zone. Six fields
 * `cron(minutes hours day-of-month month day-of-week year)`; wildcards `, - * / ? L W #`;
 * day-of-week 1-7 = SUN-SAT (1 is Sunday, unlike Unix cron); names JAN-DEC and SUN-SAT.
 * Daylight saving time follows EventBridge Scheduler's documented behaviour: a local time that does
 * not exist (spring forward) is skipped; a local time that occurs twice (fall back) fires once, at
 * its first occurrence. Pure: no clock; time zone rules come from the runtime's Intl data.
 */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;
const DAY_MS = 86_400_000;

/** Day-of-month: `?` is null; otherwise any of these matches. */
interface DayOfMonthSpec {
  all: boolean;
  days: ReadonlySet<number>;
  /** `L` */
  last: boolean;
  /** `LW` */
  lastWeekday: boolean;
  /** `15W`: the weekday nearest the 15th, within the month. */
  nearestWeekday: readonly number[];
}

/** Day-of-week (1 = Sunday): `?` is null; otherwise any of these matches. */
interface DayOfWeekSpec {
  all: boolean;
  days: ReadonlySet<number>;
  /** `6L`: the last Friday of the month. */
  lastOf: readonly number[];
  /** `3#2`: the second Tuesday of the month. */
  nth: readonly { day: number; n: number }[];
}

/** A parsed cron expression. */
export interface CronExpression {
  source: string;
  minutes: readonly number[];
  hours: readonly number[];
  dayOfMonth: DayOfMonthSpec | null;
  months: ReadonlySet<number>;
  dayOfWeek: DayOfWeekSpec | null;
  years: ReadonlySet<number>;
}

export type CronParse = { kind: 'ok'; cron: CronExpression } | { kind: 'invalid'; problems: string[] };

function parseValue(token: string, min: number, max: number, names: readonly string[] | null): number | null {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n >= min && n <= max ? n : null;
  }
  if (names) {
    const i = names.indexOf(token.toUpperCase());
    if (i >= 0) return i + min;
  }
  return null;
}

/**
 * One list item of a plain field: `*`, `5`, `MON`, `1-5`, `TUE-THU`, `0/15`, `*\/15`, `10-40/10`.
 * Ranges whose end is before their start wrap around (`FRI-MON`), as in Quartz, which EventBridge's
 * syntax comes from. Returns the values or a problem.
 */
function parseItem(
  item: string,
  field: string,
  min: number,
  max: number,
  names: readonly string[] | null,
): number[] | string {
  const [base = '', stepText, extra] = item.split('/');
  if (extra !== undefined) return `${field}: "${item}" has more than one /`;
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return `${field}: bad increment in "${item}"`;
    step = Number(stepText);
  }
  let start: number;
  let end: number;
  if (base === '*') {
    start = min;
    end = max;
  } else {
    const parts = base.split('-');
    if (parts.length > 2) return `${field}: bad range "${item}"`;
    const a = parseValue(parts[0] ?? '', min, max, names);
    if (a === null) return `${field}: "${parts[0]}" is not a value from ${min} to ${max}`;
    if (parts.length === 2) {
      const b = parseValue(parts[1] ?? '', min, max, names);
      if (b === null) return `${field}: "${parts[1]}" is not a value from ${min} to ${max}`;
      start = a;
      end = b;
    } else {
      start = a;
      // `5/15` means 5, 20, 35, 50: from the value to the end of the field's range.
      end = stepText === undefined ? a : max;
    }
  }
  const span = max - min + 1;
  const length = end >= start ? end - start : end + span - start;
  const out: number[] = [];
  for (let i = 0; i <= length; i += step) out.push(((start - min + i) % span) + min);
  return out;
}

function parsePlain(
  text: string,
  field: string,
  min: number,
  max: number,
  names: readonly string[] | null,
  problems: string[],
): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const parsed = parseItem(item, field, min, max, names);
    if (typeof parsed === 'string') problems.push(parsed);
    else for (const v of parsed) values.add(v);
  }
  return values;
}

function parseDayOfMonth(text: string, problems: string[]): DayOfMonthSpec | null {
  if (text === '?') return null;
  const spec = { all: text === '*', days: new Set<number>(), last: false, lastWeekday: false };
  const nearest: number[] = [];
  if (spec.all) return { ...spec, nearestWeekday: nearest };
  for (const item of text.split(',')) {
    const upper = item.toUpperCase();
    const w = /^(\d+)W$/.exec(upper);
    if (upper === 'L') spec.last = true;
    else if (upper === 'LW') spec.lastWeekday = true;
    else if (w) {
      const n = Number(w[1]);
      if (n < 1 || n > 31) problems.push(`day-of-month: "${item}" needs a day from 1 to 31`);
      else nearest.push(n);
    } else {
      const parsed = parseItem(item, 'day-of-month', 1, 31, null);
      if (typeof parsed === 'string') problems.push(parsed);
      else for (const v of parsed) spec.days.add(v);
    }
  }
  return { ...spec, nearestWeekday: nearest };
}

function parseDayOfWeek(text: string, problems: string[]): DayOfWeekSpec | null {
  if (text === '?') return null;
  const days = new Set<number>();
  const lastOf: number[] = [];
  const nth: { day: number; n: number }[] = [];
  if (text === '*') return { all: true, days, lastOf, nth };
  const items = text.split(',');
  if (text.includes('#') && items.length > 1) {
    problems.push('day-of-week: an expression with # must be the only one in the field');
  }
  for (const item of items) {
    const upper = item.toUpperCase();
    const last = /^(.+)L$/.exec(upper);
    const hash = /^(.+)#(\d+)$/.exec(upper);
    if (upper === 'L') {
      days.add(7);
    } else if (last?.[1]) {
      const day = parseValue(last[1], 1, 7, DAYS);
      if (day === null) problems.push(`day-of-week: "${item}" needs a day from 1 to 7 or SUN-SAT before L`);
      else lastOf.push(day);
    } else if (hash?.[1]) {
      const day = parseValue(hash[1], 1, 7, DAYS);
      const n = Number(hash[2]);
      if (day === null || n < 1 || n > 5)
        problems.push(`day-of-week: "${item}" must be day#n with n from 1 to 5`);
      else nth.push({ day, n });
    } else {
      const parsed = parseItem(item, 'day-of-week', 1, 7, DAYS);
      if (typeof parsed === 'string') problems.push(parsed);
      else for (const v of parsed) days.add(v);
    }
  }
  return { all: false, days, lastOf, nth };
}

/** Parses `cron(...)` with EventBridge's rules; lists every problem found. Pure. */
export function parseCron(expression: string): CronParse {
  const body = /^cron\((.*)\)$/.exec(expression.trim())?.[1];
  if (body === undefined) {
    return {
      kind: 'invalid',
      problems: ['expected cron(minutes hours day-of-month month day-of-week year)'],
    };
  }
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    return { kind: 'invalid', problems: [`expected 6 fields inside cron(...), got ${fields.length}`] };
  const [min = '', hour = '', dom = '', month = '', dow = '', year = ''] = fields;
  const problems: string[] = [];
  if ((dom === '?') === (dow === '?')) problems.push('exactly one of day-of-month and day-of-week must be ?');
  for (const [name, text] of [
    ['minutes', min],
    ['hours', hour],
    ['month', month],
    ['year', year],
  ] as const) {
    if (text.includes('?')) problems.push(`${name}: ? is only allowed in day-of-month and day-of-week`);
  }
  const minutes = parsePlain(min, 'minutes', 0, 59, null, problems);
  const hours = parsePlain(hour, 'hours', 0, 23, null, problems);
  const dayOfMonth = parseDayOfMonth(dom, problems);
  const months = parsePlain(month, 'month', 1, 12, MONTHS, problems);
  const dayOfWeek = parseDayOfWeek(dow, problems);
  const years = parsePlain(year, 'year', MIN_YEAR, MAX_YEAR, null, problems);
  if (problems.length > 0) return { kind: 'invalid', problems };
  return {
    kind: 'ok',
    cron: {
      source: expression.trim(),
      minutes: [...minutes].sort((a, b) => a - b),
      hours: [...hours].sort((a, b) => a - b),
      dayOfMonth,
      months,
      dayOfWeek,
      years,
    },
  };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday … 7 = Saturday (EventBridge numbering). */
function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isWeekday(year: number, month: number, day: number): boolean {
  const d = weekday(year, month, day);
  return d >= 2 && d <= 6;
}

function nearestWeekday(year: number, month: number, target: number): number | null {
  const last = daysInMonth(year, month);
  if (target > last) return null;
  const d = weekday(year, month, target);
  if (d === 7) return target === 1 ? 3 : target - 1; // Saturday: Friday, or Monday the 3rd
  if (d === 1) return target === last ? target - 2 : target + 1; // Sunday: Monday, or Friday before
  return target;
}

function dayMatches(cron: CronExpression, year: number, month: number, day: number): boolean {
  const dom = cron.dayOfMonth;
  if (dom !== null) {
    const last = daysInMonth(year, month);
    let lastWeekday = last;
    while (!isWeekday(year, month, lastWeekday)) lastWeekday--;
    const ok =
      dom.all ||
      dom.days.has(day) ||
      (dom.last && day === last) ||
      (dom.lastWeekday && day === lastWeekday) ||
      dom.nearestWeekday.some((n) => nearestWeekday(year, month, n) === day);
    if (!ok) return false;
  }
  const dow = cron.dayOfWeek;
  if (dow !== null) {
    const d = weekday(year, month, day);
    const ok =
      dow.all ||
      dow.days.has(d) ||
      dow.lastOf.some((x) => x === d && day + 7 > daysInMonth(year, month)) ||
      dow.nth.some((x) => x.day === d && Math.ceil(day / 7) === x.n);
    if (!ok) return false;
  }
  return true;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local calendar fields of an instant in `timeZone`. */
export function localParts(
  timeZone: string,
  instantMs: number,
): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type in out) out[part.type as keyof typeof out] = Number(part.value);
  }
  return out;
}

/** The zone's UTC offset at an instant, in milliseconds (Berlin in winter: +3 600 000). */
export function zoneOffsetMs(timeZone: string, instantMs: number): number {
  const p = localParts(timeZone, instantMs);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instants at which the local wall time occurs in `timeZone`, earliest first: none in a
 * spring-forward gap, two in a fall-back overlap, else one.
 */
export function instantsOfLocalTime(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
): number[] {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const offsets = new Set([
    zoneOffsetMs(timeZone, wall - DAY_MS),
    zoneOffsetMs(timeZone, wall),
    zoneOffsetMs(timeZone, wall + DAY_MS),
  ]);
  const out: number[] = [];
  for (const offset of offsets) {
    const instant = wall - offset;
    if (zoneOffsetMs(timeZone, instant) === offset && !out.includes(instant)) out.push(instant);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Fire times of `cron` in `timeZone` at or after `fromMs`, in order, lazily; ends after 2199.
 * Each matching local minute fires once at its first occurrence; local minutes that do not exist
 * (spring forward) never fire.
 */
export function* fireTimes(cron: CronExpression, timeZone: string, fromMs: number): Generator<number> {
  // Start a day early in local terms so nothing at the edge of `fromMs` is missed.
  const start = localParts(timeZone, fromMs - DAY_MS);
  for (let year = Math.max(start.year, MIN_YEAR); year <= MAX_YEAR; year++) {
    if (!cron.years.has(year)) continue;
    for (let month = year === start.year ? start.month : 1; month <= 12; month++) {
      if (!cron.months.has(month)) continue;
      const firstDay = year === start.year && month === start.month ? start.day : 1;
      for (let day = firstDay; day <= daysInMonth(year, month); day++) {
        if (!dayMatches(cron, year, month, day)) continue;
        const times: number[] = [];
        for (const hour of cron.hours) {
          for (const minute of cron.minutes) {
            const [first] = instantsOfLocalTime(timeZone, year, month, day, hour, minute);
            if (first !== undefined && first >= fromMs) times.push(first);
          }
        }
        times.sort((a, b) => a - b);
        yield* times;
      }
    }
  }
}

function parsedOrThrow(cron: string | CronExpression): CronExpression {
  if (typeof cron !== 'string') return cron;
  const parsed = parseCron(cron);
  if (parsed.kind === 'invalid') throw new RangeError(`invalid cron ${cron}: ${parsed.problems.join('; ')}`);
  return parsed.cron;
}

/**
 * The next `count` fire times of an EventBridge cron expression in `timeZone`, at or after `from`
 * (fewer when the expression ends, e.g. a bounded year). Pure; throws RangeError for an invalid
 * expression (validate configs with `parseCron` first).
 */
export function nextFireTimes(
  cron: string | CronExpression,
  timeZone: string,
  from: Date,
  count: number,
): Date[] {
  const out: Date[] = [];
  if (count <= 0) return out;
  for (const t of fireTimes(parsedOrThrow(cron), timeZone, from.getTime())) {
    out.push(new Date(t));
    if (out.length >= count) break;
  }
  return out;
}
