import type { SandboxClock } from './types/index.ts';

/**
 * The sandbox clock, in one of three modes:
 * - real time (no start given): the process clock plus any `advance` offset;
 * - pinned (`start` given, `running` false): only `set` and `advance` move it;
 * - running from `start` (`running` true): starts at `start` and moves with the monotonic clock
 *   (`performance.now`), never reading the wall clock, so a test that injects a time can give this
 *   one clock to every dependency and still let updates finish in real seconds. `set` re-bases it.
 */
export function createClock(start?: string, options: { running?: boolean } = {}): SandboxClock {
  const monotonic = () => performance.now();
  let fixed: number | null = start === undefined ? null : parseIso(start);
  let runningBase: { at: number; mono: number } | null = null;
  if (fixed !== null && options.running) {
    runningBase = { at: fixed, mono: monotonic() };
    fixed = null;
  }
  let offsetMs = 0;
  return {
    now: () => {
      if (runningBase) return new Date(runningBase.at + (monotonic() - runningBase.mono));
      return new Date(fixed ?? Date.now() + offsetMs);
    },
    set: (iso) => {
      if (runningBase) runningBase = { at: parseIso(iso), mono: monotonic() };
      else fixed = parseIso(iso);
    },
    advance: (seconds) => {
      if (!Number.isFinite(seconds)) throw new RangeError(`advance: not a number of seconds: ${seconds}`);
      if (runningBase) runningBase.at += seconds * 1000;
      else if (fixed === null) offsetMs += seconds * 1000;
      else fixed += seconds * 1000;
    },
  };
}

function parseIso(iso: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`not an ISO 8601 date-time: ${iso}`);
  return t;
}
