import { describe, expect, it } from 'vitest';
import { createBatcher, createFlushGroup } from '../src/batch.ts';
import { createSemaphore } from '../src/limit.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise and the functions that settle it. */
function gate<T = void>() {
  let resolve: (value: T) => void = () => {};
  let reject: (err: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A batcher over a semaphore whose calls answer each key with `value:key`, recording each batch. */
function recordingBatcher(size: number, sem = createSemaphore(4)) {
  const sent: string[][] = [];
  const group = createFlushGroup(sem);
  const batcher = createBatcher<string, string>({
    size,
    flushWhen: group,
    run: (keys) =>
      sem.run(async () => {
        sent.push([...keys]);
        return new Map(keys.map((k) => [k, `value:${k}`]));
      }),
  });
  return { sent, group, batcher, sem };
}

describe('createBatcher', () => {
  describe('when as many keys as one call takes arrive', () => {
    it('sends the full batch at once, without waiting for a flush', async () => {
      const sent: string[][] = [];
      const batcher = createBatcher<string, string>({
        size: 3,
        run: async (keys) => {
          sent.push([...keys]);
          return new Map(keys.map((k) => [k, k.toUpperCase()]));
        },
      });
      const answers = ['a', 'b', 'c', 'd'].map((k) => batcher.get(k));
      expect(sent).toEqual([['a', 'b', 'c']]);
      expect(batcher.pending).toBe(1);
      expect(await Promise.all(answers.slice(0, 3))).toEqual(['A', 'B', 'C']);
      batcher.flush();
      expect(await answers[3]).toBe('D');
      expect(sent).toEqual([['a', 'b', 'c'], ['d']]);
    });
  });

  describe('when a key is asked for again', () => {
    it('answers from the first request and sends it once', async () => {
      const { sent, batcher } = recordingBatcher(10);
      const first = batcher.get('a');
      const again = batcher.get('a');
      expect(again).toBe(first);
      expect(batcher.has('a')).toBe(true);
      expect(await again).toBe('value:a');
      expect(batcher.get('a')).toBe(first);
      await tick();
      expect(sent).toEqual([['a']]);
    });
  });

  describe('when the limiter is idle', () => {
    it('sends a partial batch after the current turn, with every key added in that turn', async () => {
      const { sent, batcher } = recordingBatcher(10);
      const answers = [batcher.get('a'), batcher.get('b')];
      expect(sent).toEqual([]);
      expect(await Promise.all(answers)).toEqual(['value:a', 'value:b']);
      expect(sent).toEqual([['a', 'b']]);
    });
  });

  describe('when the limiter has callers waiting', () => {
    it('holds a partial batch until the queue drains, with the keys added meanwhile', async () => {
      const sem = createSemaphore(1);
      const { sent, batcher } = recordingBatcher(10, sem);
      const busy = gate();
      const queued = gate();
      const holder = sem.run(() => busy.promise);
      const waiter = sem.run(() => queued.promise);
      const a = batcher.get('a');
      await tick();
      const b = batcher.get('b');
      await tick();
      expect(sent).toEqual([]);
      // The last queued caller gets its permit: the queue has drained, and the batch queues behind it.
      busy.resolve();
      await holder;
      await tick();
      expect(sem.waiting).toBe(1);
      queued.resolve();
      await waiter;
      expect(await Promise.all([a, b])).toEqual(['value:a', 'value:b']);
      expect(sent).toEqual([['a', 'b']]);
    });
  });

  describe('when the limiter has more callers waiting than it has permits', () => {
    it('queues a partial batch once the backlog is down to one round of calls', async () => {
      const sem = createSemaphore(1);
      const { sent, batcher } = recordingBatcher(10, sem);
      const gates = [gate(), gate(), gate(), gate()];
      const runs = gates.map((g) => sem.run(() => g.promise));
      const a = batcher.get('a');
      await tick();
      expect(sem.waiting).toBe(3);
      gates[0]?.resolve();
      await tick();
      await tick();
      // Two callers still wait for the one permit: their answers could add keys.
      expect(sem.waiting).toBe(2);
      gates[1]?.resolve();
      await tick();
      await tick();
      // One round left: the batch queues behind it.
      expect(sem.waiting).toBe(2);
      gates[2]?.resolve();
      gates[3]?.resolve();
      await Promise.all(runs);
      expect(await a).toBe('value:a');
      expect(sent).toEqual([['a']]);
    });
  });

  describe('when the rate limiter holds calls back for tokens', () => {
    it('holds a partial batch until no call waits for a token', async () => {
      const sem = createSemaphore(4);
      let pacing = 1;
      const listeners = new Set<() => void>();
      const group = createFlushGroup(sem, undefined, {
        get pacing() {
          return pacing;
        },
        onPaced: (l) => {
          listeners.add(l);
          return () => listeners.delete(l);
        },
      });
      const sent: string[][] = [];
      const batcher = createBatcher<string, string>({
        size: 10,
        flushWhen: group,
        run: (keys) =>
          sem.run(async () => {
            sent.push([...keys]);
            return new Map(keys.map((k) => [k, k]));
          }),
      });
      // A queue that drains to one round while a paced call still holds a permit.
      const paced = gate();
      const busy = gate();
      const held = [sem.run(() => paced.promise), ...[1, 2, 3, 4].map(() => sem.run(() => busy.promise))];
      const a = batcher.get('a');
      busy.resolve();
      await tick();
      await tick();
      expect(sem.waiting).toBe(0);
      expect(sent).toEqual([]);
      pacing = 0;
      for (const l of listeners) l();
      expect(await a).toBe('a');
      expect(sent).toEqual([['a']]);
      paced.resolve();
      await Promise.all(held);
    });
  });

  describe('when a call that feeds the batcher is in flight', () => {
    it('holds a partial batch until its answer is in', async () => {
      const sem = createSemaphore(4);
      const { sent, batcher, group } = recordingBatcher(10, sem);
      const answer = gate<string>();
      const feeding = group.feed(sem.run(() => answer.promise));
      const a = batcher.get('a');
      await tick();
      await tick();
      expect(sent).toEqual([]);
      answer.resolve('b');
      const b = batcher.get(await feeding);
      expect(await Promise.all([a, b])).toEqual(['value:a', 'value:b']);
      expect(sent).toEqual([['a', 'b']]);
    });

    it('sends a member that waits for that source only after the source answered, in one flush', async () => {
      const sem = createSemaphore(4);
      const group = createFlushGroup(sem);
      const sent: string[] = [];
      const names = createBatcher<string, string>({
        size: 10,
        flushWhen: group,
        run: (keys) =>
          group.feed(
            sem.run(async () => {
              sent.push(`names:${keys.join(',')}`);
              return new Map(keys.map((k) => [k, `${k}-image`]));
            }),
            'names',
          ),
      });
      const images = createBatcher<string, string>({
        size: 10,
        flushWhen: group,
        waitsFor: ['names'],
        run: (keys) =>
          sem.run(async () => {
            sent.push(`images:${keys.join(',')}`);
            return new Map(keys.map((k) => [k, k]));
          }),
      });
      const early = images.get('x-image');
      const resolved = names.get('y').then((image) => images.get(image ?? ''));
      expect(await Promise.all([early, resolved])).toEqual(['x-image', 'y-image']);
      expect(sent).toEqual(['names:y', 'images:x-image,y-image']);
    });
  });

  describe('when a batch fails', () => {
    it('rejects every key of that batch only, and later batches still answer', async () => {
      let calls = 0;
      const batcher = createBatcher<string, string>({
        size: 2,
        run: async (keys) => {
          calls += 1;
          if (calls === 1) throw new Error('AccessDenied');
          return new Map(keys.map((k) => [k, k]));
        },
      });
      const failed = [batcher.get('a'), batcher.get('b')];
      const ok = batcher.get('c');
      batcher.flush();
      await expect(failed[0]).rejects.toThrow('AccessDenied');
      await expect(failed[1]).rejects.toThrow('AccessDenied');
      expect(await ok).toBe('c');
    });

    it('rejects the batch when `run` throws before returning a promise', async () => {
      const batcher = createBatcher<string, string>({
        size: 1,
        run: () => {
          throw new Error('bad input');
        },
      });
      await expect(batcher.get('a')).rejects.toThrow('bad input');
    });
  });

  describe('when the API leaves a key out of its answer', () => {
    it('answers that key with undefined', async () => {
      const batcher = createBatcher<string, string>({
        size: 2,
        run: async () => new Map([['a', 'A']]),
      });
      const answers = [batcher.get('a'), batcher.get('missing')];
      expect(await Promise.all(answers)).toEqual(['A', undefined]);
    });
  });

  describe('when disposed', () => {
    it('no longer flushes with its group but still answers an explicit flush', async () => {
      const { sent, batcher } = recordingBatcher(10);
      batcher.dispose();
      const a = batcher.get('a');
      await tick();
      await tick();
      expect(sent).toEqual([]);
      batcher.flush();
      expect(await a).toBe('value:a');
    });
  });
});

describe('createSemaphore priorities and idleness', () => {
  it('serves the highest priority first, in arrival order within one', async () => {
    const sem = createSemaphore(1);
    const busy = gate();
    const order: string[] = [];
    const first = sem.run(() => busy.promise);
    const runs = [
      sem.run(async () => void order.push('low-1'), 0),
      sem.run(async () => void order.push('high-1'), 2),
      sem.run(async () => void order.push('mid'), 1),
      sem.run(async () => void order.push('high-2'), 2),
      sem.run(async () => void order.push('low-2'), 0),
    ];
    expect(sem.waiting).toBe(5);
    busy.resolve();
    await Promise.all([first, ...runs]);
    expect(order).toEqual(['high-1', 'high-2', 'mid', 'low-1', 'low-2']);
    expect(sem.idle).toBe(true);
  });

  it('tells its listeners when its backlog is down to one round of calls and when it becomes idle', async () => {
    const sem = createSemaphore(1);
    const seen: string[] = [];
    const stop = sem.onIdle(() => seen.push(sem.idle ? 'idle' : `drained, ${sem.active} active`));
    const busy = gate();
    const a = sem.run(() => busy.promise);
    const b = sem.run(async () => undefined);
    busy.resolve();
    await Promise.all([a, b]);
    expect(seen).toEqual(['drained, 1 active', 'idle']);
    stop();
    await sem.run(async () => undefined);
    expect(seen).toHaveLength(2);
  });
});
