import { describe, expect, it } from 'vitest';
import {
  clusterGlobToIamPattern,
  FunctionName,
  functionPermissions,
  type PermissionsConfig,
  policySizeProblems,
  ROLE_POLICY_MAX_CHARS,
  resourceNames,
  type Statement,
  spokeCloudFormationTemplate,
  spokeRolePolicies,
  toSstPermissions,
} from '../../stacks/permissions.ts';
import { isReadOnlyAction, scopeProblems } from './iam-rules.ts';

const ACCOUNT = '111122223333';
const options = { partition: 'aws', accountId: ACCOUNT, region: 'us-east-2', stage: 'prod' };

function aConfig(overrides: Partial<PermissionsConfig> = {}): PermissionsConfig {
  return {
    regions: ['us-east-1', 'eu-west-1'],
    clusters: ['prod-*', 'dev-a'],
    goldenAmiParameters: ['/golden/eks-al2023/ami'],
    ...overrides,
  };
}

function statementsWith(statements: Statement[], action: string): Statement[] {
  return statements.filter((s) => s.actions.includes(action));
}

function allStatements(perms: Record<string, Statement[]>): [string, Statement][] {
  return Object.entries(perms).flatMap(([fn, statements]) =>
    statements.map((s) => [fn, s] as [string, Statement]),
  );
}

describe('functionPermissions', () => {
  const perms = functionPermissions(aConfig(), options);

  describe('when given any config', () => {
    it('covers every function', () => {
      expect(Object.keys(perms).sort()).toEqual(Object.values(FunctionName).sort());
    });

    it('names every action (no wildcards)', () => {
      for (const [fn, s] of allStatements(perms)) {
        for (const action of s.actions) expect(action, `${fn}: ${action}`).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
      }
    });

    it('scopes every mutation by resource or condition', () => {
      const problems = allStatements(perms).flatMap(([fn, s]) => scopeProblems(s).map((p) => `${fn}: ${p}`));
      expect(problems).toEqual([]);
    });

    it('gives unscoped resources ("*") to read actions only', () => {
      for (const [, s] of allStatements(perms)) {
        if (s.resources.includes('*')) expect(s.actions.every(isReadOnlyAction), s.sid).toBe(true);
      }
    });
  });

  describe('when the workflow rolls node groups', () => {
    const workflow = perms['rollout-workflow'];

    it('may update only node groups of configured clusters in configured regions', () => {
      const [update, ...more] = statementsWith(workflow, 'eks:UpdateNodegroupVersion');
      expect(more).toEqual([]);
      expect(update?.actions).toEqual(['eks:UpdateNodegroupVersion']);
      expect(update?.resources).toEqual([
        `arn:aws:eks:us-east-1:${ACCOUNT}:nodegroup/prod-*/*/*`,
        `arn:aws:eks:us-east-1:${ACCOUNT}:nodegroup/dev-a/*/*`,
        `arn:aws:eks:eu-west-1:${ACCOUNT}:nodegroup/prod-*/*/*`,
        `arn:aws:eks:eu-west-1:${ACCOUNT}:nodegroup/dev-a/*/*`,
      ]);
    });

    it('may create launch template versions only in its account and configured regions', () => {
      const [create] = statementsWith(workflow, 'ec2:CreateLaunchTemplateVersion');
      expect(create?.resources).toEqual([
        `arn:aws:ec2:us-east-1:${ACCOUNT}:launch-template/*`,
        `arn:aws:ec2:eu-west-1:${ACCOUNT}:launch-template/*`,
      ]);
    });

    it('may delete launch template versions with the same scope as it creates them', () => {
      const [create] = statementsWith(workflow, 'ec2:CreateLaunchTemplateVersion');
      const [remove, ...more] = statementsWith(workflow, 'ec2:DeleteLaunchTemplateVersions');
      expect(more).toEqual([]);
      expect(remove?.actions).toEqual(['ec2:DeleteLaunchTemplateVersions']);
      expect(remove?.resources).toEqual(create?.resources);
      expect(remove?.conditions).toEqual(create?.conditions);
      const holders = allStatements(perms)
        .filter(([, s]) => s.actions.includes('ec2:DeleteLaunchTemplateVersions'))
        .map(([fn]) => fn);
      expect(holders).toEqual(['rollout-workflow']);
    });

    it('holds ec2:RunInstances and ec2:CreateTags, which EKS checks for launch templates with TagSpecifications', () => {
      const [run, ...moreRuns] = statementsWith(workflow, 'ec2:RunInstances');
      expect(moreRuns).toEqual([]);
      expect(run?.actions).toEqual(['ec2:RunInstances']);
      expect(run?.resources).toContain(`arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`);
      expect(run?.resources).toContain('arn:aws:ec2:eu-west-1::image/*');
      expect(run?.resources.every((r) => /^arn:aws:ec2:(us-east-1|eu-west-1):/.test(r))).toBe(true);
      const [tag, ...moreTags] = statementsWith(workflow, 'ec2:CreateTags');
      expect(moreTags).toEqual([]);
      expect(tag?.conditions).toEqual({ StringEquals: { 'ec2:CreateAction': 'RunInstances' } });
      expect(tag?.resources).toEqual(
        ['us-east-1', 'eu-west-1'].flatMap((region) =>
          ['instance', 'volume', 'network-interface', 'spot-instances-request'].map(
            (type) => `arn:aws:ec2:${region}:${ACCOUNT}:${type}/*`,
          ),
        ),
      );
    });

    it('is the only function that may launch or tag instances', () => {
      const holders = allStatements(perms)
        .filter(([, s]) => s.actions.includes('ec2:RunInstances') || s.actions.includes('ec2:CreateTags'))
        .map(([fn]) => fn);
      expect(new Set(holders)).toEqual(new Set(['rollout-workflow']));
    });

    it('never changes a launch template default version', () => {
      expect(allStatements(perms).some(([, s]) => s.actions.includes('ec2:ModifyLaunchTemplate'))).toBe(
        false,
      );
    });

    it('reads no AMI parameters (the scan planned the target)', () => {
      const actions = workflow.flatMap((st) => st.actions);
      expect(actions).not.toContain('ssm:GetParameters');
    });
  });

  describe('when the scan, the inspect function and the slash command inspect the fleet', () => {
    it('read public AMI parameters and the configured golden parameters', () => {
      for (const fn of ['rollout-scan', 'rollout-inspect', 'slack-command'] as const) {
        const [read, ...more] = statementsWith(perms[fn], 'ssm:GetParameters');
        expect(more).toEqual([]);
        expect(read?.resources, fn).toEqual([
          'arn:aws:ssm:*::parameter/aws/service/*',
          `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/golden/eks-al2023/ami`,
          `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/golden/eks-al2023/ami`,
        ]);
      }
    });
  });

  describe('when the scan, the inspect function and the slash command look for older releases (age selection)', () => {
    it("list only the public EKS and Bottlerocket parameter roots and read only the golden parameters' history", () => {
      for (const fn of ['rollout-scan', 'rollout-inspect', 'slack-command'] as const) {
        expect(statementsWith(perms[fn], 'ssm:GetParametersByPath').map((s) => s.resources)).toEqual([
          [
            'arn:aws:ssm:*::parameter/aws/service/eks/optimized-ami/*',
            'arn:aws:ssm:*::parameter/aws/service/bottlerocket/*',
          ],
        ]);
        expect(statementsWith(perms[fn], 'ssm:GetParameterHistory').map((s) => s.resources)).toEqual([
          [
            `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/golden/eks-al2023/ami`,
            `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/golden/eks-al2023/ami`,
          ],
        ]);
      }
    });
  });

  describe('when compared with the SDK calls each handler can reach', () => {
    // inspectFleet (packages/aws/src/inspect.ts).
    const inspect = [
      'eks:ListClusters',
      'eks:DescribeCluster',
      'eks:ListNodegroups',
      'eks:DescribeNodegroup',
      'ec2:DescribeImages',
      'ec2:DescribeLaunchTemplateVersions',
      'ssm:GetParameters',
      'ssm:GetParametersByPath', // older releases (age selection)
      'ssm:GetParameterHistory', // earlier golden AMIs (age selection)
    ];
    const expected: Partial<Record<FunctionName, string[]>> = {
      'rollout-scan': [
        ...inspect,
        'ssm:GetParameter', // pause flag
        'dynamodb:GetItem', // claimNotification (existing claim)
        'dynamodb:PutItem', // claimNotification
        'dynamodb:UpdateItem', // markNotificationSent
        'dynamodb:Query', // the history window (gsi2), approvals and recalls (gsi1)
        'lambda:InvokeFunction', // createLambdaWorkflowStarter, createFleetScanStarter
      ],
      // The scan program without the fleet reads: those are the inspect function's.
      'rollout-fanout': [
        'ssm:GetParameter', // pause flag
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query',
        'lambda:InvokeFunction', // createLambdaWorkflowStarter; context.invoke of the inspect function
        'lambda:CheckpointDurableExecution', // its own durable executions
        'lambda:GetDurableExecutionState',
      ],
      'rollout-inspect': inspect,
      'rollout-workflow': [
        'eks:DescribeNodegroup', // guard
        'eks:ListUpdates', // adopt an update in flight
        'eks:DescribeUpdate', // adopt, poll
        'eks:UpdateNodegroupVersion',
        'ec2:RunInstances', // checked by EKS on the caller's behalf (launch template TagSpecifications)
        'ec2:CreateTags', // idem, at launch only
        'ec2:DescribeLaunchTemplateVersions', // find nodekeeper's version, its source, retirement
        'ec2:DescribeImages', // the old AMI's snapshots and the new AMI's root device
        'ec2:CreateLaunchTemplateVersion',
        'ec2:DeleteLaunchTemplateVersions', // retire nodekeeper's old versions
        'ssm:GetParameter', // pause flag
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query', // the guard's active recalls (gsi1)
        'lambda:InvokeFunction', // the continuation scan it asks for at its end (createContinuationPort)
        'lambda:CheckpointDurableExecution', // its own durable executions
        'lambda:GetDurableExecutionState',
      ],
      'slack-command': [
        ...inspect,
        'ssm:GetParameter', // pause flag (plan, status)
        'ssm:PutParameter', // pause, resume
        'dynamodb:Query', // listHistory: by cluster (gsi1), by time (gsi2); plan: approvals, recalls
        'dynamodb:PutItem', // the once-only claim of a signed request (SLACKREQ#), approvals (APPROVAL#), recalls (RECALL#)
        'dynamodb:GetItem', // an approval it lost to (APPROVAL#), a run (RUN#), a recall (RECALL#)
        'dynamodb:UpdateItem', // a run's control: Pause/Resume on its parent (RUN#), unrecall (RECALL#)
        'lambda:InvokeFunction', // its worker, the patch function
      ],
    };

    for (const [fn, actions] of Object.entries(expected)) {
      it(`grants ${fn} exactly those actions`, () => {
        const granted = new Set(perms[fn as FunctionName].flatMap((st) => st.actions));
        expect([...granted].sort()).toEqual([...new Set(actions)].sort());
      });
    }
  });

  describe('when the patch function sends commands', () => {
    const send = statementsWith(perms.patch, 'ssm:SendCommand');

    it('may run only AWS-RunPatchBaseline', () => {
      expect(send.map((s) => s.resources)).toContainEqual(['arn:aws:ssm:*::document/AWS-RunPatchBaseline']);
    });

    it('may target only instances tagged with a configured cluster', () => {
      const onInstances = send.find((s) => s.resources.some((r) => r.includes(':instance/')));
      expect(onInstances?.conditions).toEqual({
        StringLike: { 'ssm:resourceTag/eks:cluster-name': ['prod-*', 'dev-a'] },
      });
    });

    it('is the only function that may send commands', () => {
      const senders = allStatements(perms)
        .filter(([, s]) => s.actions.includes('ssm:SendCommand'))
        .map(([fn]) => fn);
      expect(new Set(senders)).toEqual(new Set(['patch']));
    });
  });

  describe('when functions call one another', () => {
    const names = resourceNames('prod');

    it('lets the scan start durable executions on qualified workflow and fleet scan ARNs only', () => {
      const starts = statementsWith(perms['rollout-scan'], 'lambda:InvokeFunction');
      expect(starts.map((st) => [st.sid, st.resources])).toEqual([
        [
          'StartRolloutExecutions',
          [`arn:aws:lambda:us-east-2:${ACCOUNT}:function:${names.functions['rollout-workflow']}:*`],
        ],
        [
          'StartFleetScans',
          [`arn:aws:lambda:us-east-2:${ACCOUNT}:function:${names.functions['rollout-fanout']}:*`],
        ],
      ]);
    });

    it('lets the fleet scan start rollouts as the scan does and invoke only the inspect function and its versions', () => {
      const invokes = statementsWith(perms['rollout-fanout'], 'lambda:InvokeFunction');
      expect(invokes.map((st) => [st.sid, st.resources])).toEqual([
        [
          'StartRolloutExecutions',
          [`arn:aws:lambda:us-east-2:${ACCOUNT}:function:${names.functions['rollout-workflow']}:*`],
        ],
        [
          'InvokeInspectFunction',
          [
            `arn:aws:lambda:us-east-2:${ACCOUNT}:function:${names.functions['rollout-inspect']}`,
            `arn:aws:lambda:us-east-2:${ACCOUNT}:function:${names.functions['rollout-inspect']}:*`,
          ],
        ],
      ]);
    });

    it('lets each durable function checkpoint its own executions only, and no other function checkpoint', () => {
      const checkpoints = allStatements(perms)
        .filter(([, st]) => st.actions.includes('lambda:CheckpointDurableExecution'))
        .map(([fn, st]) => [fn, st.actions, st.resources]);
      const own = (fn: FunctionName) =>
        `arn:aws:lambda:us-east-2:${ACCOUNT}:function:${names.functions[fn]}:*`;
      const actions = ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState'];
      expect(checkpoints).toEqual([
        ['rollout-fanout', actions, [own('rollout-fanout')]],
        ['rollout-workflow', actions, [own('rollout-workflow')]],
      ]);
      expect(
        allStatements(perms).filter(([, st]) => st.actions.includes('lambda:GetDurableExecutionState')),
      ).toHaveLength(2);
    });

    it('lets only the scan start fleet scans, and only the fleet scan invoke the inspect function', () => {
      const invokers = (arn: string) =>
        allStatements(perms)
          .filter(
            ([, st]) =>
              st.actions.includes('lambda:InvokeFunction') && st.resources.some((r) => r.startsWith(arn)),
          )
          .map(([fn]) => fn);
      const arn = (fn: FunctionName) => `arn:aws:lambda:us-east-2:${ACCOUNT}:function:${names.functions[fn]}`;
      expect(invokers(arn('rollout-fanout'))).toEqual(['rollout-scan']);
      expect(invokers(arn('rollout-inspect'))).toEqual(['rollout-fanout']);
      expect(invokers(arn('rollout-workflow'))).toEqual(['rollout-scan', 'rollout-fanout']);
    });

    it('lets slack-command invoke only itself (its worker) and the patch function, unqualified', () => {
      const invokes = statementsWith(perms['slack-command'], 'lambda:InvokeFunction');
      expect(invokes.map((st) => st.resources)).toEqual([
        [
          `arn:aws:lambda:us-east-2:${ACCOUNT}:function:${names.functions['slack-command']}`,
          `arn:aws:lambda:us-east-2:${ACCOUNT}:function:${names.functions.patch}`,
        ],
      ]);
      expect(perms['slack-command'].flatMap((st) => st.actions)).not.toContain('ssm:SendCommand');
    });
  });

  describe('when a function touches the pause flag', () => {
    it('lets only slack-command change it', () => {
      const writers = allStatements(perms)
        .filter(([, s]) => s.actions.includes('ssm:PutParameter'))
        .map(([fn, s]) => [fn, s.resources]);
      expect(writers).toEqual([
        ['slack-command', [`arn:aws:ssm:us-east-2:${ACCOUNT}:parameter/nodekeeper/prod/paused`]],
      ]);
    });
  });

  describe('when a function uses the ledger', () => {
    it('touches only the stage ledger table, and its indexes with Query and Scan only', () => {
      const table = `arn:aws:dynamodb:us-east-2:${ACCOUNT}:table/nodekeeper-prod-ledger`;
      // Index reads only: the workflow's guard (its recalls), the scan's and slack-command's
      // history window, approvals and recalls.
      const indexOnly: Record<string, string[]> = {
        LedgerRecallsRead: [`${table}/index/gsi1`],
        LedgerScanQueries: [`${table}/index/gsi1`, `${table}/index/gsi2`],
        LedgerHistoryQueries: [`${table}/index/gsi1`, `${table}/index/gsi2`],
      };
      for (const [fn, s] of allStatements(perms)) {
        if (!s.actions.some((a) => a.startsWith('dynamodb:'))) continue;
        const queries = s.actions.every((a) => a === 'dynamodb:Query' || a === 'dynamodb:Scan');
        expect(s.resources, `${fn} ${s.sid}`).toEqual(
          indexOnly[s.sid ?? ''] ?? (queries ? [table, `${table}/index/*`] : [table]),
        );
      }
    });

    it('lets no deployed function scan the ledger: history is read by time on its index', () => {
      const scanners = allStatements(perms).filter(([, s]) => s.actions.includes('dynamodb:Scan'));
      expect(scanners).toEqual([]);
      for (const fn of ['rollout-scan', 'rollout-fanout', 'slack-command'] as const) {
        const reads = perms[fn].filter((st) => st.actions.includes('dynamodb:Query'));
        expect(reads.map((st) => st.resources)).toEqual([
          [
            `arn:aws:dynamodb:us-east-2:${ACCOUNT}:table/nodekeeper-prod-ledger/index/gsi1`,
            `arn:aws:dynamodb:us-east-2:${ACCOUNT}:table/nodekeeper-prod-ledger/index/gsi2`,
          ],
        ]);
      }
    });

    it("lets the workflow read the recalls with Query on the ledger's index only", () => {
      const reads = perms['rollout-workflow'].filter((st) => st.actions.includes('dynamodb:Query'));
      expect(reads).toEqual([
        {
          sid: 'LedgerRecallsRead',
          actions: ['dynamodb:Query'],
          resources: [`arn:aws:dynamodb:us-east-2:${ACCOUNT}:table/nodekeeper-prod-ledger/index/gsi1`],
        },
      ]);
    });

    it('gives slack-command read access, and writes only to claims, approvals, run controls and recalls', () => {
      const writes = perms['slack-command'].filter((st) =>
        st.actions.some((a) => a.startsWith('dynamodb:') && !isReadOnlyAction(a)),
      );
      const onKeys = (sid: string, actions: string[], keys: string) => ({
        sid,
        actions,
        resources: [expect.stringMatching(/:table\/nodekeeper-prod-ledger$/)],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys] } },
      });
      expect(writes).toEqual([
        onKeys('SignedRequestClaims', ['dynamodb:PutItem'], 'SLACKREQ#*'),
        onKeys('SlackApprovals', ['dynamodb:GetItem', 'dynamodb:PutItem'], 'APPROVAL#*'),
        onKeys('RunControls', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], 'RUN#*'),
        onKeys('SlackRecalls', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], 'RECALL#*'),
      ]);
    });
  });

  describe('when the config has cross-account targets', () => {
    const readRoleArn = 'arn:aws:iam::444455556666:role/nodekeeper-spoke-read';
    const writeRoleArn = 'arn:aws:iam::444455556666:role/nodekeeper-spoke-write';
    const withTargets = functionPermissions(
      aConfig({
        targets: [
          { accountId: '444455556666', readRoleArn, writeRoleArn, regions: ['us-east-1'], clusters: ['*'] },
        ],
      }),
      options,
    );
    const assumable = (fn: FunctionName) =>
      statementsWith(withTargets[fn], 'sts:AssumeRole').flatMap((s) => s.resources);

    it('lets the functions that only read assume the read-only roles, and nothing else', () => {
      for (const fn of ['rollout-scan', 'rollout-inspect', 'patch-status', 'slack-command'] as const) {
        expect(assumable(fn), fn).toEqual([readRoleArn]);
      }
    });

    it('lets the fleet scan assume no spoke role: its inspect function reads each target', () => {
      expect(assumable('rollout-fanout')).toEqual([]);
    });

    it('lets only the rollout workflow and the patch function assume the mutating roles', () => {
      for (const fn of ['rollout-workflow', 'patch'] as const) {
        expect(assumable(fn), fn).toEqual([writeRoleArn]);
      }
      const writers = Object.values(FunctionName).filter((fn) => assumable(fn).includes(writeRoleArn));
      expect(writers.sort()).toEqual(['patch', 'rollout-workflow']);
    });
  });

  describe('when the config has no targets', () => {
    it('grants no sts:AssumeRole', () => {
      expect(allStatements(perms).filter(([, s]) => s.actions.includes('sts:AssumeRole'))).toEqual([]);
    });
  });

  describe('when the deployment is not known yet', () => {
    it('uses "*" for account and region', () => {
      const review = functionPermissions(aConfig(), {});
      expect(statementsWith(review['slack-command'], 'lambda:InvokeFunction')[0]?.resources).toEqual([
        'arn:aws:lambda:*:*:function:nodekeeper-prod-slack-command',
        'arn:aws:lambda:*:*:function:nodekeeper-prod-patch',
      ]);
    });
  });
});

describe('policySizeProblems', () => {
  const withRegionsAndClusters = (regions: number, clusters: number) =>
    functionPermissions(
      aConfig({
        regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-west-2', 'eu-central-1'].slice(0, regions),
        clusters: Array.from({ length: clusters }, (_, i) => `team-${i}-prod`),
      }),
      { accountId: '111122223333', region: 'us-east-1', stage: 'prod' },
    );

  describe('when the config is of a usual size', () => {
    it('finds every role policy within IAM’s limit', () => {
      expect(policySizeProblems(withRegionsAndClusters(3, 5))).toEqual([]);
    });
  });

  describe('when many regions times many clusters would overflow a role policy', () => {
    it('names the function, the size, the limit and what to do, before anything deploys', () => {
      const problems = policySizeProblems(withRegionsAndClusters(5, 12));
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.some((p) => /^rollout-workflow: its IAM policy would be \d+ characters/.test(p))).toBe(
        true,
      );
      expect(problems[0]).toContain(String(ROLE_POLICY_MAX_CHARS));
      expect(problems[0]).toContain('fewer patterns');
    });
  });
});

describe('clusterGlobToIamPattern', () => {
  describe('when given names and globs', () => {
    it('keeps names, * and ?, and collapses runs of *', () => {
      expect(['prod-a', 'prod-*', 'dev-?', 'a**b'].map(clusterGlobToIamPattern)).toEqual([
        'prod-a',
        'prod-*',
        'dev-?',
        'a*b',
      ]);
    });
  });
});

describe('toSstPermissions', () => {
  describe('when a statement has conditions', () => {
    it('converts them to test/variable/values entries', () => {
      const [converted] = toSstPermissions([
        {
          actions: ['ssm:SendCommand'],
          resources: ['r'],
          conditions: { StringLike: { 'k/a': ['x', 'y'], 'k/b': 'z' } },
        },
      ]);
      expect(converted?.conditions).toEqual([
        { test: 'StringLike', variable: 'k/a', values: ['x', 'y'] },
        { test: 'StringLike', variable: 'k/b', values: ['z'] },
      ]);
    });
  });
});

describe('spokeRolePolicies', () => {
  const hubs = {
    read: [
      `arn:aws:iam::${ACCOUNT}:role/nodekeeper-prod-RolloutScanRole`,
      `arn:aws:iam::${ACCOUNT}:role/nodekeeper-prod-PatchStatusRole`,
    ],
    write: [`arn:aws:iam::${ACCOUNT}:role/nodekeeper-prod-RolloutWorkflowRole`],
  };
  const { read, write } = spokeRolePolicies(hubs, 'ext-123');
  const actionsOf = (policy: { Statement: { Action?: string[] }[] }) =>
    new Set(policy.Statement.flatMap((s) => s.Action ?? []));

  describe('when given the hub roles and an external ID', () => {
    it('makes each role trust only its own hub roles, with the external ID', () => {
      for (const [role, principals] of [
        [read, hubs.read],
        [write, hubs.write],
      ] as const) {
        expect(role.trustPolicy.Statement).toEqual([
          {
            Sid: 'NodekeeperHub',
            Effect: 'Allow',
            Principal: { AWS: principals },
            Action: ['sts:AssumeRole'],
            Condition: { StringEquals: { 'sts:ExternalId': 'ext-123' } },
          },
        ]);
      }
    });

    it('names every action and scopes every mutation', () => {
      for (const s of [...read.permissionPolicy.Statement, ...write.permissionPolicy.Statement]) {
        for (const action of s.Action ?? []) expect(action).not.toContain('*');
        const statement = { actions: s.Action ?? [], resources: s.Resource ?? [], conditions: s.Condition };
        expect(scopeProblems(statement)).toEqual([]);
      }
    });

    it('gives the read-only role read actions only: what the scan, plan and patch-status call', () => {
      const actions = actionsOf(read.permissionPolicy);
      expect([...actions].filter((a) => !isReadOnlyAction(a))).toEqual([]);
      expect([...actions].sort()).toEqual(
        [
          'eks:ListClusters',
          'eks:DescribeCluster',
          'eks:ListNodegroups',
          'eks:DescribeNodegroup',
          'ec2:DescribeImages',
          'ec2:DescribeLaunchTemplateVersions',
          'ssm:GetParameters',
          'ssm:GetParametersByPath',
          'ssm:ListCommandInvocations',
        ].sort(),
      );
    });

    it('gives the mutating role what the rollout workflow and the patch function call', () => {
      const actions = actionsOf(write.permissionPolicy);
      for (const a of [
        'eks:UpdateNodegroupVersion',
        'ec2:CreateLaunchTemplateVersion',
        'ec2:RunInstances',
        'ec2:CreateTags',
        'ssm:SendCommand',
        'eks:DescribeNodegroup',
        'eks:DescribeUpdate',
        'eks:ListUpdates',
        'ec2:DescribeLaunchTemplateVersions',
        'ec2:DescribeInstances',
        'ssm:DescribeInstanceInformation',
        'ssm:ListCommands',
      ]) {
        expect(actions).toContain(a);
      }
      expect(actions).not.toContain('ssm:GetParameters');
    });
  });

  describe('when a hub role list or the external ID is missing', () => {
    it('throws', () => {
      expect(() => spokeRolePolicies({ read: [], write: hubs.write }, 'x')).toThrow(/read hub role/);
      expect(() => spokeRolePolicies({ read: hubs.read, write: [] }, 'x')).toThrow(/write hub role/);
      expect(() => spokeRolePolicies(hubs, '')).toThrow(/external ID/);
    });
  });

  describe('when rendered as a CloudFormation template', () => {
    it('creates the read-only and the mutating role, named from the prefix', () => {
      const template = spokeCloudFormationTemplate(hubs, 'ext-123', { roleName: 'nk-spoke' }) as {
        Resources: Record<string, { Type: string; Properties: { RoleName: string } }>;
        Outputs: Record<string, unknown>;
      };
      expect(Object.values(template.Resources).map((r) => [r.Type, r.Properties.RoleName])).toEqual([
        ['AWS::IAM::Role', 'nk-spoke-read'],
        ['AWS::IAM::Role', 'nk-spoke-write'],
      ]);
      expect(Object.keys(template.Outputs)).toEqual(['ReadRoleArn', 'WriteRoleArn']);
    });
  });
});
