/**
 * `nodekeeper.config.json`: one zod schema gives the validation, the TypeScript types and the
 * JSON Schema that ships with the project (docs/nodekeeper.config.schema.json).
 */
import * as z from 'zod';
import { ValidationError } from './errors.ts';
import { VERSION_PLACEHOLDER } from './kubernetes-version.ts';
import { SLACK_USER_GROUP, SLACK_USER_ID } from './messages/mentions.ts';
import { DEFAULT_MAX_WAIT_HOURS, MAX_WAIT_HOURS } from './rollout/poll.ts';
import { START_CONCURRENCY } from './rollout/scan.ts';
import { parseCron } from './safety/cron.ts';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
// SSM SendCommand patterns for MaxConcurrency and MaxErrors.
const MAX_CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const MAX_ERRORS = /^([1-9][0-9]*|0|[1-9][0-9]%|[0-9]%|100%)$/;
const CRON = /^cron\((.*)\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;

/**
 * Problems with an EventBridge `cron(...)` expression's shape, or [] when it looks right: six
 * fields (minutes hours day-of-month month day-of-week year), and exactly one of day-of-month and
 * day-of-week is `?`. Field values are checked fully when windows are computed. Pure.
 */
export function cronShapeProblems(expression: string): string[] {
  const body = CRON.exec(expression.trim())?.[1];
  if (body === undefined) return ['expected cron(minutes hours day-of-month month day-of-week year)'];
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) return [`expected 6 fields inside cron(...), got ${fields.length}`];
  const bad = fields.filter((f) => !CRON_FIELD.test(f));
  if (bad.length > 0) return [`unexpected characters in field ${bad.map((f) => `"${f}"`).join(', ')}`];
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return ['exactly one of day-of-month and day-of-week must be ?'];
  }
  return [];
}

/** True when `zone` is an IANA time zone name the runtime knows (`Europe/Berlin`, `UTC`). Pure. */
export function isIanaTimeZone(zone: string): boolean {
  // Offsets such as "+01:00" are accepted by Intl but are not IANA names (and have no DST rules).
  if (zone.length === 0 || /^[+-]/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

const nameList = z.array(z.string().min(1, 'expected a non-empty name or glob'));

const waveSchema = z.strictObject({
  name: z.string().min(1, 'expected a non-empty wave name').max(63, 'at most 63 characters'),
  clusters: nameList.min(1, 'expected at least one cluster name or glob'),
  accounts: z
    .array(z.string().regex(/^\d{12}$/, 'expected a 12-digit account ID'))
    .min(1)
    .optional()
    .describe('Only node groups in these accounts (default: any).'),
  regions: z
    .array(z.string().regex(REGION, 'expected an AWS region name such as us-east-1'))
    .min(1)
    .optional()
    .describe('Only node groups in these regions (default: any).'),
  minAmiAgeDays: z.int().min(0).optional().describe('Overrides the global minAmiAgeDays for this wave.'),
  followClusterVersion: z
    .boolean()
    .optional()
    .describe(
      "Overrides the global followClusterVersion for this wave: node groups whose Kubernetes minor is behind their cluster's roll to the next minor.",
    ),
  soakDays: z
    .number()
    .min(0)
    .default(0)
    .describe('Days a release must run in this wave before later waves take it.'),
  requiresApproval: z.boolean().default(false).describe('Never take a release without an operator approval.'),
  forceOnPodEvictionFailure: z
    .boolean()
    .default(false)
    .describe('Retry a PodEvictionFailure rollout once with force: true.'),
  unprovenRelease: z
    .enum(['roll', 'hold'])
    .default('roll')
    .describe(
      'When no node group of an earlier wave can take a release (none is on its AMI family, or the build is not ' +
        'published for their Kubernetes version or architecture): roll without earlier-wave evidence, or hold ' +
        'until an operator approves it for this wave.',
    ),
});

const scheduleSchema = z.strictObject({
  cron: z
    .string()
    .superRefine((value, ctx) => {
      const shape = cronShapeProblems(value);
      const parsed = shape.length === 0 ? parseCron(value) : null;
      const problems = parsed?.kind === 'invalid' ? parsed.problems : shape;
      for (const message of problems) ctx.addIssue({ code: 'custom', message });
    })
    .describe(
      'EventBridge Scheduler cron expression (day-of-week 1-7 = SUN-SAT), in `timezone`. Each fire scans; a scan ' +
        'is inside the maintenance window when a fire happened less than windowMinutes ago. Scan repeatedly ' +
        'inside the window so budgets can start the node groups they held back, e.g. cron(0/30 3-6 ? * TUE-THU *) ' +
        'with windowMinutes 30 scans every 30 minutes from 03:00 to 06:30 (window 03:00-07:00).',
    ),
  timezone: z
    .string()
    .refine(isIanaTimeZone, { message: 'expected an IANA time zone such as Europe/Berlin or UTC' })
    .default('UTC'),
  windowMinutes: z
    .int()
    .min(1)
    .max(1440)
    .default(240)
    .describe('Minutes each fire keeps the window open; overlapping fires merge into one window.'),
});

const patchSchema = z.strictObject({
  maxConcurrency: z
    .string()
    .regex(MAX_CONCURRENCY, 'expected a count such as "5" or a percentage such as "10%"')
    .default('10%'),
  maxErrors: z
    .string()
    .regex(MAX_ERRORS, 'expected a count such as "1" or a percentage such as "10%"')
    .default('1'),
  reboot: z
    .boolean()
    .default(false)
    .describe('RebootIfNeeded (reboots without draining pods) instead of NoReboot.'),
  timeoutSeconds: z.int().min(30).max(2_592_000).optional(),
});

/**
 * Targets above which the deployed scan fans out (rollout.fanOutAboveTargets). At the bench's 200
 * node groups per target, 100 targets are 20,000 node groups: about a quarter of one 15-minute
 * invocation at 50 % of AWS's rate limits (bench/README.md, fleet scale).
 */
export const FANOUT_ABOVE_TARGETS = 100;
/** Inspect invocations the durable fleet scan runs at once (rollout.fanOutConcurrency). */
export const FANOUT_CONCURRENCY = 50;
const MAX_FANOUT_TARGETS = 10_000;
const MAX_FANOUT_CONCURRENCY = 500;

const rolloutSchema = z.strictObject({
  maxWaitHours: z
    .number()
    .positive()
    .max(
      MAX_WAIT_HOURS,
      `at most ${MAX_WAIT_HOURS} (an attempt and its forced retry must fit the workflow's 14-day execution)`,
    )
    .default(DEFAULT_MAX_WAIT_HOURS)
    .describe(
      'Hours nodekeeper follows one EKS update. When they run out it records and reports the rollout as still running in EKS (not failed); EKS goes on.',
    ),
  startConcurrency: z
    .int()
    .min(1)
    .max(100)
    .default(START_CONCURRENCY)
    .describe(
      'Rollout workflows a scan starts at once (each start is one Lambda call); the others wait for a free slot. Budgets and waves decide what starts, this only paces the calls.',
    ),
  fanOutAboveTargets: z
    .int()
    .min(1)
    .max(MAX_FANOUT_TARGETS)
    .default(FANOUT_ABOVE_TARGETS)
    .describe(
      'With more (account, region) targets than this, the deployed scan hands the fleet to the durable fleet scan: one Lambda invocation inspects each target, and the plan is made from all of them. At or below it, one invocation inspects every target. The CLI always inspects in its own process.',
    ),
  fanOutConcurrency: z
    .int()
    .min(1)
    .max(MAX_FANOUT_CONCURRENCY)
    .default(FANOUT_CONCURRENCY)
    .describe(
      "Targets the durable fleet scan inspects at once (each one Lambda invocation of nodekeeper's inspect function).",
    ),
});

const slackSchema = z.strictObject({
  channel: z
    .string()
    .regex(
      /^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{8,20})$/,
      'expected a channel name such as #platform-ops or a channel ID such as C0123456789',
    )
    .optional()
    .describe(
      'Channel the bot token posts to (NODEKEEPER_SLACK_CHANNEL overrides it). Bot mode threads each run and edits its parent message.',
    ),
  allowedUserIds: z
    .array(z.string().min(1))
    .default([])
    .describe('Slack user IDs allowed to use the slash command.'),
  mentionOnFailure: z
    .array(
      z
        .string()
        .regex(
          new RegExp(`^(${SLACK_USER_ID.source.slice(1, -1)}|${SLACK_USER_GROUP.source.slice(1, -1)})$`),
          'expected a Slack user ID such as U0123ABCD (or W… on Enterprise Grid) or a user group written <!subteam^S0123ABCD>',
        ),
    )
    .max(20, 'at most 20 people or groups')
    .default([])
    .describe(
      'Slack user IDs (U…/W…) and user groups (<!subteam^S…>) mentioned on failed rollouts, failed patches and release halts; with a bot token those thread replies are also broadcast to the channel. Empty (the default): no mention, no broadcast.',
    ),
});

const observabilitySchema = z.strictObject({
  dashboard: z
    .boolean()
    .default(false)
    .describe(
      'Deploy the CloudWatch dashboard (the stack output dashboardName). CloudWatch bills $3.00 a month per dashboard beyond its free tier (3 dashboards of up to 50 metrics per account), more than the rest of nodekeeper together for 1,000 node groups rolling weekly (bench/README.md); off by default. The metrics and alarms are deployed either way.',
    ),
  clusterMetrics: z
    .boolean()
    .default(false)
    .describe(
      'Also emit per-cluster series: NodegroupsBehind and MaxAmiAgeDays per cluster, RolloutsStarted, RolloutsSucceeded and RolloutDurationSeconds per cluster and wave, patch results per cluster. CloudWatch bills each combination of dimension values as one custom metric for every hour it receives data: about 5 more series per cluster. Off by default: the dashboard and the alarms read only the fleet-wide and per-wave series (and failed rollouts per cluster, emitted always).',
    ),
});

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** A required string whose absence says what it is for (`required: …`). */
function requiredString(whenMissing: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? `required: ${whenMissing}` : undefined) });
}

// An SSM parameter name (letters, digits, _ . - /), or one with `{version}` once as a whole path
// segment after at least one fixed one: one parameter per Kubernetes minor. The stack grants
// `{version}` as `*` and the golden AMI rule matches it as a wildcard, so a placeholder anywhere
// else (`/{version}`, `/golden{version}`) would reach other parameters. The JSON schema carries the
// same pattern (no lookahead, so RE2 validators take it too).
const GOLDEN_PARAMETER =
  /^(?:\/[A-Za-z0-9_.\-/]+|\/(?:[A-Za-z0-9_.-]+\/)+\{version\}(?:\/[A-Za-z0-9_.-]+)*)$/;

/** Why `name` is not a golden parameter name (the pattern above), in words. Pure. */
function goldenParameterProblem(name: unknown): string {
  const text = typeof name === 'string' ? name : '';
  const shown = JSON.stringify(text);
  if (text.split(VERSION_PLACEHOLDER).length > 2)
    return `${shown} has ${VERSION_PLACEHOLDER} more than once; it may stand for the Kubernetes minor once (e.g. "/golden/web/{version}/ami")`;
  if (/[{}]/.test(text.replace(VERSION_PLACEHOLDER, '')))
    return `${shown} has braces other than ${VERSION_PLACEHOLDER}: only ${VERSION_PLACEHOLDER} (the Kubernetes minor, once) may be in braces`;
  if (text.includes(VERSION_PLACEHOLDER) && !/[{}*?]/.test(text.replace(VERSION_PLACEHOLDER, '')))
    return `${shown} has ${VERSION_PLACEHOLDER} where it is not a whole path segment after a fixed one: it is granted and matched as a wildcard, so it must stand alone between slashes, as in "/golden/web/{version}/ami"`;
  if (text.includes('*') || text.includes('?'))
    return `${shown} has a wildcard: list each parameter by name, or one per Kubernetes minor with ${VERSION_PLACEHOLDER}`;
  return `expected an SSM parameter name such as "/golden/eks-al2023/ami" (letters, digits, _ . - /, starting with /), or one per Kubernetes minor such as "/golden/web/{version}/ami" (got ${shown})`;
}

const goldenParameterSchema = z
  .string()
  .regex(GOLDEN_PARAMETER, { error: (issue) => goldenParameterProblem(issue.input) });

const targetSchema = z
  .strictObject({
    accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit account ID'),
    readRoleArn: requiredString(
      "the spoke's read-only role ARN (roleArn was split into readRoleArn and writeRoleArn; npm run iam -- --spoke prints both roles)",
    )
      .regex(ROLE_ARN, 'expected a role ARN such as arn:aws:iam::444455556666:role/nodekeeper-spoke-read')
      .describe(
        "The spoke's read-only role: the scan, patch-status and the slash command's plan assume it (npm run iam -- --spoke prints its policies).",
      ),
    writeRoleArn: requiredString(
      "the spoke's mutating role ARN (roleArn was split into readRoleArn and writeRoleArn; npm run iam -- --spoke prints both roles)",
    )
      .regex(ROLE_ARN, 'expected a role ARN such as arn:aws:iam::444455556666:role/nodekeeper-spoke-write')
      .describe(
        "The spoke's mutating role: the rollout workflow and the patch function assume it. Only they may assume it.",
      ),
    externalId: requiredString(
      "the sts:ExternalId both spoke roles' trust policies require (every target needs one)",
    )
      .regex(/^[\w+=,.@:/-]{2,1224}$/, 'expected 2-1224 characters of letters, digits and +=,.@:/-')
      .describe("The sts:ExternalId both spoke roles' trust policies require."),
    regions: z
      .array(z.string().regex(REGION, 'expected an AWS region name such as us-east-1'))
      .min(1, 'expected at least one region'),
    clusters: nameList.min(1, 'expected at least one cluster name or glob').default(['*']),
  })
  .superRefine((t, ctx) => {
    for (const key of ['readRoleArn', 'writeRoleArn'] as const) {
      const account = ROLE_ARN.exec(t[key])?.[1];
      if (account !== undefined && account !== t.accountId) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `the role is in account ${account}, not ${t.accountId}`,
        });
      }
    }
    if (t.readRoleArn === t.writeRoleArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['writeRoleArn'],
        message:
          'must differ from readRoleArn: the functions that only read must not be able to assume the mutating role',
      });
    }
  });

/** The config schema (zod). Strict: unknown keys are errors. */
export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
    regions: z
      .array(z.string().regex(REGION, 'expected an AWS region name such as us-east-1'))
      .min(1, 'expected at least one region'),
    clusters: nameList.min(1, 'expected at least one cluster name or glob').default(['*']),
    minAmiAgeDays: z.int().min(0).default(0),
    followClusterVersion: z
      .boolean()
      .default(false)
      .describe(
        "Node groups whose Kubernetes minor is behind their cluster's roll to the next minor (one at a time, never past the cluster's), with that minor's image, through the same waves, soak, windows, budgets and approvals; a wave's followClusterVersion overrides it. Off: the plan shows the lag (version-behind).",
      ),
    denyAmis: z
      .array(z.string().min(1))
      .default([])
      .describe('AMI IDs or release versions never to roll to.'),
    waves: z.array(waveSchema).default([]),
    schedule: scheduleSchema.optional(),
    maxConcurrentPerCluster: z.int().min(1).default(1),
    maxConcurrentTotal: z.int().min(1).optional(),
    maxFailuresPerRelease: z.int().min(1).default(1),
    launchTemplateVersions: z
      .strictObject({
        keep: z
          .int()
          .min(1)
          .max(9999)
          .default(5)
          .describe(
            "nodekeeper's own versions kept per launch template; older ones are deleted after a successful rollout (EC2 allows 10,000 versions per template).",
          ),
      })
      .optional()
      .describe(
        'Retirement of the launch template versions nodekeeper creates for custom-AMI node groups. Never the default version or one a node group uses.',
      ),
    targets: z
      .array(targetSchema)
      .default([])
      .describe(
        "Accounts the hub maintains through a role in each (STS AssumeRole). Empty: the deployment's own account in `regions`.",
      ),
    goldenAmiParameters: z
      .array(goldenParameterSchema)
      .default([])
      .describe(
        'Your own AMI parameters (SSM): the stack grants reads of these only, and a change to one of them triggers a scan. Node groups name theirs with the nodekeeper.io/ami-parameter tag. A name with {version} (once, e.g. "/golden/web/{version}/ami") stands for one parameter per Kubernetes minor: it is granted and watched as a pattern with * for {version}.',
      ),
    patch: patchSchema.prefault({}),
    rollout: rolloutSchema.prefault({}),
    slack: slackSchema.prefault({}),
    observability: observabilitySchema
      .prefault({})
      .describe('What nodekeeper deploys and emits for CloudWatch beyond its alarms.'),
  })
  .superRefine((config, ctx) => {
    const accounts = new Set<string>();
    config.targets.forEach((t, index) => {
      if (accounts.has(t.accountId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', index, 'accountId'],
          message: `account ${t.accountId} is listed twice`,
        });
      }
      accounts.add(t.accountId);
    });
    const seen = new Set<string>();
    config.waves.forEach((wave, index) => {
      if (seen.has(wave.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['waves', index, 'name'],
          message: `duplicate wave name "${wave.name}"`,
        });
      }
      seen.add(wave.name);
    });
  });

/** Validated config with every default applied. */
export type Config = z.output<typeof configSchema>;
/** What may be written in the file (defaults optional). */
export type ConfigInput = z.input<typeof configSchema>;
export type WaveConfig = Config['waves'][number];
export type TargetConfig = Config['targets'][number];

/**
 * Which spoke role a caller assumes: `read` (inspection: the scan, patch-status, the slash
 * command's plan, `nodekeeper plan`) or `write` (rollouts and patching).
 */
export const SpokeAccess = { read: 'read', write: 'write' } as const;
export type SpokeAccess = (typeof SpokeAccess)[keyof typeof SpokeAccess];

/** One (account, region) the fleet spans, with the clusters to select there and how to reach it. */
export interface FleetTarget {
  /** null: the deployment's own account (no role to assume). */
  accountId: string | null;
  region: string;
  clusters: string[];
  /** The role for the access asked of {@link fleetTargets}; null for the deployment's own account. */
  role: { roleArn: string; externalId: string | null } | null;
}

/**
 * Every (account, region) the config spans: each target's regions through its read-only or its
 * mutating role (`access`, default read-only), or without targets the deployment's own account
 * in `regions`. Pure.
 */
export function fleetTargets(
  config: Pick<Config, 'regions' | 'clusters' | 'targets'>,
  access: SpokeAccess = SpokeAccess.read,
): FleetTarget[] {
  if (config.targets.length === 0) {
    return config.regions.map((region) => ({
      accountId: null,
      region,
      clusters: [...config.clusters],
      role: null,
    }));
  }
  return config.targets.flatMap((t) =>
    t.regions.map((region) => ({
      accountId: t.accountId,
      region,
      clusters: [...t.clusters],
      role: {
        roleArn: access === SpokeAccess.write ? t.writeRoleArn : t.readRoleArn,
        externalId: t.externalId,
      },
    })),
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** One `path: message` line per problem; unknown keys get one line each. Pure. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
    }
    return [`${formatPath(issue.path)}: ${issue.message}`];
  });
}

/** Validates `raw` (parsed JSON) and applies defaults. Throws ValidationError listing every bad field. Pure. */
export function parseConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ValidationError('invalid config', formatIssues(result.error.issues), { cause: result.error });
  }
  return result.data;
}

/**
 * Parses `text` (JSON) as a config: the one parser of the CLI, the functions and the stacks.
 * Throws ValidationError naming `source` (a file name or `NODEKEEPER_CONFIG`). Pure.
 */
export function parseConfigText(text: string, source: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${source} is not valid JSON: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  try {
    return parseConfig(raw);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(`invalid config in ${source}`, error.issues, { cause: error });
    }
    throw error;
  }
}

/** The JSON Schema of the config file (input side: defaulted keys are optional). Pure; deterministic. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
