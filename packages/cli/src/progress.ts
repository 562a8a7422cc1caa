import type { FleetTarget } from '@nodekeeper/core/config';
import type { PlanProgress } from '@nodekeeper/core/plan';

function where(t: FleetTarget): string {
  return t.accountId ? `${t.accountId}/${t.region}` : t.region;
}

/** One status line: targets, clusters and node groups done so far. Pure. */
export function planProgressLine(p: PlanProgress): string {
  const clusters = p.clustersTotal > 0 ? `${p.clustersDone}/${p.clustersTotal} clusters` : 'listing clusters';
  return `inspecting: ${p.targetsDone}/${p.targetsTotal} regions, ${clusters}, ${p.nodegroupsDone} node groups`;
}

export interface PlanProgressRenderer {
  onProgress(p: PlanProgress): void;
  /** Clears the live line (call before printing the result). */
  done(): void;
}

/**
 * Renders the plan pipeline's progress on stderr. `live` (stderr is a terminal): one status line
 * redrawn in place, and one line per finished target. Otherwise (`--progress` to a file or pipe):
 * a line whenever the counts change.
 */
export function planProgressRenderer(write: (text: string) => void, live: boolean): PlanProgressRenderer {
  let shown = false;
  let last = '';
  const clear = () => {
    if (shown) write('\r\x1b[K');
    shown = false;
  };
  return {
    onProgress(p) {
      const line = planProgressLine(p);
      if (live) {
        if (p.phase === 'inspected') {
          clear();
          write(`inspected ${where(p.target)}\n`);
        }
        write(`\r\x1b[K${line}`);
        shown = true;
      } else if (line !== last) {
        write(`${line}\n`);
      }
      last = line;
    },
    done: clear,
  };
}
