/** Call, attempt and throttling counters for benchmarks and tests. Process-wide and per client set. */

export interface OperationStats {
  /** Logical calls (one per `client.send`). */
  calls: number;
  /** HTTP attempts, retries included. */
  attempts: number;
  /** Attempts answered with a throttling error. */
  throttled: number;
  /** Calls that failed after the SDK's retries. */
  failed: number;
}

export interface CallStats extends OperationStats {
  /** attempts − calls. */
  retries: number;
  /** Keyed `service:Operation`, e.g. `eks:DescribeNodegroup`. */
  byOperation: Record<string, OperationStats>;
}

/** A mutable counter set. `snapshot` returns a copy. */
export interface CallCounter {
  record(service: string, operation: string, field: keyof OperationStats): void;
  snapshot(): CallStats;
  reset(): void;
}

export function createCallCounter(parent?: CallCounter): CallCounter {
  let byOperation = new Map<string, OperationStats>();
  return {
    record(service, operation, field) {
      const key = `${service}:${operation}`;
      let s = byOperation.get(key);
      if (!s) {
        s = { calls: 0, attempts: 0, throttled: 0, failed: 0 };
        byOperation.set(key, s);
      }
      s[field]++;
      parent?.record(service, operation, field);
    },
    snapshot() {
      const total: OperationStats = { calls: 0, attempts: 0, throttled: 0, failed: 0 };
      const out: Record<string, OperationStats> = {};
      for (const [key, s] of [...byOperation].sort(([a], [b]) => a.localeCompare(b))) {
        out[key] = { ...s };
        total.calls += s.calls;
        total.attempts += s.attempts;
        total.throttled += s.throttled;
        total.failed += s.failed;
      }
      return { ...total, retries: total.attempts - total.calls, byOperation: out };
    },
    reset() {
      byOperation = new Map();
    },
  };
}

const processCounter = createCallCounter();

/** Totals over every client set created in this process since the last `resetCallStats()`. */
export function callStats(): CallStats {
  return processCounter.snapshot();
}

/** Resets the process-wide counters (client sets keep their own). */
export function resetCallStats(): void {
  processCounter.reset();
}

/** The process-wide counter that client sets report to. */
export function processCallCounter(): CallCounter {
  return processCounter;
}
