// The one source of nodekeeper's IAM: the stacks attach these statements to the functions, and
// `npm run iam` prints them for review. Pure data: no SST or Pulumi globals, no I/O, so plain Node
// can import it (`node scripts/iam.ts`) and tests can check it directly.

/** The functions nodekeeper deploys, by the file name of their handler under `functions/`. */
export const FunctionName = {
  rolloutScan: 'rollout-scan',
  rolloutFanout: 'rollout-fanout',
  rolloutInspect: 'rollout-inspect',
  rolloutWorkflow: 'rollout-workflow',
  patch: 'patch',
  patchStatus: 'patch-status',
  slackCommand: 'slack-command',
} as const;
export type FunctionName = (typeof FunctionName)[keyof typeof FunctionName];

/** An IAM condition block: operator → condition key → value(s), as in a policy document. */
export type Conditions = Record<string, Record<string, string | string[]>>;

/** One Allow statement. Actions are always named; `*` never appears in an action. */
export type Statement = {
  sid?: string;
  actions: string[];
  resources: string[];
  conditions?: Conditions;
};

/** The part of nodekeeper.config.json the IAM depends on (structurally compatible with core's Config). */
export type PermissionsConfig = {
  regions: readonly string[];
  clusters: readonly string[];
  goldenAmiParameters?: readonly string[] | undefined;
  targets?:
    | readonly {
        accountId: string;
        /** The spoke's read-only role: the scan, the inspect function, patch-status and the slash command assume it. */
        readRoleArn: string;
        /** The spoke's mutating role: the rollout workflow and the patch function assume it. */
        writeRoleArn: string;
        regions?: readonly string[];
        clusters?: readonly string[];
      }[]
    | undefined;
};

/** Where the hub is deployed. Unknown parts default to `*` (for review output before a deploy). */
export type PermissionsOptions = {
  partition?: string;
  accountId?: string;
  region?: string;
  stage?: string;
};

/** Physical names of the resources a stage owns. Pure; the stacks name resources with these. */
export function resourceNames(stage: string) {
  const prefix = `nodekeeper-${stage}`;
  return {
    functions: {
      'rollout-scan': `${prefix}-rollout-scan`,
      'rollout-fanout': `${prefix}-rollout-fanout`,
      'rollout-inspect': `${prefix}-rollout-inspect`,
      'rollout-workflow': `${prefix}-rollout-workflow`,
      patch: `${prefix}-patch`,
      'patch-status': `${prefix}-patch-status`,
      'slack-command': `${prefix}-slack-command`,
    } satisfies Record<FunctionName, string>,
    ledgerTable: `${prefix}-ledger`,
    pauseParameter: `/nodekeeper/${stage}/paused`,
  };
}

/** The SSM document nodekeeper runs for in-place patching. */
export const PATCH_DOCUMENT = 'AWS-RunPatchBaseline';

/**
 * Maps a cluster name or glob from the config to an IAM resource pattern. Core's globs know only
 * `*` (any run) and `?` (one character), which mean the same in IAM ARNs and StringLike. Pure.
 */
export function clusterGlobToIamPattern(glob: string): string {
  return glob.replace(/\*+/g, '*');
}

// Each list below is what the handlers' SDK calls need (see the per-function comments in
// `functionPermissions`); a grant nobody calls does not belong here.

// EKS actions by the resource type IAM authorizes them on (Service Authorization Reference,
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html):
// a cluster ARN means nothing to DescribeNodegroup, a node group ARN nothing to DescribeCluster.
/** On cluster ARNs: inspectFleet (packages/aws/src/inspect.ts) and the patch function's cluster lookup. */
const EKS_CLUSTER_READ_ACTIONS = ['eks:DescribeCluster', 'eks:ListNodegroups'];
/** On node group ARNs. */
const EKS_NODEGROUP_READ_ACTIONS = ['eks:DescribeNodegroup'];
/** On cluster ARNs, and node group ARNs when a node group is named: adopt an update in flight, poll. */
const EKS_UPDATE_READ_ACTIONS = ['eks:ListUpdates', 'eks:DescribeUpdate'];

/**
 * Resource types ec2:RunInstances authorizes that an EKS managed node group's launch template can
 * involve, in the account (ARNs with an account ID). Images and snapshots have no account in their
 * ARN (they may be Amazon's or shared) and are listed separately.
 */
const RUN_INSTANCES_ACCOUNT_RESOURCES = [
  'instance',
  'volume',
  'network-interface',
  'subnet',
  'security-group',
  'key-pair',
  'launch-template',
  'placement-group',
  'capacity-reservation',
  'spot-instances-request',
] as const;
/** What a launch template's TagSpecifications can tag at launch (EC2 API: LaunchTemplateTagSpecificationRequest). */
const LAUNCH_TAGGED_RESOURCES = [
  'instance',
  'volume',
  'network-interface',
  'spot-instances-request',
] as const;

/** The patch functions' ledger access, as their author declared it. */
const PATCH_LEDGER_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:ConditionCheckItem',
];

/** DynamoDB actions that read an index too (the `index` resource type); item actions act on the table only. */
const INDEX_ACTIONS: ReadonlySet<string> = new Set(['dynamodb:Query', 'dynamodb:Scan']);

/** The ledger operations (packages/aws/src/ledger.ts) and the DynamoDB action each one needs. */
const Ledger = {
  /** get; claimNotification when the claim exists already; getRun (packages/aws/src/runs.ts). */
  get: 'dynamodb:GetItem',
  /** create, claimNotification; openRun. */
  put: 'dynamodb:PutItem',
  /** recordOutcome, markNotificationSent; setRunThread, setRunItem, dropRunItems. */
  update: 'dynamodb:UpdateItem',
  /** listHistory (by cluster on gsi1, by time on gsi2), approvals and recalls (gsi1). */
  query: 'dynamodb:Query',
} as const;

/** The ledger's indexes (stacks/ledger.ts, LedgerSchema in packages/aws/src/ledger.ts). */
const LEDGER_INDEXES = { byCluster: 'gsi1', byTime: 'gsi2' } as const;

type Scope = { partition: string; accountId: string; region: string; regions: string[]; clusters: string[] };

function clusterArns(s: Scope): string[] {
  return s.regions.flatMap((region) =>
    s.clusters.map((c) => `arn:${s.partition}:eks:${region}:${s.accountId}:cluster/${c}`),
  );
}

function nodegroupArns(s: Scope): string[] {
  return s.regions.flatMap((region) =>
    s.clusters.map((c) => `arn:${s.partition}:eks:${region}:${s.accountId}:nodegroup/${c}/*/*`),
  );
}

function eksClusterRead(s: Scope): Statement {
  return { sid: 'EksReadClusters', actions: [...EKS_CLUSTER_READ_ACTIONS], resources: clusterArns(s) };
}

function eksNodegroupRead(s: Scope): Statement {
  return { sid: 'EksReadNodegroups', actions: [...EKS_NODEGROUP_READ_ACTIONS], resources: nodegroupArns(s) };
}

function eksUpdateRead(s: Scope): Statement {
  return {
    sid: 'EksReadUpdates',
    actions: [...EKS_UPDATE_READ_ACTIONS],
    resources: [...clusterArns(s), ...nodegroupArns(s)],
  };
}

/** What inspectFleet calls: the scan, the fleet scan's inspect function and the slash command's `plan`. */
function fleetReadStatements(s: Scope, goldenParameters: readonly string[]): Statement[] {
  return [
    // ListClusters and the EC2 Describe* calls have no resource-level permissions in IAM.
    { sid: 'EksListClusters', actions: ['eks:ListClusters'], resources: ['*'] },
    eksClusterRead(s),
    eksNodegroupRead(s),
    {
      sid: 'Ec2ReadImages',
      actions: ['ec2:DescribeImages', 'ec2:DescribeLaunchTemplateVersions'],
      resources: ['*'],
    },
    {
      sid: 'SsmReadAmiParameters',
      actions: ['ssm:GetParameters'],
      resources: [
        // Public parameters have no account in their ARN.
        `arn:${s.partition}:ssm:*::parameter/aws/service/*`,
        ...s.regions.flatMap((region) =>
          goldenParameters.map((name) => goldenParameterArn(s.partition, region, s.accountId, name)),
        ),
      ],
    },
    // Age selection (packages/aws/src/releases.ts): when a target's newest image is too young, the
    // older releases AWS publishes beside `recommended`/`latest` under the family's parameter root.
    {
      sid: 'SsmReadAmiReleaseHistory',
      actions: ['ssm:GetParametersByPath'],
      resources: [
        `arn:${s.partition}:ssm:*::parameter/aws/service/eks/optimized-ami/*`,
        `arn:${s.partition}:ssm:*::parameter/aws/service/bottlerocket/*`,
      ],
    },
    // …and the earlier values of the operator's own golden parameters.
    ...(goldenParameters.length > 0
      ? [
          {
            sid: 'SsmReadGoldenParameterHistory',
            actions: ['ssm:GetParameterHistory'],
            resources: s.regions.flatMap((region) =>
              goldenParameters.map((name) => goldenParameterArn(s.partition, region, s.accountId, name)),
            ),
          },
        ]
      : []),
  ];
}

/** What the rollout port reads: the node group, its updates, and launch template versions. */
function rolloutReadStatements(s: Scope): Statement[] {
  return [
    eksNodegroupRead(s),
    eksUpdateRead(s),
    // DescribeLaunchTemplateVersions and DescribeImages have no resource-level permissions in IAM.
    // DescribeImages: a new version keeps the source's block device snapshots except the old AMI's.
    {
      sid: 'Ec2ReadLaunchTemplateVersions',
      actions: ['ec2:DescribeLaunchTemplateVersions', 'ec2:DescribeImages'],
      resources: ['*'],
    },
  ];
}

function parameterArn(partition: string, region: string, accountId: string, name: string): string {
  // A parameter ARN drops the leading slash of a hierarchical name.
  return `arn:${partition}:ssm:${region}:${accountId}:parameter/${name.replace(/^\//, '')}`;
}

/** Stands for the Kubernetes minor in a golden parameter name (core's VERSION_PLACEHOLDER). */
export const GOLDEN_VERSION_PLACEHOLDER = '{version}';

/**
 * The ARN (pattern) that grants a golden parameter: `{version}` (one parameter per Kubernetes
 * minor) becomes `*`, so IAM allows every minor's parameter, including those the operator creates
 * after a control plane upgrade. A resource wildcard; the actions stay named.
 */
function goldenParameterArn(partition: string, region: string, accountId: string, name: string): string {
  return parameterArn(partition, region, accountId, name.replaceAll(GOLDEN_VERSION_PLACEHOLDER, '*'));
}

function rolloutMutationStatements(s: Scope): Statement[] {
  return [
    {
      sid: 'Ec2CreateLaunchTemplateVersion',
      actions: ['ec2:CreateLaunchTemplateVersion'],
      // Operators' own launch templates carry no tag nodekeeper could rely on (EKS tags only the
      // templates it creates itself), so this is scoped by account and region instead. A new
      // version changes nothing by itself: it takes effect only through eks:UpdateNodegroupVersion
      // (scoped to the configured clusters below), and ec2:ModifyLaunchTemplate is not granted, so
      // the default version of a template never changes.
      resources: s.regions.map(
        (region) => `arn:${s.partition}:ec2:${region}:${s.accountId}:launch-template/*`,
      ),
    },
    {
      sid: 'Ec2DeleteLaunchTemplateVersions',
      // Retires nodekeeper's own old versions after a successful rollout (packages/core/src/rollout/
      // retire.ts), scoped like CreateLaunchTemplateVersion. EC2 refuses the default version, and
      // nodekeeper never deletes a version a node group uses.
      actions: ['ec2:DeleteLaunchTemplateVersions'],
      resources: s.regions.map(
        (region) => `arn:${s.partition}:ec2:${region}:${s.accountId}:launch-template/*`,
      ),
    },
    {
      sid: 'EksUpdateNodegroupVersion',
      actions: ['eks:UpdateNodegroupVersion'],
      resources: nodegroupArns(s),
    },
    // EKS checks these on the caller's behalf when UpdateNodegroupVersion names a launch template
    // with TagSpecifications ("Customize managed nodes with launch templates", EKS user guide); the
    // role never calls them itself. Scoped to the account and the configured regions: no condition
    // key is documented to be present in EKS's check, and one that is absent would deny every
    // launch-template rollout (InvalidRequestException).
    {
      sid: 'Ec2RunInstancesCheckedByEks',
      actions: ['ec2:RunInstances'],
      resources: s.regions.flatMap((region) => [
        ...RUN_INSTANCES_ACCOUNT_RESOURCES.map(
          (type) => `arn:${s.partition}:ec2:${region}:${s.accountId}:${type}/*`,
        ),
        `arn:${s.partition}:ec2:${region}::image/*`,
        `arn:${s.partition}:ec2:${region}::snapshot/*`,
      ]),
    },
    {
      sid: 'Ec2CreateTagsAtLaunchCheckedByEks',
      actions: ['ec2:CreateTags'],
      resources: s.regions.flatMap((region) =>
        LAUNCH_TAGGED_RESOURCES.map((type) => `arn:${s.partition}:ec2:${region}:${s.accountId}:${type}/*`),
      ),
      // Tags only as part of a launch, never on existing resources.
      conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    },
  ];
}

/** The patch function's EKS reads: the cluster's region (DescribeCluster) and its node groups. */
function patchEksReadStatements(s: Scope): Statement[] {
  return [eksClusterRead(s), eksNodegroupRead(s)];
}

/** patch-status: ListCommandInvocations has no resource-level permissions in IAM. */
function patchResultsStatement(): Statement {
  return { sid: 'SsmReadCommandResults', actions: ['ssm:ListCommandInvocations'], resources: ['*'] };
}

function patchStatements(s: Scope): Statement[] {
  return [
    {
      sid: 'SsmSendPatchCommandDocument',
      actions: ['ssm:SendCommand'],
      resources: [`arn:${s.partition}:ssm:*::document/${PATCH_DOCUMENT}`],
    },
    {
      sid: 'SsmSendPatchCommandToClusterNodes',
      actions: ['ssm:SendCommand'],
      resources: [`arn:${s.partition}:ec2:*:${s.accountId}:instance/*`],
      // EKS tags every managed node with eks:cluster-name; only nodes of configured clusters match.
      conditions: { StringLike: { 'ssm:resourceTag/eks:cluster-name': [...s.clusters] } },
    },
    {
      sid: 'PatchTargetsRead',
      // ListCommands: before retrying an unanswered SendCommand, check whether SSM took it.
      actions: ['ssm:DescribeInstanceInformation', 'ec2:DescribeInstances', 'ssm:ListCommands'],
      resources: ['*'],
    },
  ];
}

/**
 * The ledger table: item actions on the table, Query and Scan on the table and its indexes (the
 * only DynamoDB actions IAM authorizes on an `index`). One or two statements, `{sid}Items` and
 * `{sid}Queries`.
 */
function ledgerStatements(s: Scope, table: string, sid: string, actions: readonly string[]): Statement[] {
  const arn = `arn:${s.partition}:dynamodb:${s.region}:${s.accountId}:table/${table}`;
  const items = actions.filter((a) => !INDEX_ACTIONS.has(a));
  const queries = actions.filter((a) => INDEX_ACTIONS.has(a));
  return [
    ...(items.length > 0 ? [{ sid: `${sid}Items`, actions: items, resources: [arn] }] : []),
    ...(queries.length > 0
      ? [{ sid: `${sid}Queries`, actions: queries, resources: [arn, `${arn}/index/*`] }]
      : []),
  ];
}

/**
 * The guard's read of the active recalls right before every start (packages/aws/src/recalls.ts:
 * one Query of the `RECALLS` partition of the ledger's GSI): Query on that index only, never on
 * the table, and no write.
 */
function recallsReadStatement(s: Scope, table: string): Statement {
  const arn = `arn:${s.partition}:dynamodb:${s.region}:${s.accountId}:table/${table}`;
  return {
    sid: 'LedgerRecallsRead',
    actions: [Ledger.query],
    resources: [`${arn}/index/${LEDGER_INDEXES.byCluster}`],
  };
}

/**
 * What the plan pipeline and `history`/`status` read besides items: rollout history (Query by
 * time on gsi2, by cluster on gsi1), approvals and recalls (gsi1). Query on those two indexes
 * only: never the table itself, and never a Scan.
 */
function ledgerIndexReadStatement(s: Scope, table: string, sid: string): Statement {
  const arn = `arn:${s.partition}:dynamodb:${s.region}:${s.accountId}:table/${table}`;
  return {
    sid,
    actions: [Ledger.query],
    resources: [`${arn}/index/${LEDGER_INDEXES.byCluster}`, `${arn}/index/${LEDGER_INDEXES.byTime}`],
  };
}

function pauseStatement(s: Scope, name: string, write: boolean): Statement {
  return {
    sid: write ? 'PauseFlagReadWrite' : 'PauseFlagRead',
    actions: write ? ['ssm:GetParameter', 'ssm:PutParameter'] : ['ssm:GetParameter'],
    resources: [parameterArn(s.partition, s.region, s.accountId, name)],
  };
}

/**
 * sts:AssumeRole on the targets' read-only roles or on their mutating roles, never both: a
 * function that only reads cannot assume a role that can change anything.
 */
function assumeTargetRoles(config: PermissionsConfig, access: 'read' | 'write'): Statement[] {
  const roles = [
    ...new Set((config.targets ?? []).map((t) => (access === 'read' ? t.readRoleArn : t.writeRoleArn))),
  ].sort();
  if (roles.length === 0) return [];
  return [
    {
      sid: access === 'read' ? 'AssumeSpokeReadRoles' : 'AssumeSpokeWriteRoles',
      actions: ['sts:AssumeRole'],
      resources: roles,
    },
  ];
}

/**
 * What a durable function's own executions need: checkpointing and reading back their state.
 * Lambda authorizes both against the durable execution ARN (`function:name:version/durable-execution/…`),
 * which `function:name:*` matches; scoped to the function itself, where the AWS managed policy
 * AWSLambdaBasicDurableExecutionRolePolicy (which the stacks detach) grants them on `*`.
 */
function durableCheckpointStatement(functionArn: string): Statement {
  return {
    sid: 'OwnDurableCheckpoints',
    actions: ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState'],
    resources: [`${functionArn}:*`],
  };
}

/**
 * The IAM statements of every nodekeeper function for a config and a deployment. Pure and
 * deterministic: the same input gives the same statements, in the same order.
 */
export function functionPermissions(
  config: PermissionsConfig,
  options: PermissionsOptions = {},
): Record<FunctionName, Statement[]> {
  const partition = options.partition ?? 'aws';
  const accountId = options.accountId ?? '*';
  const region = options.region ?? '*';
  const names = resourceNames(options.stage ?? 'prod');
  const s: Scope = {
    partition,
    accountId,
    region,
    regions: [...config.regions],
    clusters: config.clusters.map(clusterGlobToIamPattern),
  };
  const golden = config.goldenAmiParameters ?? [];
  const functionArn = (fn: FunctionName) =>
    `arn:${partition}:lambda:${region}:${accountId}:function:${names.functions[fn]}`;
  const readTargets = assumeTargetRoles(config, 'read');
  const writeTargets = assumeTargetRoles(config, 'write');
  // What the scan program does after inspecting, in the scan and in the fleet scan alike: the pause
  // flag, the notification claims, run threads and scan marks (get/put/update), the safety facts
  // (the history window, approvals and recalls: Query on the ledger's indexes) and one asynchronous
  // durable start per rollout.
  const scanProgram: Statement[] = [
    pauseStatement(s, names.pauseParameter, false),
    ...ledgerStatements(s, names.ledgerTable, 'LedgerScan', [Ledger.get, Ledger.put, Ledger.update]),
    ledgerIndexReadStatement(s, names.ledgerTable, 'LedgerScanQueries'),
    {
      sid: 'StartRolloutExecutions',
      // Starting a durable execution is lambda:InvokeFunction on a qualified ARN (version);
      // Lambda authorizes durable executions against `function:name:*`, never the bare ARN.
      actions: ['lambda:InvokeFunction'],
      resources: [`${functionArn('rollout-workflow')}:*`],
    },
  ];

  return {
    // functions/rollout-scan.ts: inspectFleet per region, then the scan program; above
    // rollout.fanOutAboveTargets targets it hands its event to the fleet scan instead.
    'rollout-scan': [
      ...fleetReadStatements(s, golden),
      ...scanProgram,
      {
        sid: 'StartFleetScans',
        // The hand-over: an asynchronous durable start of the fleet scan's published version,
        // authorized, like the rollouts', against `function:name:*`.
        actions: ['lambda:InvokeFunction'],
        resources: [`${functionArn('rollout-fanout')}:*`],
      },
      ...readTargets,
    ],
    // functions/rollout-fanout.ts (durable): one chained invoke of the inspect function per
    // (account, region) target, then the scan program over their results. It reads no fleet
    // itself, so it holds no EKS, EC2 or AMI parameter read and assumes no spoke role.
    'rollout-fanout': [
      ...scanProgram,
      {
        sid: 'InvokeInspectFunction',
        // context.invoke: the durable backend invokes the inspect function's published version
        // (NODEKEEPER_INSPECT_FUNCTION is its qualified ARN) for this execution; granted to this
        // role as AWS's durable invoke sample does (`function:name*`), without the prefix
        // wildcard: the one function and its versions (docs/aws-contracts.md, "Durable fleet scan").
        actions: ['lambda:InvokeFunction'],
        resources: [functionArn('rollout-inspect'), `${functionArn('rollout-inspect')}:*`],
      },
      durableCheckpointStatement(functionArn('rollout-fanout')),
    ],
    // functions/rollout-inspect.ts: inspectFleet for one target, read-only; nothing else (no
    // ledger, no pause flag, no Lambda).
    'rollout-inspect': [...fleetReadStatements(s, golden), ...readTargets],
    // functions/rollout-workflow.ts: guard (DescribeNodegroup, pause flag), start (launch template
    // version for CUSTOM AMIs, UpdateNodegroupVersion, adopting an update in flight with
    // ListUpdates/DescribeUpdate), poll (DescribeUpdate), the rollout record and its claims, and
    // the continuation scan it asks for at its end.
    'rollout-workflow': [
      ...rolloutReadStatements(s),
      ...rolloutMutationStatements(s),
      {
        sid: 'ContinuationScans',
        // A rollout that ends while its plan held work for the budget invokes the scan
        // asynchronously (unqualified: the latest code) so the next rollout starts in the window.
        actions: ['lambda:InvokeFunction'],
        resources: [functionArn('rollout-scan')],
      },
      pauseStatement(s, names.pauseParameter, false),
      ...ledgerStatements(s, names.ledgerTable, 'LedgerRollouts', [Ledger.get, Ledger.put, Ledger.update]),
      recallsReadStatement(s, names.ledgerTable),
      durableCheckpointStatement(functionArn('rollout-workflow')),
      ...writeTargets,
    ],
    patch: [
      ...patchEksReadStatements(s),
      ...patchStatements(s),
      ...ledgerStatements(s, names.ledgerTable, 'LedgerReadWrite', PATCH_LEDGER_ACTIONS),
      ...writeTargets,
    ],
    'patch-status': [
      patchResultsStatement(),
      ...ledgerStatements(s, names.ledgerTable, 'LedgerReadWrite', PATCH_LEDGER_ACTIONS),
      ...readTargets,
    ],
    // functions/slack-command.ts: `plan` (inspectFleet, pause flag), `pause`/`resume` (the flag),
    // `history`/`status` (listHistory: Query by cluster on gsi1, else by time on gsi2), the once-only claim of each
    // signed request (conditional PutItem), `approve` and its button (approval items), Pause/Resume
    // on a run's parent (the run item's control), and asynchronous invokes of
    // itself (the worker that answers on response_url) and of the patch function. `plan` reaches
    // other accounts through their read-only roles only.
    'slack-command': [
      ...fleetReadStatements(s, golden),
      {
        sid: 'InvokeWorkerAndPatch',
        actions: ['lambda:InvokeFunction'],
        resources: [functionArn('slack-command'), functionArn('patch')],
      },
      pauseStatement(s, names.pauseParameter, true),
      ledgerIndexReadStatement(s, names.ledgerTable, 'LedgerHistoryQueries'),
      // The worker's once-only claim of each signed request (packages/aws/src/request-claims.ts):
      // PutItem on claim items only, never on rollout or patch records.
      {
        sid: 'SignedRequestClaims',
        actions: [Ledger.put],
        resources: [`arn:${s.partition}:dynamodb:${s.region}:${s.accountId}:table/${names.ledgerTable}`],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SLACKREQ#*'] } },
      },
      // `approve` (typed or a button): the approval item, as `nodekeeper approve` writes it
      // (packages/aws/src/approvals.ts: conditional PutItem, GetItem of the newer one it lost to).
      {
        sid: 'SlackApprovals',
        actions: [Ledger.get, Ledger.put],
        resources: [`arn:${s.partition}:dynamodb:${s.region}:${s.accountId}:table/${names.ledgerTable}`],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APPROVAL#*'] } },
      },
      // Pause/Resume on a run's parent message: the run's control (packages/aws/src/runs.ts
      // setRunControl, getRun), never a rollout record.
      {
        sid: 'RunControls',
        actions: [Ledger.get, Ledger.update],
        resources: [`arn:${s.partition}:dynamodb:${s.region}:${s.accountId}:table/${names.ledgerTable}`],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RUN#*'] } },
      },
      // `recall` and `unrecall`: the recall items, as `nodekeeper recall` writes them
      // (packages/aws/src/recalls.ts: consistent GetItem, conditional PutItem and UpdateItem).
      {
        sid: 'SlackRecalls',
        actions: [Ledger.get, Ledger.put, Ledger.update],
        resources: [`arn:${s.partition}:dynamodb:${s.region}:${s.accountId}:table/${names.ledgerTable}`],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RECALL#*'] } },
      },
      ...readTargets,
    ],
  };
}

/**
 * The role EventBridge assumes to forward another region's events to the home region's default bus
 * (stacks/regional-events.ts): PutEvents on that one bus. Pure.
 */
export function eventForwardingStatements(home: {
  partition: string;
  accountId: string;
  region: string;
}): Statement[] {
  return [
    {
      sid: 'PutEventsOnHomeDefaultBus',
      actions: ['events:PutEvents'],
      resources: [`arn:${home.partition}:events:${home.region}:${home.accountId}:event-bus/default`],
    },
  ];
}

/**
 * IAM allows 10,240 characters of inline policy per role (whitespace not counted; IAM quotas,
 * "Role policy size"). SST writes a function's `permissions` into one inline policy and adds its
 * own statements (links): nodekeeper's statements keep this much of it free.
 */
export const ROLE_POLICY_MAX_CHARS = 10_240;
export const ROLE_POLICY_SST_RESERVE_CHARS = 1_536;

/**
 * Each function whose statements would not fit in its role's inline policy, with the size and
 * what to do; empty when all fit. Pure: checked before anything is deployed.
 */
export function policySizeProblems(permissions: Record<FunctionName, Statement[]>): string[] {
  const budget = ROLE_POLICY_MAX_CHARS - ROLE_POLICY_SST_RESERVE_CHARS;
  return Object.entries(permissions).flatMap(([fn, statements]) => {
    const size = JSON.stringify(toPolicyDocument(statements)).length;
    return size > budget
      ? [
          `${fn}: its IAM policy would be ${size} characters, over the ${budget} nodekeeper may use of IAM's ${ROLE_POLICY_MAX_CHARS} per role; list clusters as fewer patterns (e.g. "prod-*" rather than each name) or deploy one nodekeeper per group of regions`,
        ]
      : [];
  });
}

/** An IAM policy document as AWS reads it. */
export type PolicyDocument = {
  Version: '2012-10-17';
  Statement: {
    Sid?: string;
    Effect: 'Allow';
    Action?: string[];
    Resource?: string[];
    Principal?: { AWS: string[] };
    Condition?: Conditions;
  }[];
};

/** Converts statements to a policy document. Pure. */
export function toPolicyDocument(statements: readonly Statement[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: statements.map((st) => ({
      ...(st.sid ? { Sid: st.sid } : {}),
      Effect: 'Allow' as const,
      Action: [...st.actions],
      Resource: [...st.resources],
      ...(st.conditions ? { Condition: st.conditions } : {}),
    })),
  };
}

/**
 * Converts statements to SST's `permissions` shape (conditions as {test, variable, values}).
 * Pure; the stacks use it so the deployed roles carry exactly `functionPermissions`.
 */
export function toSstPermissions(statements: readonly Statement[]): {
  actions: string[];
  resources: string[];
  conditions?: { test: string; variable: string; values: string[] }[];
}[] {
  return statements.map((st) => ({
    actions: [...st.actions],
    resources: [...st.resources],
    ...(st.conditions
      ? {
          conditions: Object.entries(st.conditions).flatMap(([test, byKey]) =>
            Object.entries(byKey).map(([variable, values]) => ({
              test,
              variable,
              values: Array.isArray(values) ? [...values] : [values],
            })),
          ),
        }
      : {}),
  }));
}

export type SpokeOptions = {
  partition?: string;
  /** Cluster names or globs the spoke lets the hub maintain (default: every cluster). */
  clusters?: readonly string[];
  /** The spoke account's own golden AMI parameters the hub may read. */
  goldenAmiParameters?: readonly string[];
};

/** The hub roles each spoke role trusts (the `hubReadRoleArns` and `hubWriteRoleArns` outputs). */
export type SpokeHubRoles = {
  /** rollout-scan, rollout-inspect, patch-status and slack-command: they assume the read-only role. */
  read: readonly string[];
  /** rollout-workflow and patch: they assume the mutating role. */
  write: readonly string[];
};

/** A role's two policies. */
export type RolePolicies = { permissionPolicy: PolicyDocument; trustPolicy: PolicyDocument };

function trustPolicy(hubs: readonly string[], externalId: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'NodekeeperHub',
        Effect: 'Allow',
        Principal: { AWS: [...hubs] },
        Action: ['sts:AssumeRole'],
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
}

/**
 * The cross-account spoke roles: a read-only role with what the scan (or the fleet scan's inspect
 * function), patch-status and the slash command's `plan` call in a target account, and a mutating role
 * with what the rollout workflow and the patch function call. Each trusts only the hub roles that
 * assume it, with the external ID. Pure; throws on a missing hub role or external ID.
 */
export function spokeRolePolicies(
  hubRoles: SpokeHubRoles,
  externalId: string,
  options: SpokeOptions = {},
): { read: RolePolicies; write: RolePolicies } {
  const read = [...new Set(hubRoles.read)];
  const write = [...new Set(hubRoles.write)];
  if (read.length === 0) throw new Error('spokeRolePolicies needs at least one read hub role ARN');
  if (write.length === 0) throw new Error('spokeRolePolicies needs at least one write hub role ARN');
  if (externalId === '') throw new Error('spokeRolePolicies needs an external ID');
  const s: Scope = {
    partition: options.partition ?? 'aws',
    // A role's policy only acts in its own account; `*` keeps one template for every account.
    accountId: '*',
    region: '*',
    regions: ['*'],
    clusters: (options.clusters ?? ['*']).map(clusterGlobToIamPattern),
  };
  const readStatements = [
    ...fleetReadStatements(s, options.goldenAmiParameters ?? []),
    patchResultsStatement(),
  ];
  const writeStatements = [
    ...rolloutReadStatements(s),
    ...rolloutMutationStatements(s),
    ...patchEksReadStatements(s),
    ...patchStatements(s),
  ];
  return {
    read: {
      permissionPolicy: toPolicyDocument(dedupeStatements(readStatements)),
      trustPolicy: trustPolicy(read, externalId),
    },
    write: {
      permissionPolicy: toPolicyDocument(dedupeStatements(writeStatements)),
      trustPolicy: trustPolicy(write, externalId),
    },
  };
}

function dedupeStatements(statements: Statement[]): Statement[] {
  const seen = new Set<string>();
  return statements.filter((st) => {
    const key = JSON.stringify(st);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The role names a spoke template creates from `roleName` (default `nodekeeper-spoke`). Pure. */
export function spokeRoleNames(roleName = 'nodekeeper-spoke'): { read: string; write: string } {
  return { read: `${roleName}-read`, write: `${roleName}-write` };
}

/**
 * A CloudFormation template (JSON) that creates both spoke roles, for `aws cloudformation
 * create-stack-set` across an AWS Organization. Pure.
 */
export function spokeCloudFormationTemplate(
  hubRoles: SpokeHubRoles,
  externalId: string,
  options: SpokeOptions & { roleName?: string } = {},
): Record<string, unknown> {
  const policies = spokeRolePolicies(hubRoles, externalId, options);
  const names = spokeRoleNames(options.roleName);
  const role = (name: string, policy: RolePolicies) => ({
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: name,
      AssumeRolePolicyDocument: policy.trustPolicy,
      Policies: [{ PolicyName: name, PolicyDocument: policy.permissionPolicy }],
    },
  });
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'nodekeeper spoke roles: let the nodekeeper hub read (scan, plan) and maintain (rollouts, patching) EKS managed node groups in this account',
    Resources: {
      NodekeeperSpokeReadRole: role(names.read, policies.read),
      NodekeeperSpokeWriteRole: role(names.write, policies.write),
    },
    Outputs: {
      ReadRoleArn: { Value: { 'Fn::GetAtt': ['NodekeeperSpokeReadRole', 'Arn'] } },
      WriteRoleArn: { Value: { 'Fn::GetAtt': ['NodekeeperSpokeWriteRole', 'Arn'] } },
    },
  };
}
