import type { SandboxClock } from './types/index.ts';

/**
 * A clock that follows real time (plus any `advance` offset) until `set` pins it; once pinned it
 * only moves by `set` and `advance`.
 */
export function createClock(pinned?: string): SandboxClock {
  let fixed: number | null = pinned === undefined ? null : parseIso(pinned);
  let offsetMs = 0;
  return {
    now: () => new Date(fixed ?? Date.now() + offsetMs),
    set: (iso) => {
      fixed = parseIso(iso);
    },
    advance: (seconds) => {
      if (!Number.isFinite(seconds)) throw new RangeError(`advance: not a number of seconds: ${seconds}`);
      if (fixed === null) offsetMs += seconds * 1000;
      else fixed += seconds * 1000;
    },
  };
}

function parseIso(iso: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`not an ISO 8601 date-time: ${iso}`);
  return t;
}
