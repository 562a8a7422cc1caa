/**
 * Renders docs/reliability.md from the figures the fault and fuzz suites write under
 * test-artifacts/reliability/ (NODEKEEPER_TEST_ARTIFACTS overrides the root).
 *
 *   npm run test:faults && npm run test:fuzz && npm run test:fuzz -- --runs 10000
 *   node scripts/reliability-report.ts            # writes docs/reliability.md
 *   node scripts/reliability-report.ts --check    # exits 1 when the document is out of date
 *
 * The document embeds the data it was rendered from, so figures of a suite that did not run this
 * time (typically the long fuzz run) are carried over rather than lost.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface FaultRow {
  suite: 'faults';
  name: string;
  runs: number;
  faultsInjected: number;
  invariantsChecked: number;
  invariantsHeld: number;
  faults: string[];
  knownGaps: string[];
}

interface FuzzRow {
  suite: 'fuzz';
  name: string;
  numRuns: number;
  cases: number;
  crashes: number;
  properties: number;
}

type Row = FaultRow | FuzzRow;

interface Data {
  faults: FaultRow[];
  /** Bounded (CI) fuzz run. */
  fuzz: FuzzRow[];
  /** The long fuzz run (numRuns ≥ 10,000). */
  fuzzLong: FuzzRow[];
}

const root = fileURLToPath(new URL('../', import.meta.url));
const docPath = join(root, 'docs', 'reliability.md');
const artifacts = resolve(
  process.env.NODEKEEPER_TEST_ARTIFACTS ?? join(root, 'test-artifacts'),
  'reliability',
);
const MARK = 'reliability-data';

function readRows(): Row[] {
  if (!existsSync(artifacts)) return [];
  return readdirSync(artifacts)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(artifacts, f), 'utf8')) as Row);
}

function previous(): Data {
  if (!existsSync(docPath)) return { faults: [], fuzz: [], fuzzLong: [] };
  const m = new RegExp(`<!-- ${MARK}\\n([\\s\\S]*?)\\n-->`).exec(readFileSync(docPath, 'utf8'));
  if (!m?.[1]) return { faults: [], fuzz: [], fuzzLong: [] };
  return JSON.parse(m[1]) as Data;
}

/** New rows replace old ones by name; names only in the old data are kept. */
function merge<T extends { name: string }>(old: T[], fresh: T[]): T[] {
  if (fresh.length === 0) return old;
  const byName = new Map(old.map((r) => [r.name, r]));
  for (const r of fresh) byName.set(r.name, r);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function collect(): Data {
  const rows = readRows();
  const old = previous();
  const fuzz = rows.filter((r): r is FuzzRow => r.suite === 'fuzz');
  return {
    faults: merge(
      old.faults,
      rows.filter((r): r is FaultRow => r.suite === 'faults'),
    ),
    fuzz: merge(
      old.fuzz,
      fuzz.filter((r) => r.numRuns < 10_000),
    ),
    fuzzLong: merge(
      old.fuzzLong,
      fuzz.filter((r) => r.numRuns >= 10_000),
    ),
  };
}

const n = (v: number) => v.toLocaleString('en-US');

const CLASS_TITLES: Record<string, string> = {
  'eks-describe': 'EKS describe (List/DescribeCluster, List/DescribeNodegroup, ListUpdates, DescribeUpdate)',
  'eks-update': 'EKS update (UpdateNodegroupVersion)',
  'ec2-launch-templates': 'EC2 launch templates (Describe/CreateLaunchTemplateVersion)',
  'ssm-parameters': 'SSM parameters (GetParameters for AMIs, GetParameter for the pause flag)',
  'dynamodb-ledger': 'DynamoDB ledger (every operation)',
  'slack-webhook': 'Slack incoming webhook',
  'slack-bot': 'Slack Web API (chat.postMessage)',
  'durable-replay': 'Durable replay after a crash at each step boundary',
  'killed-and-restarted': 'Process killed right after the start step, then run again',
  'duplicate-scheduled-event': 'The same scheduled event delivered twice, concurrently',
  'ssm-commands':
    'SSM commands (SendCommand, DescribeInstanceInformation, ListCommandInvocations; status event twice)',
  'hung-socket': 'Hung socket (every SDK client has explicit connect and request timeouts)',
};

/** What each known gap means, by "<class>: <fault>: <invariant>". */
const GAP_NOTES: Record<string, string> = {
  'eks-update: slow: ledger-agrees':
    'UpdateNodegroupVersion took effect but every answer came after the client timeout: the workflow records StartFailed while EKS runs the (single) update.',
  'killed-and-restarted: killed after start (update finished): ledger-agrees':
    'A new process re-running the rollout finds the node group already on target and records not-started; it does not adopt the update its predecessor started.',
  'killed-and-restarted: killed after start (update running): ledger-agrees':
    'A new process re-running the rollout finds the node group UPDATING and records not-started (update-in-progress) instead of following its own update.',
  'ssm-commands: slow: at-most-once':
    'SendCommand has no idempotency token: a command that took effect but answered after the client timeout is sent again by the SDK retry (two AWS-RunPatchBaseline commands for one node group).',
};

const EDGE_TITLES: Record<string, string> = {
  config: 'Config (`parseConfig`) and webhook URL validation',
  'patch-payload': 'Patch payload (`parsePatchRequest`) and patch targeting (`planPatch`)',
  'slash-command': 'Slash-command bodies and headers, work payloads',
  'eventbridge-events': 'EventBridge events (scheduled, Parameter Store Change, SSM command status)',
  'cli-arguments': 'CLI arguments (`main(argv)` for every command)',
  'slack-message-builders': 'Slack message builders (mrkdwn injection)',
};

function render(data: Data): string {
  const faultRows = data.faults.map((r) => {
    const title = CLASS_TITLES[r.name] ?? r.name;
    const gaps = r.knownGaps.length > 0 ? r.knownGaps.join('; ') : '—';
    return `| ${title} | ${r.faults.length > 6 ? `${r.faults.length} crash points` : r.faults.join(', ')} | ${n(r.runs)} | ${n(r.faultsInjected)} | ${n(r.invariantsHeld)} / ${n(r.invariantsChecked)} | ${gaps} |`;
  });
  const totals = data.faults.reduce(
    (t, r) => ({
      runs: t.runs + r.runs,
      faults: t.faults + r.faultsInjected,
      held: t.held + r.invariantsHeld,
      checked: t.checked + r.invariantsChecked,
    }),
    { runs: 0, faults: 0, held: 0, checked: 0 },
  );
  const names = [...new Set([...data.fuzz, ...data.fuzzLong].map((r) => r.name))].sort();
  const fuzzRows = names.map((name) => {
    const ci = data.fuzz.find((r) => r.name === name);
    const long = data.fuzzLong.find((r) => r.name === name);
    const cell = (r: FuzzRow | undefined) => (r ? `${n(r.cases)} (${n(r.numRuns)}/property)` : 'not run');
    const crashes = (r: FuzzRow | undefined) => (r ? n(r.crashes) : '—');
    return `| ${EDGE_TITLES[name] ?? name} | ${ci?.properties ?? long?.properties ?? 0} | ${cell(ci)} | ${crashes(ci)} | ${cell(long)} | ${crashes(long)} |`;
  });
  const gaps = data.faults.flatMap((r) =>
    r.knownGaps.map((g) => {
      const note = GAP_NOTES[`${r.name}: ${g}`];
      return `**${CLASS_TITLES[r.name] ?? r.name}**, ${g}${note ? `. ${note}` : ''}`;
    }),
  );

  return `# Reliability

<!-- Generated by scripts/reliability-report.ts from test-artifacts/reliability/*.json. Do not edit by hand. -->

nodekeeper touches production nodes, so it promises four things, whatever AWS or Slack do:

1. **Nothing twice.** At most one launch template version and one \`UpdateNodegroupVersion\` per
   (node group, target), through retries, timeouts, crashes, replays and duplicate deliveries
   (deterministic idempotency tokens, a ledger with conditional writes, one durable execution per
   rollout key).
2. **Nothing vanishes.** Every rollout the scan asked for ends recorded in the ledger as
   \`succeeded\`, \`failed\` or \`not-started\`.
3. **Every failure is told once.** Each failure reaches Slack exactly once, or is logged as
   undeliverable; no notice is posted twice.
4. **The ledger agrees with AWS.** A rollout recorded as succeeded runs its target; an EKS update
   exists exactly when the ledger names it.

Every run also scans all captured log output and errors for planted secret canaries (webhook URL,
bot token, signing secret): zero hits.

How it is tested: the fault suites run the scheduled path (scan → durable rollout workflows via the
local durable runner → EKS, EC2, SSM, DynamoDB and Slack) against the sandbox over HTTP, inject the
faults AWS and Slack really produce, and check the invariants against the sandbox's state and calls
and the ledger after each run. Faults come in two severities per kind: a **burst** the retries must
absorb (the rollouts end as without faults), and a **storm** that outlasts every retry (the
rollouts must still end recorded and reported). The fuzz suites throw fast-check at every input
edge: every input is accepted or rejected with a clear message, nothing escapes as an unhandled
exception, and rejected input never causes a mutating AWS call.

\`\`\`sh
npm run test:faults                    # the fault matrix (NODEKEEPER_FAULT_RUNS=N repeats each run)
npm run test:fuzz                      # 300 cases per property (CI)
npm run test:fuzz -- --runs 10000      # the long run
node scripts/reliability-report.ts     # re-renders this page from test-artifacts/reliability/
\`\`\`

## Fault matrix

Faults: **throttle** = the service's own throttling answer (EKS \`ThrottlingException\` 429, EC2
\`RequestLimitExceeded\` 503, SSM and DynamoDB \`ThrottlingException\` 400, Slack 429 with
Retry-After); **5xx** = server errors (\`ServerException\`, \`ServiceUnavailableException\`,
\`Unavailable\`, \`InternalServerError\`, Slack 5xx); **reset** = the connection closed without an
answer; **slow** = an answer slower than the client's request timeout (the request still takes
effect in the sandbox, as it may in AWS).

| Operation class or scenario | Faults | Runs | Faults injected | Invariants held | Known gaps |
|---|---|---:|---:|---:|---|
${faultRows.join('\n')}
| **Total** | | **${n(totals.runs)}** | **${n(totals.faults)}** | **${n(totals.held)} / ${n(totals.checked)}** | |

Invariants checked per run: at-most-once, recorded, slack-once, ledger-agrees and no-secret (the
SSM commands runs check the first four minus ledger-agrees plus no-secret; the hung-socket run checks
that the call fails instead of hanging).

## Fuzzed input edges

| Edge | Properties | Cases (CI) | Crashes | Cases (long run) | Crashes |
|---|---:|---:|---:|---:|---:|
${fuzzRows.join('\n')}

A crash is any property failure: an unhandled exception, an input neither accepted nor rejected
with a message, a mutating call on rejected input, an unescaped mention or link, or a leaked secret.

## Known gaps

${
  gaps.length === 0
    ? 'None.'
    : `These invariants are known not to hold in the runs named; the tests assert that they still fail, so a fix turns them red until this page is regenerated.\n\n${gaps.map((g) => `- ${g}`).join('\n')}`
}

See [threat-model.md](threat-model.md) for the security side.

<!-- ${MARK}
${JSON.stringify(data)}
-->
`;
}

const data = collect();
const text = render(data);
if (process.argv.includes('--check')) {
  const current = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  if (current !== text) {
    process.stderr.write('docs/reliability.md is out of date: run node scripts/reliability-report.ts\n');
    process.exit(1);
  }
} else {
  writeFileSync(docPath, text);
  process.stdout.write(
    `docs/reliability.md: ${data.faults.length} fault rows, ${data.fuzz.length} CI and ${data.fuzzLong.length} long fuzz rows\n`,
  );
}
