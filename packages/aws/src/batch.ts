/**
 * Collects keys into batches for APIs that take many keys per call (GetParameters: 10, DescribeImages).
 * A batch is sent as soon as it is full; `flush` sends the rest. Each key is requested once.
 * With `flushWhen`, a partial batch is also sent when its group flushes (the limiter idles or its
 * backlog is down to a round, see {@link FlushGroup}); keys that arrive meanwhile join the batch. Without it, the number of
 * calls is ceil(distinct keys / size) as long as `flush` is called once, after the last key was added.
 */
export interface Batcher<K, V> {
  /** The value for `key` (undefined when the API did not return it); rejects when its batch failed. */
  get(key: K): Promise<V | undefined>;
  /** Sends the keys waiting in a partial batch. */
  flush(): void;
  /** Whether `key` was requested already. */
  has(key: K): boolean;
  /** Keys waiting in the partial batch. */
  readonly pending: number;
  /** Leaves its `flushWhen` group (the batcher still answers `get` and `flush`). */
  dispose(): void;
}

/** What a batcher watches to send partial batches: a limiter (a `Semaphore` satisfies it). */
export interface IdleSignal {
  /** No call in flight or waiting. */
  readonly idle: boolean;
  /** Callers waiting for a permit. */
  readonly waiting: number;
  /** Calls the limiter runs at once. */
  readonly permits: number;
  /** Called when the limiter becomes idle or its backlog is down to one round of calls (`permits`). */
  onIdle(listener: () => void): () => void;
}

/**
 * Sends the partial batches of its batchers together: when the limiter idles, or, once it has had
 * a backlog, whenever at most one round of calls (`permits`) still waits; never while a call that
 * feeds the batchers (a batch or lookup whose answer adds keys) is in flight, nor, short of idleness,
 * while the clients' rate limiter holds calls back for tokens (then the queue's tail is paced and
 * a round of calls takes far longer than a latency). So a partial batch
 * waits for the answers that would grow it, not for the stage it belongs to, and leaves about one
 * latency before the last queued calls end. A key that arrives after its batch left goes in the
 * next one: the call count is minimal when that last round adds no new key. Batchers of one
 * inspection share one group: one batch's call does not hold back another's.
 */
export interface FlushGroup {
  /** Asks for a flush at the next such moment (at once, after this turn, if it is one now). */
  request(): void;
  /**
   * Adds a member's flush; returns a removal. `waitsFor`: the sources (see `feed`) whose calls can
   * add keys to this member even when sent in the same flush (its batch then waits for their answers).
   */
  add(flush: () => void, options?: { waitsFor?: readonly string[] }): () => void;
  /**
   * Marks `call` as one whose answer may add keys: partial batches wait until it settles. `source`
   * names it for members' `waitsFor`. Returns `call`.
   */
  feed<R>(call: Promise<R>, source?: string): Promise<R>;
  dispose(): void;
}

/**
 * The client-side rate limiter seen by a flush group: while calls wait for a token, the queue's
 * tail is paced (a round of calls takes far longer than one latency), so partial batches wait.
 */
export interface PacingSignal {
  /** Calls waiting for a token now. */
  readonly pacing: number;
  /** Called when no call waits for a token any more. */
  onPaced(listener: () => void): () => void;
}

export function createFlushGroup(
  signal: IdleSignal,
  /** Lets keys added in the same turn of the event loop join the batch. Default: setImmediate. */
  defer: (fn: () => void) => void = (fn) => void setImmediate(fn),
  /** The clients' rate limiter, if any: no partial batch leaves while calls wait for its tokens. */
  paced: PacingSignal | null = null,
): FlushGroup {
  const members = new Set<{ flush: () => void; waitsFor: readonly string[] }>();
  const feedingBy = new Map<string, number>();
  let requested = false;
  let scheduled = false;
  // Set once the limiter's backlog is down to a round: from then on a short queue is the tail of
  // the work. Before it (a small fleet that never queues), only idleness flushes.
  let drained = false;
  let feeding = 0;
  const ready = (): boolean =>
    feeding === 0 &&
    (signal.idle || (drained && signal.waiting <= signal.permits && (paced?.pacing ?? 0) === 0));
  const run = (): void => {
    scheduled = false;
    if (!requested || !ready()) return;
    requested = false;
    // Every partial batch in one pass (one batch's call must not hold back another's), except a
    // member whose source was just sent: it asks again and goes when that answer is in.
    for (const member of [...members]) {
      if (member.waitsFor.some((source) => (feedingBy.get(source) ?? 0) > 0)) requested = true;
      else member.flush();
    }
  };
  const schedule = (): void => {
    if (scheduled || !requested) return;
    scheduled = true;
    defer(run);
  };
  const unsubscribeIdle = signal.onIdle(() => {
    if (!signal.idle) drained = true;
    schedule();
  });
  const unsubscribePaced = paced?.onPaced(schedule) ?? (() => undefined);
  return {
    request() {
      requested = true;
      if (ready()) schedule();
    },
    add(flush, options = {}) {
      const member = { flush, waitsFor: options.waitsFor ?? [] };
      members.add(member);
      return () => members.delete(member);
    },
    feed(call, source) {
      feeding += 1;
      if (source !== undefined) feedingBy.set(source, (feedingBy.get(source) ?? 0) + 1);
      const settled = (): void => {
        feeding -= 1;
        if (source !== undefined) feedingBy.set(source, (feedingBy.get(source) ?? 1) - 1);
        // Its answer's keys are added in this turn; the deferred run sends them with the rest.
        if (feeding === 0) schedule();
      };
      call.then(settled, settled);
      return call;
    },
    dispose() {
      unsubscribeIdle();
      unsubscribePaced();
      members.clear();
    },
  };
}

export function createBatcher<K, V>(options: {
  size: number;
  run: (keys: K[]) => Promise<Map<K, V>>;
  /** Sends a partial batch when this group flushes; without it, only `flush` does. */
  flushWhen?: FlushGroup;
  /** Sources (`FlushGroup.feed`) whose answers add keys to this batcher even when sent in the same flush. */
  waitsFor?: readonly string[];
}): Batcher<K, V> {
  const size = Math.max(1, Math.floor(options.size) || 1);
  const group = options.flushWhen ?? null;
  const results = new Map<K, Promise<V | undefined>>();
  let pending: Array<{ key: K; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }> = [];

  const send = (): void => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    let sent: Promise<Map<K, V>>;
    try {
      sent = options.run(batch.map((b) => b.key));
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (values) => {
        for (const b of batch) b.resolve(values.get(b.key));
      },
      (err: unknown) => {
        for (const b of batch) b.reject(err);
      },
    );
  };
  const remove = group?.add(send, { waitsFor: options.waitsFor ?? [] }) ?? (() => undefined);

  return {
    has: (key) => results.has(key),
    get pending() {
      return pending.length;
    },
    get(key) {
      const known = results.get(key);
      if (known) return known;
      const p = new Promise<V | undefined>((resolve, reject) => pending.push({ key, resolve, reject }));
      // Callers may look at the promise late; keep a rejection from being reported as unhandled meanwhile.
      p.catch(() => undefined);
      results.set(key, p);
      if (pending.length >= size) send();
      else group?.request();
      return p;
    },
    flush: send,
    dispose: () => {
      remove();
    },
  };
}
