/**
 * Wave gates. A node group in wave k takes release R of its line only when every in-scope node
 * group of that line in earlier waves has run R (or newer) successfully for at least the earlier
 * wave's soakDays. A failed rollout of R in an earlier wave holds later waves until that group
 * succeeds on R or an operator approves R for the later wave (after the failure). A wave with
 * `requiresApproval` never takes a release without an approval. Pure.
 */
import { NodegroupStatus } from '../types/fleet.ts';
import type { Approval, Policy, WavePolicy } from '../types/policy.ts';
import { approveCommand, latestApproval } from './approvals.ts';
import { DAY_MS, formatDuration, formatUtc, timeOf } from './format.ts';
import { compareIdentities } from './release.ts';
import type { ScopedGroup } from './scope.ts';

/** A node group that would roll, as the gate sees it. */
export interface GateCandidate {
  key: string;
  family: string;
  release: string;
  /** How the release is shown: the target release version, else the AMI. */
  releaseLabel: string;
  waveIndex: number | null;
  /** ISO creation date of the target image (the soak clock when the ledger has no record). */
  targetCreatedAt: string | null;
}

/** An earlier-wave cluster that could not be inspected (the gate cannot be verified). */
export interface UninspectedCluster {
  label: string;
  waveIndex: number | null;
  message: string;
}

type Hold =
  | { rank: 0; text: string }
  | { rank: 1; text: string }
  | { rank: 2; text: string }
  | { rank: 3; text: string }
  | { rank: 4; text: string; leftMs: number };

function atLeast(family: string, have: string, want: string): boolean {
  const order = compareIdentities(family, have, want);
  return order !== null && order >= 0;
}

function holdFor(
  e: ScopedGroup,
  c: GateCandidate,
  earlier: WavePolicy,
  wave: WavePolicy | null,
  approvals: readonly Approval[],
  now: Date,
): Hold | null {
  const soakMs = earlier.soakDays * DAY_MS;
  // Name the release as the earlier group knows it (another Kubernetes version has another version string).
  const label = e.target?.release === c.release ? e.target.label : c.releaseLabel;
  const facts = e.facts.filter((f) => f.family === c.family);
  const successes = facts
    .filter((f) => f.outcome === 'succeeded' && atLeast(c.family, f.release, c.release))
    .map((f) => timeOf(f.finishedAt) ?? timeOf(f.startedAt))
    .filter((t): t is number => t !== null);
  let soakStart: number | null = successes.length > 0 ? Math.min(...successes) : null;
  let fromImage = false;
  if (soakStart === null && e.currentRelease !== null && atLeast(c.family, e.currentRelease, c.release)) {
    // Runs it, but the ledger has no record (updated or created outside nodekeeper): count the soak
    // from the image's creation date, the earliest it can have run it.
    soakStart = timeOf(c.targetCreatedAt) ?? Number.NEGATIVE_INFINITY;
    fromImage = true;
  }
  if (soakStart !== null) {
    const left = soakStart + soakMs - now.getTime();
    if (left <= 0) return null;
    const note = fromImage ? ' (no ledger record; counted from the image creation date)' : '';
    return {
      rank: 4,
      leftMs: left,
      text: `waits for ${e.label} (wave ${earlier.name}) to soak ${label}: ${formatDuration(left)} left${note}`,
    };
  }
  const failures = facts
    .filter((f) => f.outcome === 'failed' && f.release === c.release)
    .map((f) => timeOf(f.finishedAt) ?? timeOf(f.startedAt) ?? Number.NEGATIVE_INFINITY);
  if (failures.length > 0) {
    const lastFailure = Math.max(...failures);
    const approval = latestApproval(approvals, c.family, c.release, wave?.name ?? null);
    if (approval !== null && (timeOf(approval.at) ?? 0) >= lastFailure) return null;
    const when = Number.isFinite(lastFailure) ? ` at ${formatUtc(lastFailure)}` : '';
    return {
      rank: 0,
      text: `held: ${e.label} (wave ${earlier.name}) failed to roll to ${label}${when}; retry it, or approve with \`${approveCommand(c.release, wave?.name ?? null)}\``,
    };
  }
  const rolling = facts.some(
    (f) => f.outcome === 'started' && f.finishedAt === null && atLeast(c.family, f.release, c.release),
  );
  if (rolling || e.ng.status === NodegroupStatus.updating) {
    return { rank: 3, text: `waits for ${e.label} (wave ${earlier.name}) to finish rolling to ${label}` };
  }
  if (e.ng.status !== NodegroupStatus.active) {
    return {
      rank: 2,
      text: `waits for ${e.label} (wave ${earlier.name}) to run ${label}, but it is ${e.ng.status}; fix it or tag it nodekeeper.io/skip=true`,
    };
  }
  return { rank: 2, text: `waits for ${e.label} (wave ${earlier.name}) to roll to ${label} first` };
}

/**
 * The wave-gate hold for a candidate, as one line, or null when the gate is open. `groups` is the
 * scoped fleet; `uninspected` the clusters that could not be inspected. Pure.
 */
export function waveGateHold(
  c: GateCandidate,
  groups: readonly ScopedGroup[],
  uninspected: readonly UninspectedCluster[],
  policy: Policy,
  now: Date,
): string | null {
  if (c.waveIndex === null) return null;
  const wave = policy.waves[c.waveIndex] ?? null;
  const approvals = policy.approvals ?? [];
  const holds: Hold[] = [];
  for (const u of uninspected) {
    if (u.waveIndex !== null && u.waveIndex < c.waveIndex) {
      const earlier = policy.waves[u.waveIndex];
      holds.push({
        rank: 1,
        text: `cannot check wave ${earlier?.name ?? '?'}: ${u.label} could not be inspected (${u.message})`,
      });
    }
  }
  for (const e of groups) {
    if (!e.inScope || e.key === c.key || e.line !== c.family) continue;
    if (e.waveIndex === null || e.waveIndex >= c.waveIndex) continue;
    const earlier = policy.waves[e.waveIndex];
    if (!earlier) continue;
    const hold = holdFor(e, c, earlier, wave, approvals, now);
    if (hold) holds.push(hold);
  }
  let text: string | null = null;
  if (holds.length > 0) {
    holds.sort((a, b) => a.rank - b.rank || (b.rank === 4 && a.rank === 4 ? b.leftMs - a.leftMs : 0));
    const first = holds[0];
    const more = holds.length - 1;
    text = `${first?.text ?? ''}${more > 0 ? ` (+${more} more node group${more === 1 ? '' : 's'} in earlier waves)` : ''}`;
  }
  if (wave?.requiresApproval && latestApproval(approvals, c.family, c.release, wave.name) === null) {
    const need = `wave ${wave.name} requires an approval: \`${approveCommand(c.release, wave.name)}\``;
    return text === null ? need : `${text}; then ${need}`;
  }
  return text;
}
