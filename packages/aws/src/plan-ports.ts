import type { Logger } from '@aws-lambda-powertools/logger';
import type { PlanPorts } from '@nodekeeper/core/plan';
import type { RollbackPorts } from '@nodekeeper/core/rollout';
import { createApprovalStore } from './approvals.ts';
import type { AwsClients } from './clients.ts';
import { describeImagesBatch, imageBatchSize } from './ec2.ts';
import { describeAwsError } from './errors.ts';
import { inspectTarget } from './inspect.ts';
import { createLedger } from './ledger.ts';
import { createPausePort } from './pause.ts';
import { createRecallStore } from './recalls.ts';
import { createReleaseHistoryReader } from './releases.ts';
import type { TargetClientCache } from './targets.ts';

/** Whether a ledger read failed because the table does not exist (nothing recorded there yet). Pure. */
export function isLedgerMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === 'string' ? code : describeAwsError(error).code) === 'ResourceNotFoundException';
}

export interface PlanPortsOptions {
  /** Clients per (account, region) for inspection (the read-only spoke roles). */
  targets: TargetClientCache;
  /** The home region's clients: the ledger table and the pause flag. */
  home: Pick<AwsClients, 'dynamodb' | 'ssm'>;
  ledgerTable: string;
  pauseParameter: string;
  logger?: Logger;
}

/**
 * The plan pipeline's ports over AWS (core `planFleet`): EKS/EC2/SSM inspection per target, the
 * SSM pause flag (with who and when), the DynamoDB ledger, approvals and recalls. Builds no client; makes no call.
 */
export function createPlanPorts(options: PlanPortsOptions): PlanPorts {
  const { home, ledgerTable: tableName } = options;
  // One run: AWS's older releases are read once per region, whatever the number of accounts.
  const releaseHistories = createReleaseHistoryReader();
  return {
    inspect: (target, onCluster) =>
      inspectTarget(options.targets, target, {
        releaseHistories,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(onCluster ? { onCluster } : {}),
      }),
    pause: createPausePort(home.ssm, options.pauseParameter),
    ledger: createLedger(home.dynamodb, { tableName }),
    approvals: createApprovalStore(home.dynamodb, { tableName }),
    recalls: createRecallStore(home.dynamodb, { tableName }),
    isLedgerMissing,
  };
}

/**
 * A rollback plan's ports over AWS (core `planRollbackFleet`): the plan pipeline's, the ledger's
 * cluster index for the rollouts that brought node groups to their images, and EC2 DescribeImages
 * by ID (deprecated images included) in each node group's account and region. Builds no client.
 */
export function createRollbackPorts(options: PlanPortsOptions): RollbackPorts {
  const ledger = createLedger(options.home.dynamodb, { tableName: options.ledgerTable });
  return {
    plan: createPlanPorts(options),
    clusterHistory: (cluster, limit) => ledger.listHistory({ cluster, limit }),
    describeImages: async (where, imageIds) => {
      const ec2 = options.targets(where.accountId, where.region).ec2;
      const out = [];
      for (let i = 0; i < imageIds.length; i += imageBatchSize)
        out.push(...(await describeImagesBatch(ec2, imageIds.slice(i, i + imageBatchSize))));
      return out;
    },
  };
}
