import {
  buildClients,
  callerIdentity,
  createApprovalStore,
  DEFAULT_LEDGER_TABLE,
  readConfigIfAny,
} from '@nodekeeper/aws';
import { AmiFamily, type Approval } from '@nodekeeper/core/plan';
import { normalizeReleaseInput } from '@nodekeeper/core/safety';
import { parseFlags } from '../args.ts';
import { HOME_REGION_HELP, homeRegionOf } from '../config.ts';
import { UsageError } from '../errors.ts';
import { toJson } from '../output.ts';
import { type Command, ExitCode } from '../types/index.ts';

const FAMILIES = Object.values(AmiFamily) as string[];

export const approveCommand: Command = {
  name: 'approve',
  summary: 'Approve a release for a wave (lifts failure holds and the breaker; satisfies requiresApproval)',
  usage: `Usage: nodekeeper approve <release> [--wave W] [--family F] [--config FILE] [--json]

Records in the ledger that you approve <release>, with who (your STS identity, else $USER) and when.
<release> is a release version or its identity: 1.33.5-20261110 or 20261110 (Amazon Linux),
1.50.0 (Bottlerocket), 1.33-2026.11.12 (Windows), or an AMI ID (golden AMI parameter).

An approval for a wave
  - lets the wave take the release although an earlier wave failed on it (failures before now),
  - lifts the circuit breaker ('halted') for that wave, for failures before now,
  - satisfies requiresApproval.
It does not skip soakDays, minAmiAgeDays, the window, budgets or a pause. A failure after the
approval holds again; approve again to go on.

Options:
  --wave W       only this wave (default: every wave)
  --family F     only this release line: ${FAMILIES.join(', ')} or golden:<parameter>
  --config FILE  check that the wave exists in this config
  --json         print the approval
  -h, --help     show this help

Ledger: DynamoDB table NODEKEEPER_LEDGER_TABLE (default ${DEFAULT_LEDGER_TABLE}) in
${HOME_REGION_HELP}.
Exit codes: 0 recorded (or an equal or newer approval exists); 1 AWS error; 2 bad input.
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(
      args,
      {
        wave: { type: 'string' },
        family: { type: 'string' },
        config: { type: 'string' },
        json: { type: 'boolean' },
      },
      { positionals: 1 },
    );
    const input = positionals[0];
    if (input === undefined) throw new UsageError('expected the release to approve, e.g. 1.33.5-20261110');
    const family = values.family ?? null;
    if (family !== null && !FAMILIES.includes(family) && !family.startsWith('golden:')) {
      throw new UsageError(
        `--family must be one of ${FAMILIES.join(', ')} or golden:<parameter> (got '${family}')`,
      );
    }
    const release = normalizeReleaseInput(input, family);
    if (release === null) {
      throw new UsageError(`'${input}' is not a release version, release identity or AMI ID`);
    }
    const wave = values.wave ?? null;
    const config = readConfigIfAny({ file: values.config, env: ctx.env, cwd: ctx.cwd });
    if (values.config !== undefined && config !== null && wave !== null) {
      const known = config.waves.map((w) => w.name);
      if (!known.includes(wave)) {
        throw new UsageError(
          `wave '${wave}' is not in ${values.config} (known: ${known.join(', ') || 'none'})`,
        );
      }
    }
    const region = homeRegionOf(ctx, config);
    const clients = buildClients(config, { homeRegion: region })(null, region);
    try {
      const tableName = ctx.env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE;
      const approval: Approval = {
        release,
        family,
        wave,
        by: await callerIdentity(clients.sts, ctx.env),
        at: new Date().toISOString(),
      };
      const result = await createApprovalStore(clients.dynamodb, { tableName }).record(approval);
      const stored = result.kind === 'recorded' ? approval : result.approval;
      if (values.json) {
        ctx.stdout(toJson({ result: result.kind, approval: stored }));
      } else {
        const scope = `${stored.family ? `${stored.family} ` : ''}${stored.release} for ${stored.wave ? `wave ${stored.wave}` : 'every wave'}`;
        ctx.stdout(
          result.kind === 'recorded'
            ? `approved ${scope} by ${stored.by} at ${stored.at}\n`
            : `already approved ${scope} by ${stored.by} at ${stored.at}\n`,
        );
      }
      return ExitCode.ok;
    } finally {
      clients.destroy();
    }
  },
};
