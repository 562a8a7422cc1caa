/** Small formatting helpers for hold messages. Pure. */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** `45 min`, `22 h`, `3 d 4 h`: rounded up, so a wait is never understated. Pure. */
export function formatDuration(ms: number): string {
  if (ms < HOUR_MS) return `${Math.max(1, Math.ceil(ms / MINUTE_MS))} min`;
  if (ms < 2 * DAY_MS) return `${Math.ceil(ms / HOUR_MS)} h`;
  const hours = Math.ceil(ms / HOUR_MS);
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest === 0 ? `${days} d` : `${days} d ${rest} h`;
}

/** `2026-11-21 03:40 UTC`. Pure. */
export function formatUtc(iso: string | number | Date): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Milliseconds of an ISO time, or null. */
export function timeOf(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

export { DAY_MS, HOUR_MS };
