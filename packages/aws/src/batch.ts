/**
 * Collects keys into batches for APIs that take many keys per call (GetParameters: 10, DescribeImages).
 * A batch is sent as soon as it is full; `flush` sends the rest. Each key is requested once.
 * The number of calls is therefore ceil(distinct keys / size) as long as `flush` is called once,
 * after the last key was added.
 */
export interface Batcher<K, V> {
  /** The value for `key` (undefined when the API did not return it); rejects when its batch failed. */
  get(key: K): Promise<V | undefined>;
  /** Sends the keys waiting in a partial batch. */
  flush(): void;
  /** Whether `key` was requested already. */
  has(key: K): boolean;
}

export function createBatcher<K, V>(options: {
  size: number;
  run: (keys: K[]) => Promise<Map<K, V>>;
}): Batcher<K, V> {
  const results = new Map<K, Promise<V | undefined>>();
  let pending: Array<{ key: K; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }> = [];

  const send = (): void => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    options.run(batch.map((b) => b.key)).then(
      (values) => {
        for (const b of batch) b.resolve(values.get(b.key));
      },
      (err: unknown) => {
        for (const b of batch) b.reject(err);
      },
    );
  };

  return {
    has: (key) => results.has(key),
    get(key) {
      const known = results.get(key);
      if (known) return known;
      const p = new Promise<V | undefined>((resolve, reject) => pending.push({ key, resolve, reject }));
      // Callers may look at the promise late; keep a rejection from being reported as unhandled meanwhile.
      p.catch(() => undefined);
      results.set(key, p);
      if (pending.length >= options.size) send();
      return p;
    },
    flush: send,
  };
}
