import {
  buildClients,
  callerIdentity,
  createRecallStore,
  DEFAULT_LEDGER_TABLE,
  type RecallRecord,
  type RecallStore,
} from '@nodekeeper/aws';
import { AmiFamily, type Recall } from '@nodekeeper/core/plan';
import {
  isImageRecall,
  unrecallCommand as liftCommand,
  normalizeReleaseInput,
  recallLabel,
} from '@nodekeeper/core/safety';
import { parseFlags } from '../args.ts';
import { HOME_REGION_HELP, homeRegionOf } from '../config.ts';
import { UsageError } from '../errors.ts';
import { renderTable, toJson } from '../output.ts';
import { type Command, type CommandContext, ExitCode } from '../types/index.ts';

const FAMILIES = Object.values(AmiFamily) as string[];

/** How long `recall` waits for the ledger's index to show a new recall (the index is eventually consistent). */
const VISIBLE_WAIT = { attempts: 20, delayMs: 250 } as const;

const INPUT_HELP = `<release> is a release version or its identity: 1.33.5-20261110 or 20261110 (Amazon Linux),
1.50.0 (Bottlerocket), 1.33-2026.11.12 (Windows); <ami-id> recalls one image (ami-…).`;

/** The (line, release) a command names: its input normalised like `approve`'s. Throws UsageError. */
function targetOf(
  input: string | undefined,
  family: string | null,
  verb: string,
): Pick<Recall, 'release' | 'family'> {
  if (input === undefined) {
    throw new UsageError(`expected the release or AMI ID to ${verb}, e.g. 1.33.5-20261110 or ami-0abc…`);
  }
  if (family !== null && !FAMILIES.includes(family) && !family.startsWith('golden:')) {
    throw new UsageError(
      `--family must be one of ${FAMILIES.join(', ')} or golden:<parameter> (got '${family}')`,
    );
  }
  const release = normalizeReleaseInput(input, family);
  if (release === null)
    throw new UsageError(`'${input}' is not a release version, release identity or AMI ID`);
  if (family !== null && isImageRecall({ release })) {
    throw new UsageError(`an AMI ID names one image on every line; drop --family ${family}`);
  }
  return { release, family };
}

function ledgerStore(ctx: CommandContext) {
  const region = homeRegionOf(ctx);
  const clients = buildClients(null, { homeRegion: region })(null, region);
  const tableName = ctx.env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE;
  return { clients, tableName, store: createRecallStore(clients.dynamodb, { tableName }) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until the active list shows `recall`, as every scan and guard will read it. */
async function waitVisible(store: RecallStore, recall: Recall): Promise<boolean> {
  for (let i = 0; i < VISIBLE_WAIT.attempts; i++) {
    const active = await store.list();
    if (
      active.some((r) => r.release === recall.release && r.family === recall.family && r.at === recall.at)
    ) {
      return true;
    }
    await sleep(VISIBLE_WAIT.delayMs);
  }
  return false;
}

function listText(records: readonly RecallRecord[], all: boolean): string {
  if (records.length === 0) return all ? 'no recalls recorded\n' : 'no active recalls\n';
  const rows = records.map((r) => [
    r.release,
    r.family ?? '(every line)',
    r.active ? 'active' : `lifted ${r.lifted?.at ?? ''}`,
    r.by,
    r.at,
    r.reason,
  ]);
  const table = renderTable(['RELEASE', 'LINE', 'STATE', 'BY', 'AT', 'REASON'], rows);
  const lifts = all
    ? records
        .filter((r) => r.lifted !== null)
        .map(
          (r) =>
            `${recallLabel(r)} lifted by ${r.lifted?.by} at ${r.lifted?.at}${r.lifted?.reason ? `: ${r.lifted.reason}` : ''}` +
            (r.earlier.length > 0
              ? ` (${r.earlier.length} earlier recall${r.earlier.length === 1 ? '' : 's'})`
              : ''),
        )
    : [];
  return `${table}\n${lifts.length > 0 ? `${lifts.join('\n')}\n` : ''}`;
}

export const recallCommand: Command = {
  name: 'recall',
  summary: 'Recall a bad release or image fleet-wide, now: nothing rolls to it until `nodekeeper unrecall`',
  usage: `Usage: nodekeeper recall <release|ami-id> --reason R [--family F] [--json]
       nodekeeper recall --list [--all] [--json]

Records in the ledger that <release> (or the image <ami-id>) is recalled, with who (your STS
identity, else $USER), when and why. From then on
  - every scan and plan skips rollouts to it ('recalled'),
  - every workflow's guard refuses to start one, even a rollout planned before the recall
    (recorded not-started 'recalled'; after \`nodekeeper unrecall\` the next scan starts it again),
  - \`nodekeeper plan\` and \`nodekeeper report\` list the node groups already running it, with
    what to do (roll forward to a newer release, or \`nodekeeper rollback\`).
Updates already running in EKS finish: EKS cannot stop one. No config change or deploy is needed.
The recall stays active until \`nodekeeper unrecall\`; it never expires.

${INPUT_HELP}

Options:
  --reason R     why (required; shown in plans, guards and Slack)
  --family F     only this release line: ${FAMILIES.join(', ')} or golden:<parameter>
                 (default: every line with that release; AL2 and AL2023 share date stamps)
  --list         list the active recalls (with --all: lifted ones too, with who lifted them)
  --json         print the recall (or the list) as JSON
  -h, --help     show this help

Ledger: DynamoDB table NODEKEEPER_LEDGER_TABLE (default ${DEFAULT_LEDGER_TABLE}) in
${HOME_REGION_HELP}.
Exit codes: 0 recalled (or already recalled); 1 AWS error; 2 bad input (nothing is written).
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(
      args,
      {
        reason: { type: 'string' },
        family: { type: 'string' },
        list: { type: 'boolean' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      { positionals: 1 },
    );
    if (values.list || values.all) {
      if (positionals.length > 0 || values.reason !== undefined || values.family !== undefined) {
        throw new UsageError('--list takes no release, --reason or --family');
      }
      const { clients, store } = ledgerStore(ctx);
      try {
        const records = (await store.listRecords()).filter((r) => values.all || r.active);
        ctx.stdout(values.json ? toJson({ recalls: records }) : listText(records, Boolean(values.all)));
        return ExitCode.ok;
      } finally {
        clients.destroy();
      }
    }
    const target = targetOf(positionals[0], values.family ?? null, 'recall');
    const reason = values.reason?.trim() ?? '';
    if (reason === '') {
      throw new UsageError('--reason is required: say why (it is shown wherever the recall holds a rollout)');
    }
    const { clients, store, tableName } = ledgerStore(ctx);
    try {
      const recall: Recall = {
        ...target,
        reason,
        by: await callerIdentity(clients.sts, ctx.env),
        at: new Date().toISOString(),
      };
      const result = await store.recall(recall);
      const stored = result.recall;
      // The ledger's index is eventually consistent: say when scans and guards see the recall.
      const visible = result.kind === 'recorded' ? await waitVisible(store, recall) : true;
      if (values.json) {
        ctx.stdout(toJson({ result: result.kind, visible, recall: stored, table: tableName }));
        return ExitCode.ok;
      }
      const label = recallLabel(stored);
      ctx.stdout(
        result.kind === 'recorded'
          ? `recalled ${label} by ${stored.by} at ${stored.at}: ${stored.reason}\n` +
              `Every scan skips rollouts to it ('recalled') and every workflow's guard refuses to start one, even one planned before now; updates already running finish.\n` +
              `\`nodekeeper plan\` and \`nodekeeper report\` list the node groups already running it.\n` +
              `Lift with \`${liftCommand(stored)}\`.\n`
          : `already recalled ${label} by ${stored.by} at ${stored.at}: ${stored.reason}\n` +
              `Lift with \`${liftCommand(stored)}\`.\n`,
      );
      if (!visible) {
        ctx.stderr(
          `warning: the ledger's index did not show the recall within ${(VISIBLE_WAIT.attempts * VISIBLE_WAIT.delayMs) / 1000} s; it is recorded, and scans and guards see it as soon as DynamoDB propagates it\n`,
        );
      }
      return ExitCode.ok;
    } finally {
      clients.destroy();
    }
  },
};

export const unrecallCommand: Command = {
  name: 'unrecall',
  summary: 'Lift a recall: the next scan plans rollouts to that release or image again',
  usage: `Usage: nodekeeper unrecall <release|ami-id> [--family F] [--reason R] [--json]

Lifts the active recall of <release> (or the image <ami-id>) on the same line as it was recalled
(--family as given to \`nodekeeper recall\`). The recall stays in the ledger with who recalled and
lifted it, when and why. The next scan plans rollouts to it again; rollouts the guard refused
while it was recalled start as their next attempt.

${INPUT_HELP}

Options:
  --family F     the release line the recall names (as given to \`nodekeeper recall\`)
  --reason R     why it is safe again (kept with the recall)
  --json         print the lifted recall as JSON
  -h, --help     show this help

Ledger: DynamoDB table NODEKEEPER_LEDGER_TABLE (default ${DEFAULT_LEDGER_TABLE}) in
${HOME_REGION_HELP}.
Exit codes: 0 lifted (or already lifted); 1 AWS error; 2 bad input, or no such recall.
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(
      args,
      { family: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
      { positionals: 1 },
    );
    const target = targetOf(positionals[0], values.family ?? null, 'unrecall');
    const { clients, store } = ledgerStore(ctx);
    try {
      const lift = {
        by: await callerIdentity(clients.sts, ctx.env),
        at: new Date().toISOString(),
        reason: values.reason?.trim() || null,
      };
      const result = await store.unrecall(target, lift);
      if (result.kind === 'not-recalled' && result.recall === null) {
        // Perhaps recalled on another line: name those, so the fix is one flag away.
        const others = (await store.list()).filter((r) => r.release === target.release);
        const hint =
          others.length > 0
            ? `; active: ${others.map((r) => `\`${liftCommand(r)}\``).join(', ')}`
            : '; `nodekeeper recall --list` shows the active recalls';
        throw new UsageError(`${recallLabel(target)} was never recalled${hint}`);
      }
      if (values.json) {
        ctx.stdout(
          toJson({ result: result.kind === 'lifted' ? 'lifted' : 'already-lifted', recall: result.recall }),
        );
        return ExitCode.ok;
      }
      const r = result.recall;
      if (r === null) return ExitCode.ok;
      if (result.kind === 'lifted') {
        ctx.stdout(
          `lifted the recall of ${recallLabel(r)} (recalled by ${r.by} at ${r.at}: ${r.reason}) by ${lift.by} at ${lift.at}\n` +
            'The next scan plans rollouts to it again.\n',
        );
      } else {
        ctx.stdout(`${recallLabel(r)} is not recalled: lifted by ${r.lifted?.by} at ${r.lifted?.at}\n`);
      }
      return ExitCode.ok;
    } finally {
      clients.destroy();
    }
  },
};
