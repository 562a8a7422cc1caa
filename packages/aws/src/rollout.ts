import { CreateLaunchTemplateVersionCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  type EKSClient,
  ListUpdatesCommand,
  UpdateNodegroupVersionCommand,
} from '@aws-sdk/client-eks';
import type { NodegroupRef } from '@nodekeeper/core/plan';
import type { RolloutPort, UpdateNodegroupVersionResult } from '@nodekeeper/core/rollout';
import {
  deleteLaunchTemplateVersions,
  findLaunchTemplateVersionAfter,
  launchTemplateDataForImage,
  listLaunchTemplateVersions,
} from './ec2.ts';
import { toUpdateFacts } from './eks.ts';
import { AwsAdapterError, callAws, describeAwsError } from './errors.ts';
import './services/ec2.ts';
import './services/eks.ts';

/** The clients a rollout needs for one node group's (account, region). */
export interface RolloutClients {
  eks: EKSClient;
  ec2: EC2Client;
}

/** EKS answers that mean "this request is wrong", returned as values rather than thrown. */
const eksRejections = new Set([
  'InvalidParameterException',
  'InvalidRequestException',
  'ClientException',
  'ResourceNotFoundException',
]);

/** EC2 answers to CreateLaunchTemplateVersion that mean "this request is wrong". */
function isEc2Rejection(code: string): boolean {
  return (
    code.startsWith('InvalidLaunchTemplate') ||
    code.startsWith('InvalidParameter') ||
    code === 'LaunchTemplateMaxVersionsExceeded' ||
    code === 'IdempotentParameterMismatch' ||
    code === 'MissingParameter' ||
    code === 'UnauthorizedOperation'
  );
}

/** At most this many pages of launch template versions are searched for nodekeeper's version. */
const MAX_VERSION_PAGES = 10;
/** ListUpdates pages hold at most 100 IDs (EKS model: maxResults 1–100). */
const UPDATES_PAGE_MAX = 100;

function where(ref: NodegroupRef): string {
  return `${ref.accountId ?? 'self'}/${ref.region}/${ref.cluster}/${ref.nodegroup}`;
}

async function attempt<T>(
  service: string,
  operation: string,
  ref: NodegroupRef,
  fn: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; code: string; message: string; error: unknown }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    const { code, message } = describeAwsError(error);
    return { ok: false, code, message, error: new AwsAdapterError(service, operation, error, where(ref)) };
  }
}

/**
 * RolloutPort over EKS and EC2. `clientsFor` picks the clients for a node group's (account,
 * region). Expected answers (not found, update in progress, invalid parameters) come back as
 * values; anything else (throttling after retries, 5xx, network) throws AwsAdapterError.
 */
export function createRolloutPort(clientsFor: (ref: NodegroupRef) => RolloutClients): RolloutPort {
  return {
    async describeNodegroup(ref) {
      const r = await attempt('eks', 'DescribeNodegroup', ref, () =>
        clientsFor(ref).eks.send(
          new DescribeNodegroupCommand({ clusterName: ref.cluster, nodegroupName: ref.nodegroup }),
        ),
      );
      if (!r.ok) {
        if (r.code === 'ResourceNotFoundException') return { kind: 'not-found' };
        throw r.error;
      }
      const ng = r.value.nodegroup;
      if (!ng) return { kind: 'not-found' };
      const lt = ng.launchTemplate;
      return {
        kind: 'found',
        nodegroup: {
          status: ng.status ?? 'UNKNOWN',
          version: ng.version ?? '',
          releaseVersion: ng.releaseVersion ?? '',
          launchTemplate: lt?.id ? { id: lt.id, name: lt.name ?? null, version: lt.version ?? '' } : null,
        },
      };
    },

    findLaunchTemplateVersion(ref, input) {
      return findLaunchTemplateVersionAfter(clientsFor(ref).ec2, input, where(ref), MAX_VERSION_PAGES);
    },

    async createLaunchTemplateVersion(ref, input) {
      const ec2 = clientsFor(ref).ec2;
      const r = await attempt('ec2', 'CreateLaunchTemplateVersion', ref, async () =>
        ec2.send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: input.launchTemplateId,
            SourceVersion: input.sourceVersion,
            // The source's block devices stay intact (snapshot IDs are passed explicitly).
            LaunchTemplateData: await launchTemplateDataForImage(ec2, input, where(ref)),
            VersionDescription: input.description,
            ClientToken: input.clientToken,
          }),
        ),
      );
      if (!r.ok) {
        if (isEc2Rejection(r.code)) return { kind: 'rejected', errorCode: r.code, message: r.message };
        throw r.error;
      }
      const version = r.value.LaunchTemplateVersion?.VersionNumber;
      if (version === undefined) {
        throw new AwsAdapterError(
          'ec2',
          'CreateLaunchTemplateVersion',
          new Error('no VersionNumber in the answer'),
          where(ref),
        );
      }
      return { kind: 'created', version: String(version) };
    },

    listLaunchTemplateVersions(ref, launchTemplateId) {
      return listLaunchTemplateVersions(clientsFor(ref).ec2, launchTemplateId, where(ref));
    },

    deleteLaunchTemplateVersions(ref, launchTemplateId, versions) {
      return deleteLaunchTemplateVersions(clientsFor(ref).ec2, launchTemplateId, versions, where(ref));
    },

    async updateNodegroupVersion(ref, input): Promise<UpdateNodegroupVersionResult> {
      const command =
        input.kind === 'release-version'
          ? new UpdateNodegroupVersionCommand({
              clusterName: ref.cluster,
              nodegroupName: ref.nodegroup,
              // Without `version`, EKS moves the group to the cluster's version (current API model).
              ...(input.version ? { version: input.version } : {}),
              releaseVersion: input.releaseVersion,
              clientRequestToken: input.clientRequestToken,
              ...(input.force ? { force: true } : {}),
            })
          : new UpdateNodegroupVersionCommand({
              clusterName: ref.cluster,
              nodegroupName: ref.nodegroup,
              // By ID only (EKS refuses ID and name together); never version/releaseVersion for a custom AMI.
              launchTemplate: { id: input.launchTemplateId, version: input.version },
              clientRequestToken: input.clientRequestToken,
              ...(input.force ? { force: true } : {}),
            });
      const r = await attempt('eks', 'UpdateNodegroupVersion', ref, () => clientsFor(ref).eks.send(command));
      if (!r.ok) {
        if (r.code === 'ResourceInUseException') return { kind: 'in-use', message: r.message };
        if (eksRejections.has(r.code)) return { kind: 'rejected', errorCode: r.code, message: r.message };
        throw r.error;
      }
      const id = r.value.update?.id;
      if (!id)
        throw new AwsAdapterError(
          'eks',
          'UpdateNodegroupVersion',
          new Error('no update ID in the answer'),
          where(ref),
        );
      return { kind: 'started', updateId: id };
    },

    async describeUpdate(ref, updateId) {
      const r = await attempt('eks', 'DescribeUpdate', ref, () =>
        clientsFor(ref).eks.send(
          new DescribeUpdateCommand({ name: ref.cluster, nodegroupName: ref.nodegroup, updateId }),
        ),
      );
      if (!r.ok) {
        if (r.code === 'ResourceNotFoundException') return { kind: 'not-found' };
        throw r.error;
      }
      const u = r.value.update;
      if (!u?.id) return { kind: 'not-found' };
      return { kind: 'found', update: toUpdateFacts(u) };
    },

    async listUpdates(ref, limit) {
      // EKS lists updates in no order (aws/containers-roadmap#1439): every page, up to `limit`.
      const ids: string[] = [];
      let nextToken: string | undefined;
      do {
        const out = await callAws(
          'eks',
          'ListUpdates',
          () =>
            clientsFor(ref).eks.send(
              new ListUpdatesCommand({
                name: ref.cluster,
                nodegroupName: ref.nodegroup,
                maxResults: UPDATES_PAGE_MAX,
                nextToken,
              }),
            ),
          where(ref),
        );
        ids.push(...(out.updateIds ?? []));
        nextToken = out.nextToken || undefined;
      } while (nextToken !== undefined && ids.length < limit);
      return ids.slice(0, Math.max(0, limit));
    },
  };
}
