/**
 * fast-check settings and bookkeeping for the fuzz suites. NODEKEEPER_FUZZ_RUNS (set by
 * `npm run test:fuzz -- --runs N`, see test/fuzz/run.ts) is fast-check's numRuns per property;
 * default 300 (CI). Each edge writes its figures to test-artifacts/reliability/.
 */
import fc from 'fast-check';
import { writeRow } from '../../faults/support/summary.ts';

export const FUZZ_SEED_ENV = 'NODEKEEPER_FUZZ_SEED';

/** numRuns per property. */
export function fuzzRuns(): number {
  const n = Number(process.env.NODEKEEPER_FUZZ_RUNS ?? '300');
  return Number.isInteger(n) && n >= 1 ? n : 300;
}

/** Bookkeeping for one edge: counts cases and crashes, writes the row. */
export function fuzzEdge(name: string) {
  const row = { suite: 'fuzz' as const, name, numRuns: fuzzRuns(), cases: 0, crashes: 0, properties: 0 };
  const seed = process.env[FUZZ_SEED_ENV] ? Number(process.env[FUZZ_SEED_ENV]) : undefined;
  return {
    /** fast-check parameters: numRuns, and the seed when NODEKEEPER_FUZZ_SEED replays one. */
    params: (): fc.Parameters<unknown> => ({ numRuns: row.numRuns, ...(seed !== undefined ? { seed } : {}) }),
    /** Wraps a property body: counts the case, and counts a crash when it throws. */
    count<A extends unknown[], R>(body: (...args: A) => R): (...args: A) => R {
      return (...args: A) => {
        row.cases += 1;
        try {
          const out = body(...args);
          if (out instanceof Promise) {
            return out.catch((error: unknown) => {
              row.crashes += 1;
              throw error;
            }) as R;
          }
          return out;
        } catch (error) {
          row.crashes += 1;
          throw error;
        }
      };
    },
    property() {
      row.properties += 1;
    },
    write() {
      writeRow(row);
    },
  };
}

/** Strings that hurt: control characters, mrkdwn, HTML entities, unicode, very long. */
export function nastyString(maxLength = 200): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.constantFrom(
      '',
      ' ',
      '<!channel>',
      '<!here>',
      '<!everyone>',
      '<@U0123ABCD>',
      '<#C0123|general>',
      '<http://evil.example|click>',
      '<https://hooks.slack.com/services/T/B/x|a>',
      '*bold* _it_ ~s~ `c` ```b```',
      '&lt;!channel&gt;',
      '\u0000\u0007\u001b[31m',
      '\u202e\u200b',
      '../../etc/passwd',
      '$'.concat('{process.exit(1)}'),
      '{"__proto__":{"x":1}}',
      'x'.repeat(5000),
    ),
  );
}

/** Arbitrary JSON-ish values, including prototype-pollution keys. */
export function anyJson(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.jsonValue(),
    fc.constant(undefined),
    fc.constant(null),
    fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString'), fc.jsonValue()),
  );
}
