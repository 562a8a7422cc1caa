/**
 * Per-suite figures for docs/reliability.md. Each test file adds its rows and writes one JSON file
 * under test-artifacts/reliability/ (NODEKEEPER_TEST_ARTIFACTS overrides the root);
 * scripts/reliability-report.ts renders the document from them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export function reliabilityDir(): string {
  const root = process.env.NODEKEEPER_TEST_ARTIFACTS ?? join(repoRoot, 'test-artifacts');
  return resolve(root, 'reliability');
}

/** One fault class (or scenario) row. */
export interface FaultRow {
  suite: 'faults';
  name: string;
  runs: number;
  faultsInjected: number;
  invariantsChecked: number;
  invariantsHeld: number;
  /** Fault kinds exercised, e.g. ["throttle", "5xx", "reset", "slow"]. */
  faults: string[];
  /** "<fault>: <invariant>" pairs known not to hold (open findings). */
  knownGaps: string[];
}

/** One fuzzed edge. */
export interface FuzzRow {
  suite: 'fuzz';
  name: string;
  /** fast-check numRuns per property. */
  numRuns: number;
  cases: number;
  crashes: number;
  properties: number;
}

export type SummaryRow = FaultRow | FuzzRow;

/** Accumulates rows of one kind under `name` and writes `<suite>-<name>.json` on `write()`. */
export function faultSummary(name: string) {
  const row: FaultRow = {
    suite: 'faults',
    name,
    runs: 0,
    faultsInjected: 0,
    invariantsChecked: 0,
    invariantsHeld: 0,
    faults: [],
    knownGaps: [],
  };
  return {
    row,
    add(run: {
      fault: string;
      faultsInjected: number;
      checks: Record<string, string[]>;
      gaps?: readonly string[];
    }) {
      for (const gap of run.gaps ?? []) {
        const entry = `${run.fault}: ${gap}`;
        if (!row.knownGaps.includes(entry)) row.knownGaps.push(entry);
      }
      row.runs += 1;
      row.faultsInjected += run.faultsInjected;
      const values = Object.values(run.checks);
      row.invariantsChecked += values.length;
      row.invariantsHeld += values.filter((p) => p.length === 0).length;
      if (!row.faults.includes(run.fault)) row.faults.push(run.fault);
    },
    write() {
      writeRow(row);
    },
  };
}

export function writeRow(row: SummaryRow): void {
  const dir = reliabilityDir();
  mkdirSync(dir, { recursive: true });
  const mode = row.suite === 'fuzz' && row.numRuns >= 10_000 ? '-long' : '';
  writeFileSync(join(dir, `${row.suite}-${row.name}${mode}.json`), `${JSON.stringify(row, null, 2)}\n`);
}

/** NODEKEEPER_FAULT_RUNS: repetitions of each (class, fault); default 1. */
export function faultRuns(): number {
  const n = Number(process.env.NODEKEEPER_FAULT_RUNS ?? '1');
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 1000) : 1;
}
