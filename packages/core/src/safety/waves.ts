/**
 * Wave gates. A node group in wave k takes release R of its line only when every in-scope node
 * group of that line in earlier waves that *can take* R has run R (or newer) successfully for at
 * least the earlier wave's soakDays. A group can take R when it runs R or newer, rolled (or tried)
 * R or newer, or its own target is R or newer; a group whose newest image for its Kubernetes
 * version and architecture is older than R is not waited for. When no earlier-wave group can take
 * R, the wave's `unprovenRelease` decides: `roll` (default, with a note) or `hold` until approved.
 * A failed rollout of R in an earlier wave holds later waves until that group succeeds on R or an
 * operator approves R for the later wave (after the failure). A wave with `requiresApproval` never
 * takes a release without an approval. Pure.
 */
import { followsClusterVersion, parseMinor } from '../kubernetes-version.ts';
import { NodegroupStatus } from '../types/fleet.ts';
import type { Approval, Policy, WavePolicy } from '../types/policy.ts';
import { approveCommand, latestApproval } from './approvals.ts';
import { DAY_MS, formatDuration, formatUtc, timeOf } from './format.ts';
import { compareIdentities, releaseName } from './release.ts';
import type { ScopedGroup } from './scope.ts';

/** A node group that would roll, as the gate sees it. */
export interface GateCandidate {
  key: string;
  family: string;
  release: string;
  waveIndex: number | null;
  /** ISO creation date of the target image (the soak clock when the ledger has no record). */
  targetCreatedAt: string | null;
  /**
   * A version upgrade: the Kubernetes minor it moves to. Earlier waves must also have run that
   * minor for their soak (see {@link versionHolds}). Absent or null: a rollout on the group's own minor.
   */
  kubernetesVersion?: string | null;
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

/** True when `e` can take release `c.release`: it runs, ran or tried it (or newer), or its own target is it or newer. */
function canTake(e: ScopedGroup, c: GateCandidate): boolean {
  if (e.currentRelease !== null && atLeast(c.family, e.currentRelease, c.release)) return true;
  if (e.facts.some((f) => f.family === c.family && atLeast(c.family, f.release, c.release))) return true;
  return e.target !== null && atLeast(c.family, e.target.release, c.release);
}

/** How `e` names release `c.release`: its own release version of it when known, else the release's name. */
function labelFor(e: ScopedGroup, c: GateCandidate): string {
  if (e.target?.release === c.release) return e.target.label;
  const fact = e.facts.find((f) => f.family === c.family && f.release === c.release && f.version);
  return fact?.version ?? releaseName(c.family, c.release);
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
  const label = labelFor(e, c);
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
      text: `held: ${e.label} (wave ${earlier.name}) failed to roll to ${label}${when}; retry it (\`nodekeeper retry ${e.label}\`), or approve with \`${approveCommand(c.release, wave?.name ?? null, c.family)}\``,
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

/** -1, 0, 1 for two Kubernetes minors; null when either cannot be read. */
function compareMinor(a: string, b: string): number | null {
  const x = parseMinor(a);
  const y = parseMinor(b);
  if (x === null || y === null) return null;
  return x[0] !== y[0] ? Math.sign(x[0] - y[0]) : Math.sign(x[1] - y[1]);
}

function atLeastMinor(have: string | null | undefined, want: string): boolean {
  const order = have ? compareMinor(have, want) : null;
  return order !== null && order >= 0;
}

/**
 * The version gate of a version upgrade to minor `m`: every in-scope node group of an earlier wave
 * (any release line: the kubelet is what moves) that runs `m` or newer, or will (its cluster is at
 * `m` or newer and it follows the cluster's version), must have run `m` for that wave's soakDays,
 * counted from its own successful version upgrade in the ledger. One that runs `m` without a ledger
 * record (created on it, or moved by hand) counts as proven. Returns the holds and how many earlier
 * groups can run `m`. Pure.
 */
function versionHolds(
  c: GateCandidate,
  m: string,
  groups: readonly ScopedGroup[],
  policy: Policy,
  now: Date,
): { holds: Hold[]; able: number; unable: ScopedGroup[] } {
  const holds: Hold[] = [];
  const unable: ScopedGroup[] = [];
  let able = 0;
  const waveIndex = c.waveIndex ?? 0;
  const kube = `kubernetes ${m}`;
  for (const e of groups) {
    if (!e.inScope || e.key === c.key || e.waveIndex === null || e.waveIndex >= waveIndex) continue;
    const earlier = policy.waves[e.waveIndex];
    if (!earlier) continue;
    const runs = atLeastMinor(e.ng.version, m);
    if (!runs && !(atLeastMinor(e.ng.clusterVersion, m) && followsClusterVersion(e.ng, policy))) {
      unable.push(e);
      continue;
    }
    able += 1;
    const moves = e.facts.filter((f) => atLeastMinor(f.kubernetesVersion, m));
    const successes = moves
      .filter((f) => f.outcome === 'succeeded')
      .map((f) => timeOf(f.finishedAt) ?? timeOf(f.startedAt))
      .filter((t): t is number => t !== null);
    if (successes.length > 0) {
      const left = Math.min(...successes) + earlier.soakDays * DAY_MS - now.getTime();
      if (left > 0) {
        holds.push({
          rank: 4,
          leftMs: left,
          text: `waits for ${e.label} (wave ${earlier.name}) to soak ${kube}: ${formatDuration(left)} left`,
        });
      }
      continue;
    }
    if (runs) continue;
    const failed = moves.filter((f) => f.outcome === 'failed' && !f.retryable);
    if (failed.length > 0) {
      const at = Math.max(...failed.map((f) => timeOf(f.finishedAt) ?? timeOf(f.startedAt) ?? 0));
      holds.push({
        rank: 0,
        text: `held: ${e.label} (wave ${earlier.name}) failed to move to ${kube}${at > 0 ? ` at ${formatUtc(at)}` : ''}; retry it (\`nodekeeper retry ${e.label}\`)`,
      });
      continue;
    }
    if (moves.some((f) => f.outcome === 'started') || e.ng.status === NodegroupStatus.updating) {
      holds.push({
        rank: 3,
        text: `waits for ${e.label} (wave ${earlier.name}) to finish moving to ${kube}`,
      });
      continue;
    }
    holds.push({ rank: 2, text: `waits for ${e.label} (wave ${earlier.name}) to move to ${kube} first` });
  }
  return { holds, able, unable };
}

/** What the wave gate says about a candidate: a hold (skip), or a note for a roll, or neither. */
export interface GateResult {
  hold: string | null;
  note: string | null;
}

/**
 * Why no earlier-wave group proves the release: "no node group in earlier waves can take 20261121
 * (al2023) (dev-a/general's newest is 1.32.9-20261110)", or none is on the line at all.
 */
function unprovenText(unable: readonly ScopedGroup[], c: GateCandidate): string {
  const first = unable[0];
  if (first === undefined) return `no node group in earlier waves is on ${c.family}`;
  const newest = first.target?.label ?? first.currentRelease ?? 'unknown';
  const more = unable.length - 1;
  const others = more > 0 ? `; +${more} more node group${more === 1 ? '' : 's'} in earlier waves` : '';
  return `no node group in earlier waves can take ${releaseName(c.family, c.release)} (${first.label}'s newest is ${newest}${others})`;
}

/**
 * The wave gate for a candidate: a one-line hold, or null when the gate is open (then maybe a note
 * for the roll item). `groups` is the scoped fleet of the candidate's release line, `everyGroup` all
 * of it (a version upgrade's gate looks at every line); `uninspected` the clusters that could not be
 * inspected. Pure.
 */
export function waveGate(
  c: GateCandidate,
  groups: readonly ScopedGroup[],
  uninspected: readonly UninspectedCluster[],
  policy: Policy,
  now: Date,
  everyGroup: readonly ScopedGroup[] = groups,
): GateResult {
  if (c.waveIndex === null) return { hold: null, note: null };
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
  const unable: ScopedGroup[] = [];
  let able = 0;
  for (const e of groups) {
    if (!e.inScope || e.key === c.key || e.line !== c.family) continue;
    if (e.waveIndex === null || e.waveIndex >= c.waveIndex) continue;
    const earlier = policy.waves[e.waveIndex];
    if (!earlier) continue;
    if (!canTake(e, c)) {
      unable.push(e);
      continue;
    }
    able += 1;
    const hold = holdFor(e, c, earlier, wave, approvals, now);
    if (hold) holds.push(hold);
  }
  // A version upgrade also waits for earlier waves to run (and soak) the new Kubernetes minor.
  const m = c.kubernetesVersion ?? null;
  const version = m === null ? null : versionHolds(c, m, everyGroup, policy, now);
  if (version !== null) holds.push(...version.holds);
  let text: string | null = null;
  let note: string | null = null;
  if (version !== null && version.holds.length === 0 && version.able === 0 && c.waveIndex > 0) {
    // No earlier wave runs or follows the new minor: the wave's unprovenRelease decides, as for a release.
    const first = version.unable[0];
    const why = `no node group in earlier waves runs or follows kubernetes ${m}${first ? ` (${first.label} is on ${first.ng.version} in a ${first.ng.clusterVersion} cluster)` : ''}`;
    const approved = wave !== null && latestApproval(approvals, c.family, c.release, wave.name) !== null;
    if (wave?.unprovenRelease === 'hold' && !approved) {
      holds.push({
        rank: 2,
        text: `${why}; wave ${wave.name} holds unproven releases (unprovenRelease: hold): \`${approveCommand(c.release, wave.name, c.family)}\``,
      });
    } else if (!approved) {
      note = `${why}: moves without earlier-wave evidence (unprovenRelease: roll)`;
    }
  }
  if (holds.length > 0) {
    holds.sort((a, b) => a.rank - b.rank || (b.rank === 4 && a.rank === 4 ? b.leftMs - a.leftMs : 0));
    const first = holds[0];
    const more = holds.length - 1;
    text = `${first?.text ?? ''}${more > 0 ? ` (+${more} more node group${more === 1 ? '' : 's'} in earlier waves)` : ''}`;
  } else if (able === 0 && c.waveIndex > 0) {
    // No earlier wave can prove this release: the wave's policy decides.
    const why = unprovenText(unable, c);
    const approved = wave !== null && latestApproval(approvals, c.family, c.release, wave.name) !== null;
    if (wave?.unprovenRelease === 'hold' && !approved) {
      text = `${why}; wave ${wave.name} holds unproven releases (unprovenRelease: hold): \`${approveCommand(c.release, wave.name, c.family)}\``;
    } else if (!approved) {
      note = `${note === null ? '' : `${note}; `}${why}: rolls without earlier-wave evidence (unprovenRelease: roll)`;
    }
  }
  if (wave?.requiresApproval && latestApproval(approvals, c.family, c.release, wave.name) === null) {
    const need = `wave ${wave.name} requires an approval: \`${approveCommand(c.release, wave.name, c.family)}\``;
    return { hold: text === null ? need : `${text}; then ${need}`, note: null };
  }
  return { hold: text, note: text === null ? note : null };
}
