import { buildClients, createLedger, DEFAULT_LEDGER_TABLE, homeAccountId } from '@nodekeeper/aws';
import { parseFlags } from '../args.ts';
import { HOME_REGION_HELP, homeRegionOf } from '../config.ts';
import { UsageError } from '../errors.ts';
import { renderTable, toJson } from '../output.ts';
import { type Command, ExitCode } from '../types/index.ts';

export const historyCommand: Command = {
  name: 'history',
  summary: 'List recorded rollouts from the ledger, newest first',
  usage: `Usage: nodekeeper history [--cluster C] [--account ID] [--region R] [--limit N] [--json]

Reads the rollout ledger (DynamoDB table NODEKEEPER_LEDGER_TABLE, default ${DEFAULT_LEDGER_TABLE},
in ${HOME_REGION_HELP}) and prints each rollout: when, node group, from → to ('rollback …' for nodekeeper rollback, 'kubernetes 1.33: …' for a version upgrade),
outcome, update ID and errors.

Options:
  --cluster C   only this cluster
  --account ID  only this account (12 digits: a target of the config, or your own account)
  --region R    only this region
  --limit N     at most N rollouts (default 50, at most 1000)
  --json        print {items:[RolloutRecord]} (a rollback's record has kind: "rollback", a version
                upgrade's targetVersion: "1.33")
  -h, --help    show this help

Exit codes: 0 ok; 1 AWS error (e.g. the table does not exist); 2 bad input.
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, {
      cluster: { type: 'string' },
      account: { type: 'string' },
      region: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new UsageError('--limit must be a whole number from 1 to 1000');
    if (values.account !== undefined && !/^\d{12}$/.test(values.account))
      throw new UsageError(`--account must be a 12-digit AWS account ID, got "${values.account}"`);
    if (values.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(values.region))
      throw new UsageError(`--region must be an AWS region such as us-east-1, got "${values.region}"`);
    const region = homeRegionOf(ctx);
    const clients = buildClients(null, { homeRegion: region })(null, region);
    try {
      const ledger = createLedger(clients.dynamodb, {
        tableName: ctx.env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE,
      });
      const all = await ledger.listHistory({
        ...(values.cluster ? { cluster: values.cluster } : {}),
        // Records of the caller's own account carry no account ID: --account names it with STS.
        ...(values.account
          ? { accountId: values.account, homeAccountId: await homeAccountId(clients.sts) }
          : {}),
        limit,
      });
      const records = values.region ? all.filter((r) => r.region === values.region) : all;
      if (values.json) {
        ctx.stdout(toJson({ items: records }));
        return ExitCode.ok;
      }
      // Account and region columns once the ledger holds another account's rollouts.
      const multi = records.some((r) => r.accountId !== null);
      const rows = records.map((r) => [
        r.createdAt,
        ...(multi ? [r.accountId ?? 'this account', r.region] : []),
        `${r.cluster}/${r.nodegroup}`,
        `${r.kind === 'rollback' ? 'rollback ' : ''}${r.targetVersion ? `kubernetes ${r.targetVersion}: ` : ''}${r.from.releaseVersion ?? r.from.imageId ?? '?'} → ${r.strategy === 'launch-template' ? (r.to.imageId ?? '?') : (r.to.releaseVersion ?? '?')}`,
        r.outcome,
        r.updateId ?? '-',
        r.errors.length > 0 ? r.errors.map((e) => e.errorCode).join(', ') : (r.reason ?? ''),
      ]);
      ctx.stdout(
        records.length === 0
          ? 'no rollouts recorded\n'
          : `${renderTable(
              [
                'WHEN',
                ...(multi ? ['ACCOUNT', 'REGION'] : []),
                'NODE GROUP',
                'FROM → TO',
                'OUTCOME',
                'UPDATE',
                'ERRORS',
              ],
              rows,
            )}\n`,
      );
      return ExitCode.ok;
    } finally {
      clients.destroy();
    }
  },
};
