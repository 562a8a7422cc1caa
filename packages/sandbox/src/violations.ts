import type { RequestViolation } from './protocol/validate.ts';

/**
 * The process-wide registry of request violations: every sandbox started in this process (and any
 * remote sandbox a test registers) is a source; a test guard drains them all after each test.
 * It lives on `globalThis` so that two copies of this module (a bundler, a test runner that loads
 * the package twice) still share it. Depends on nothing heavy: test setup files import it.
 */

export type { RequestViolation } from './protocol/validate.ts';

/** Something that holds violations until asked for them (and forgets them once taken). */
export interface ViolationSource {
  take(): RequestViolation[] | Promise<RequestViolation[]>;
}

interface Registry {
  sources: Set<ViolationSource>;
  /** Violations of sources that were unregistered (closed sandboxes) before anyone took them. */
  orphaned: RequestViolation[];
}

const KEY = Symbol.for('nodekeeper.sandbox.violations');

function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  g[KEY] ??= { sources: new Set(), orphaned: [] };
  return g[KEY];
}

/**
 * Registers a source. The returned function unregisters it, keeping `remaining` (what the source
 * still held) for the next `takeSandboxViolations`.
 */
export function registerViolationSource(
  source: ViolationSource,
): (remaining?: readonly RequestViolation[]) => void {
  const r = registry();
  r.sources.add(source);
  return (remaining = []) => {
    r.sources.delete(source);
    r.orphaned.push(...remaining);
  };
}

/** Drains the violations of every sandbox in this process (and of registered remote ones). */
export async function takeSandboxViolations(): Promise<RequestViolation[]> {
  const r = registry();
  const out = r.orphaned.splice(0);
  for (const s of [...r.sources]) out.push(...(await s.take()));
  return out;
}

/** The error a test guard throws: one line per violation, naming operation, member and rule. */
export function violationsError(violations: readonly RequestViolation[]): Error {
  const lines = violations.map((v) => `  - ${describeViolation(v)}`);
  const error = new Error(
    `${violations.length} sandbox request${violations.length === 1 ? '' : 's'} broke the AWS service model ` +
      `(a test that means to send one takes it with sandbox.takeViolations()):\n${lines.join('\n')}`,
  );
  error.name = 'SandboxModelViolation';
  return error;
}

/** One line: service, operation, member (and wire name), rule, constraint, value, effect. */
export function describeViolation(v: RequestViolation): string {
  const where = v.path === '' ? '(request)' : v.path;
  const wire = v.wireName !== '' && v.wireName !== v.path ? ` [${v.wireName}]` : '';
  const got = v.value === undefined ? '' : `; got '${v.value}'`;
  const effect = v.rejected ? 'rejected' : 'AWS ignores it';
  return `${v.service} ${v.operation} ${where}${wire}: ${v.rule}: ${v.constraint}${got} (${effect})`;
}
