// The one source of nodekeeper's IAM: the stacks attach these statements to the functions, and
// `npm run iam` prints them for review. Pure data: no SST or Pulumi globals, no I/O, so plain Node
// can import it (`node scripts/iam.ts`) and tests can check it directly.

/** The functions nodekeeper deploys, by the file name of their handler under `functions/`. */
export const FunctionName = {
  rolloutScan: 'rollout-scan',
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
        roleArn: string;
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

/** inspectFleet (packages/aws/src/inspect.ts): ListClusters is granted separately (no resource). */
const EKS_INSPECT_ACTIONS = ['eks:DescribeCluster', 'eks:ListNodegroups', 'eks:DescribeNodegroup'];
/** The rollout port (packages/aws/src/rollout.ts): guard, adopt an update in flight, poll. */
const EKS_ROLLOUT_READ_ACTIONS = ['eks:DescribeNodegroup', 'eks:ListUpdates', 'eks:DescribeUpdate'];
/** The patch function's reads, as its author declared them (issue 7). */
const EKS_PATCH_READ_ACTIONS = [
  'eks:DescribeCluster',
  'eks:ListNodegroups',
  'eks:DescribeNodegroup',
  'eks:ListUpdates',
  'eks:DescribeUpdate',
];

/** The patch functions' ledger access, as their author declared it (issue 7). */
const PATCH_LEDGER_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:ConditionCheckItem',
];

/** The ledger operations (packages/aws/src/ledger.ts) and the DynamoDB action each one needs. */
const Ledger = {
  /** get; claimNotification when the claim exists already; getRun (packages/aws/src/runs.ts). */
  get: 'dynamodb:GetItem',
  /** create, claimNotification; openRun. */
  put: 'dynamodb:PutItem',
  /** recordOutcome, markNotificationSent; setRunThread, setRunItem, dropRunItems. */
  update: 'dynamodb:UpdateItem',
  /** listHistory of one cluster (GSI). */
  query: 'dynamodb:Query',
  /** listHistory of every cluster. */
  scan: 'dynamodb:Scan',
} as const;

type Scope = { partition: string; accountId: string; region: string; regions: string[]; clusters: string[] };

function eksResources(s: Scope): string[] {
  return s.regions.flatMap((region) =>
    s.clusters.flatMap((c) => [
      `arn:${s.partition}:eks:${region}:${s.accountId}:cluster/${c}`,
      `arn:${s.partition}:eks:${region}:${s.accountId}:nodegroup/${c}/*/*`,
    ]),
  );
}

/** What inspectFleet calls: the scan and the slash command's `plan`. */
function fleetReadStatements(s: Scope, goldenParameters: readonly string[]): Statement[] {
  return [
    // ListClusters and the EC2 Describe* calls have no resource-level permissions in IAM.
    { sid: 'EksListClusters', actions: ['eks:ListClusters'], resources: ['*'] },
    { sid: 'EksRead', actions: [...EKS_INSPECT_ACTIONS], resources: eksResources(s) },
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
          goldenParameters.map((name) => parameterArn(s.partition, region, s.accountId, name)),
        ),
      ],
    },
  ];
}

/** What the rollout port reads: the node group, its updates, and launch template versions. */
function rolloutReadStatements(s: Scope): Statement[] {
  return [
    { sid: 'EksReadNodegroupUpdates', actions: [...EKS_ROLLOUT_READ_ACTIONS], resources: eksResources(s) },
    // DescribeLaunchTemplateVersions has no resource-level permissions in IAM.
    {
      sid: 'Ec2ReadLaunchTemplateVersions',
      actions: ['ec2:DescribeLaunchTemplateVersions'],
      resources: ['*'],
    },
  ];
}

function parameterArn(partition: string, region: string, accountId: string, name: string): string {
  // A parameter ARN drops the leading slash of a hierarchical name.
  return `arn:${partition}:ssm:${region}:${accountId}:parameter/${name.replace(/^\//, '')}`;
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
      sid: 'EksUpdateNodegroupVersion',
      actions: ['eks:UpdateNodegroupVersion'],
      resources: s.regions.flatMap((region) =>
        s.clusters.map((c) => `arn:${s.partition}:eks:${region}:${s.accountId}:nodegroup/${c}/*/*`),
      ),
    },
  ];
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

function ledgerStatement(s: Scope, table: string, sid: string, actions: readonly string[]): Statement {
  const arn = `arn:${s.partition}:dynamodb:${s.region}:${s.accountId}:table/${table}`;
  return { sid, actions: [...actions], resources: [arn, `${arn}/index/*`] };
}

function pauseStatement(s: Scope, name: string, write: boolean): Statement {
  return {
    sid: write ? 'PauseFlagReadWrite' : 'PauseFlagRead',
    actions: write ? ['ssm:GetParameter', 'ssm:PutParameter'] : ['ssm:GetParameter'],
    resources: [parameterArn(s.partition, s.region, s.accountId, name)],
  };
}

function assumeTargetRoles(config: PermissionsConfig): Statement[] {
  const roles = [...new Set((config.targets ?? []).map((t) => t.roleArn))].sort();
  if (roles.length === 0) return [];
  return [{ sid: 'AssumeSpokeRoles', actions: ['sts:AssumeRole'], resources: roles }];
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
  const targets = assumeTargetRoles(config);

  return {
    // functions/rollout-scan.ts: inspectFleet per region, the pause flag, the plan summary's
    // notification claim in the ledger, and one asynchronous durable start per rollout.
    'rollout-scan': [
      ...fleetReadStatements(s, golden),
      pauseStatement(s, names.pauseParameter, false),
      // Notifications claims (get/put/update) and the safety facts: history (scan) and approvals (query).
      ledgerStatement(s, names.ledgerTable, 'LedgerScan', [
        Ledger.get,
        Ledger.put,
        Ledger.update,
        Ledger.query,
        Ledger.scan,
      ]),
      {
        sid: 'StartRolloutExecutions',
        // Starting a durable execution is lambda:InvokeFunction on a qualified ARN (version);
        // Lambda authorizes durable executions against `function:name:*`, never the bare ARN.
        actions: ['lambda:InvokeFunction'],
        resources: [`${functionArn('rollout-workflow')}:*`],
      },
      ...targets,
    ],
    // functions/rollout-workflow.ts: guard (DescribeNodegroup, pause flag), start (launch template
    // version for CUSTOM AMIs, UpdateNodegroupVersion, adopting an update in flight with
    // ListUpdates/DescribeUpdate), poll (DescribeUpdate), and the rollout record and its claims.
    'rollout-workflow': [
      ...rolloutReadStatements(s),
      ...rolloutMutationStatements(s),
      pauseStatement(s, names.pauseParameter, false),
      ledgerStatement(s, names.ledgerTable, 'LedgerRollouts', [Ledger.get, Ledger.put, Ledger.update]),
      ...targets,
    ],
    patch: [
      { sid: 'EksRead', actions: [...EKS_PATCH_READ_ACTIONS], resources: eksResources(s) },
      ...patchStatements(s),
      ledgerStatement(s, names.ledgerTable, 'LedgerReadWrite', PATCH_LEDGER_ACTIONS),
      ...targets,
    ],
    'patch-status': [
      // ListCommandInvocations has no resource-level permissions in IAM.
      { sid: 'SsmReadCommandResults', actions: ['ssm:ListCommandInvocations'], resources: ['*'] },
      ledgerStatement(s, names.ledgerTable, 'LedgerReadWrite', PATCH_LEDGER_ACTIONS),
      ...targets,
    ],
    // functions/slack-command.ts: `plan` (inspectFleet, pause flag), `pause`/`resume` (the flag),
    // `history`/`status` (listHistory: Query by cluster, else Scan), and asynchronous invokes of
    // itself (the worker that answers on response_url) and of the patch function.
    'slack-command': [
      ...fleetReadStatements(s, golden),
      {
        sid: 'InvokeWorkerAndPatch',
        actions: ['lambda:InvokeFunction'],
        resources: [functionArn('slack-command'), functionArn('patch')],
      },
      pauseStatement(s, names.pauseParameter, true),
      ledgerStatement(s, names.ledgerTable, 'LedgerHistory', [Ledger.query, Ledger.scan]),
    ],
  };
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

/**
 * The cross-account spoke role (issue 11): the permission policy with every fleet action the hub
 * functions call in a target account, and a trust policy that lets only the hub roles assume it,
 * with the external ID when one is given. Pure.
 */
export function spokeRolePolicies(
  hubRoleArns: string | readonly string[],
  externalId?: string,
  options: SpokeOptions = {},
): { permissionPolicy: PolicyDocument; trustPolicy: PolicyDocument } {
  const hubs = [...new Set(typeof hubRoleArns === 'string' ? [hubRoleArns] : hubRoleArns)];
  if (hubs.length === 0) throw new Error('spokeRolePolicies needs at least one hub role ARN');
  const partition = options.partition ?? 'aws';
  const s: Scope = {
    partition,
    // A role's policy only acts in its own account; `*` keeps one template for every account.
    accountId: '*',
    region: '*',
    regions: ['*'],
    clusters: (options.clusters ?? ['*']).map(clusterGlobToIamPattern),
  };
  const statements = [
    ...fleetReadStatements(s, options.goldenAmiParameters ?? []),
    ...rolloutReadStatements(s),
    ...rolloutMutationStatements(s),
    ...patchStatements(s),
    { sid: 'SsmReadCommandResults', actions: ['ssm:ListCommandInvocations'], resources: ['*'] },
  ];
  return {
    permissionPolicy: toPolicyDocument(dedupeStatements(statements)),
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'NodekeeperHub',
          Effect: 'Allow',
          Principal: { AWS: hubs },
          Action: ['sts:AssumeRole'],
          ...(externalId ? { Condition: { StringEquals: { 'sts:ExternalId': externalId } } } : {}),
        },
      ],
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

/**
 * A CloudFormation template (JSON) that creates the spoke role, for `aws cloudformation
 * create-stack-set` across an AWS Organization. Pure.
 */
export function spokeCloudFormationTemplate(
  hubRoleArns: string | readonly string[],
  externalId?: string,
  options: SpokeOptions & { roleName?: string } = {},
): Record<string, unknown> {
  const { permissionPolicy, trustPolicy } = spokeRolePolicies(hubRoleArns, externalId, options);
  const roleName = options.roleName ?? 'nodekeeper-spoke';
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'nodekeeper spoke role: lets the nodekeeper hub maintain EKS managed node groups in this account',
    Resources: {
      NodekeeperSpokeRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: roleName,
          AssumeRolePolicyDocument: trustPolicy,
          Policies: [{ PolicyName: 'nodekeeper-spoke', PolicyDocument: permissionPolicy }],
        },
      },
    },
    Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['NodekeeperSpokeRole', 'Arn'] } } },
  };
}
