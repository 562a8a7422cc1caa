import type { RolloutProgress, RolloutRequest } from '@nodekeeper/core/rollout';
import { ExitCode } from './types/index.ts';

interface Tracked {
  name: string;
  region: string;
  updateId: string | null;
  /** Resolves once the rollout has recorded its start (or ended). */
  started: Promise<void>;
  markStarted: () => void;
}

function nodegroupKey(r: Pick<RolloutRequest, 'accountId' | 'region' | 'cluster' | 'nodegroup'>): string {
  return `${r.accountId ?? '-'}/${r.region}/${r.cluster}/${r.nodegroup}`;
}

/**
 * What a `roll --apply` run has in flight, per node group: rollouts still before their start, and
 * updates it follows. Feeds the message printed when the run is interrupted.
 */
export class RolloutTracker {
  readonly #tracked = new Map<string, Tracked>();
  /** The command that runs them (`roll`, `rollback`), as the interrupt message names it. */
  readonly #command: string;

  constructor(command = 'roll') {
    this.#command = command;
  }

  /** A rollout of this node group begins (guard and start come next). */
  begin(request: RolloutRequest): void {
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    this.#tracked.set(nodegroupKey(request), {
      name: `${request.cluster}/${request.nodegroup}`,
      region: request.region,
      updateId: null,
      started,
      markStarted,
    });
  }

  /** Follows the program's progress: an update starts (or is adopted), an outcome is known. */
  observe(p: RolloutProgress): void {
    const key = nodegroupKey(p.request);
    if (p.kind === 'forced-retry') this.begin(p.request);
    const t = this.#tracked.get(key);
    if (t === undefined) return;
    if (p.kind === 'started') {
      t.updateId = p.updateId;
      t.markStarted();
    } else if (p.kind === 'outcome' || (p.kind === 'not-recorded' && p.what === 'outcome')) {
      this.end(p.request);
    }
  }

  /** The rollout of this node group ended (or returned without following its update). */
  end(request: Pick<RolloutRequest, 'accountId' | 'region' | 'cluster' | 'nodegroup'>): void {
    const key = nodegroupKey(request);
    this.#tracked.get(key)?.markStarted();
    this.#tracked.delete(key);
  }

  /** Waits (at most `ms`) for rollouts between their guard and the record of their start. */
  async settleStarts(ms: number): Promise<void> {
    const starting = [...this.#tracked.values()].filter((t) => t.updateId === null);
    if (starting.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(starting.map((t) => t.started)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }

  /** The lines printed on interrupt: what still runs in EKS and how to follow it. */
  report(rerun: string): string {
    const all = [...this.#tracked.values()].sort((a, b) => a.name.localeCompare(b.name));
    const running = all.filter((t) => t.updateId !== null);
    const starting = all.filter((t) => t.updateId === null);
    const lines: string[] = [];
    if (running.length === 0 && starting.length === 0) {
      lines.push(`nodekeeper ${this.#command}: interrupted; no update was running.`);
      return `${lines.join('\n')}\n`;
    }
    lines.push(
      `nodekeeper ${this.#command}: interrupted. nodekeeper stopped following these updates; EKS goes on with them:`,
    );
    const width = Math.max(...running.map((t) => t.name.length), 0);
    for (const t of running) lines.push(`  ${t.name.padEnd(width)}  ${t.region}  update ${t.updateId}`);
    if (starting.length > 0) {
      lines.push(
        `Not yet recorded as started: ${starting.map((t) => t.name).join(', ')} (a rerun checks EKS for an update they sent).`,
      );
    }
    lines.push(
      'Their ledger records stay `started`. To follow each to its end in EKS, record and report it',
      '(no update is started twice), run again:',
      `  ${rerun}`,
      'To see them: nodekeeper history',
    );
    return `${lines.join('\n')}\n`;
  }
}

/**
 * Runs `handler` on the first SIGINT, then exits with its code; a second SIGINT exits at once.
 * Returns the function that removes the handler again.
 */
export function onInterrupt(handler: () => Promise<number>): () => void {
  const listener = () => {
    process.once('SIGINT', () => process.exit(ExitCode.interrupted));
    handler().then(
      (code) => process.exit(code),
      () => process.exit(ExitCode.interrupted),
    );
  };
  process.once('SIGINT', listener);
  return () => process.off('SIGINT', listener);
}
