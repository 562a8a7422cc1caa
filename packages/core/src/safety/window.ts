/**
 * Maintenance windows: each fire of the schedule's cron opens a window of `windowMinutes`; a scan
 * at `now` is inside when some fire time t has t ≤ now < t + windowMinutes. Overlapping windows
 * (a cron that fires every 30 minutes with windowMinutes ≥ 30) merge into one. Pure.
 */
import type { WindowPolicy } from '../types/policy.ts';
import { type CronExpression, fireTimes, localParts, parseCron } from './cron.ts';

const MINUTE_MS = 60_000;
/** Bound on merged fires per window (one per minute for a day is 1 440). */
const MAX_MERGED_FIRES = 2_000;

/** Where `now` stands relative to the maintenance window. */
export type WindowState =
  | { kind: 'inside'; openedAt: Date; closesAt: Date }
  | { kind: 'outside'; nextOpensAt: Date | null; nextClosesAt: Date | null };

/** One (merged) maintenance window. `scans` counts the cron fires in it. */
export interface MaintenanceWindow {
  opensAt: Date;
  closesAt: Date;
  scans: number;
}

function cronOf(window: WindowPolicy): CronExpression {
  const parsed = parseCron(window.cron);
  if (parsed.kind === 'invalid') {
    throw new RangeError(`invalid schedule cron ${window.cron}: ${parsed.problems.join('; ')}`);
  }
  return parsed.cron;
}

/** Merges fires from `first` on while the next fire starts before (or as) the current window ends. */
function mergeFrom(
  first: number,
  fires: Iterator<number>,
  length: number,
): { window: MaintenanceWindow; next: number | null } {
  let end = first + length;
  let scans = 1;
  let next: number | null = null;
  for (let i = 0; i < MAX_MERGED_FIRES; i++) {
    const r = fires.next();
    if (r.done) break;
    if (r.value <= end) {
      end = Math.max(end, r.value + length);
      scans++;
    } else {
      next = r.value;
      break;
    }
  }
  return { window: { opensAt: new Date(first), closesAt: new Date(end), scans }, next };
}

/** How far back to look for the start of a window that is open now (merged windows rarely span days). */
const LOOKBACK_MS = 2 * 86_400_000;

/** Merged windows that are still open at or after `fromMs`, in order, lazily. */
function* windowsFrom(
  cron: CronExpression,
  timeZone: string,
  length: number,
  fromMs: number,
): Generator<MaintenanceWindow> {
  const fires = fireTimes(cron, timeZone, fromMs - length - LOOKBACK_MS);
  let first = fires.next();
  let start: number | null = first.done ? null : first.value;
  while (start !== null) {
    const { window, next } = mergeFrom(start, fires, length);
    if (window.closesAt.getTime() > fromMs) yield window;
    start = next;
    if (next === null) {
      first = fires.next();
      start = first.done ? null : first.value;
    }
  }
}

/**
 * Where `now` stands: inside (since when, until when; overlapping fires merged) or outside (when
 * the next window opens and closes; null when the cron never fires again). Pure; throws RangeError
 * for an invalid cron (the config schema rejects those).
 */
export function windowState(window: WindowPolicy, now: Date): WindowState {
  const t = now.getTime();
  const next = windowsFrom(cronOf(window), window.timezone, window.windowMinutes * MINUTE_MS, t).next();
  if (next.done) return { kind: 'outside', nextOpensAt: null, nextClosesAt: null };
  const w = next.value;
  if (w.opensAt.getTime() <= t) return { kind: 'inside', openedAt: w.opensAt, closesAt: w.closesAt };
  return { kind: 'outside', nextOpensAt: w.opensAt, nextClosesAt: w.closesAt };
}

/** True when a fire time t exists with t ≤ now < t + windowMinutes. Pure. */
export function isInsideWindow(window: WindowPolicy, now: Date): boolean {
  return windowState(window, now).kind === 'inside';
}

/**
 * The next `count` maintenance windows still open at or after `from` (a window open at `from`
 * comes first, with its real opening time), overlapping fires merged. Pure.
 */
export function nextWindows(window: WindowPolicy, from: Date, count: number): MaintenanceWindow[] {
  const out: MaintenanceWindow[] = [];
  if (count <= 0) return out;
  for (const w of windowsFrom(
    cronOf(window),
    window.timezone,
    window.windowMinutes * MINUTE_MS,
    from.getTime(),
  )) {
    out.push(w);
    if (out.length >= count) break;
  }
  return out;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `Tue 2026-11-24 03:00` in `timeZone`. Pure. */
export function formatLocalTime(date: Date, timeZone: string): string {
  const p = localParts(timeZone, date.getTime());
  const day = WEEKDAYS[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()];
  return `${day} ${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** `Tue 2026-11-24 03:00 Europe/Berlin (02:00 UTC)`: a moment in local time and in UTC. Pure. */
export function describeMoment(date: Date, timeZone: string): string {
  const utc = formatLocalTime(date, 'UTC');
  const local = formatLocalTime(date, timeZone);
  const sameDay = utc.slice(0, 14) === local.slice(0, 14);
  return `${local} ${timeZone} (${sameDay ? utc.slice(15) : utc} UTC)`;
}
