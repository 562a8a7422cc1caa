import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { publicationOf } from './ami-families.ts';
import { FleetValidationError } from './errors.ts';

/**
 * The sandbox fleet file (DESIGN.md "Sandbox fleet file"). The top level is the hub: the account
 * and region that plain credentials reach. `partitions` add more (account, region) pairs, each a
 * fleet of its own; `roles` are the IAM roles STS AssumeRole may hand out in those accounts.
 */

/** EKS `amiType` values (EKS API model). */
export const AmiTypes = [
  'AL2_x86_64',
  'AL2_x86_64_GPU',
  'AL2_ARM_64',
  'CUSTOM',
  'BOTTLEROCKET_ARM_64',
  'BOTTLEROCKET_x86_64',
  'BOTTLEROCKET_ARM_64_FIPS',
  'BOTTLEROCKET_x86_64_FIPS',
  'BOTTLEROCKET_ARM_64_NVIDIA',
  'BOTTLEROCKET_x86_64_NVIDIA',
  'WINDOWS_CORE_2019_x86_64',
  'WINDOWS_FULL_2019_x86_64',
  'WINDOWS_CORE_2022_x86_64',
  'WINDOWS_FULL_2022_x86_64',
  'WINDOWS_CORE_2025_x86_64',
  'WINDOWS_FULL_2025_x86_64',
  'AL2023_x86_64_STANDARD',
  'AL2023_ARM_64_STANDARD',
  'AL2023_x86_64_NEURON',
  'AL2023_x86_64_NVIDIA',
  'AL2023_ARM_64_NVIDIA',
] as const;
export type AmiType = (typeof AmiTypes)[number];

export const NodegroupStatuses = [
  'CREATING',
  'ACTIVE',
  'UPDATING',
  'DELETING',
  'CREATE_FAILED',
  'DELETE_FAILED',
  'DEGRADED',
] as const;
export const UpdateOutcomes = ['Successful', 'PodEvictionFailure', 'NodeCreationFailure'] as const;
export type UpdateOutcome = (typeof UpdateOutcomes)[number];
export const PatchOutcomes = ['Success', 'Failed', 'TimedOut'] as const;
export type PatchOutcome = (typeof PatchOutcomes)[number];
export const Platforms = ['Linux', 'Bottlerocket', 'Windows'] as const;
export type Platform = (typeof Platforms)[number];

const isoDate = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time' });
const k8sVersion = z.string().regex(/^\d+\.\d+$/, 'expected a Kubernetes minor version like "1.33"');
const tags = z.record(z.string(), z.string()).default({});
const name = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[0-9A-Za-z][A-Za-z0-9\-_]*$/,
    'expected letters, digits, "-" and "_", starting with a letter or digit',
  );

const imageSchema = z.object({
  imageId: z.string().regex(/^ami-[0-9a-z]+$/, 'expected an AMI ID like "ami-0abc"'),
  name: z.string().min(1),
  creationDate: isoDate,
  architecture: z.enum(['x86_64', 'arm64']).default('x86_64'),
  state: z
    .enum(['available', 'pending', 'invalid', 'deregistered', 'transient', 'failed', 'error', 'disabled'])
    .default('available'),
  ownerId: z
    .string()
    .regex(/^\d{12}$/, 'expected a 12-digit account ID')
    .default('602401143452'),
  deprecationTime: isoDate.nullable().default(null),
  description: z.string().optional(),
  /** `windows` for Windows AMIs (EC2 `Platform`); absent for Linux. */
  platform: z.literal('windows').optional(),
  /**
   * The Kubernetes minor of the kubelet the image carries (custom AMIs). Absent: read from an
   * EKS-style name (`…-1.33-…`), if any. A custom-AMI node group reports it as its version.
   */
  kubernetesVersion: k8sVersion.optional(),
});

/**
 * One EKS AMI release AWS publishes at `publishedAt` (sandbox clock): from then on the sandbox has
 * its image (created then) and its SSM public parameters as AWS lays them out (release-named for
 * Amazon Linux, versioned for Bottlerocket), and it becomes the family's `recommended`/`latest`
 * unless a newer image is there already. Lets a simulation watch releases arrive day by day.
 */
const amiReleaseSchema = z.object({
  amiType: z.enum(AmiTypes).refine((t) => t !== 'CUSTOM', 'CUSTOM AMIs are not published by AWS'),
  k8sVersion,
  releaseVersion: z.string().min(1),
  imageId: z.string().regex(/^ami-[0-9a-z]+$/, 'expected an AMI ID like "ami-0abc"'),
  publishedAt: isoDate,
  deprecationTime: isoDate.nullable().default(null),
  /** false: the release's own parameters carry no release version (AWS published none for it). */
  publishesReleaseVersion: z.boolean().default(true),
});

const launchTemplateVersionSchema = z.object({
  versionNumber: z.number().int().min(1),
  imageId: z.string().optional(),
  instanceType: z.string().optional(),
  userData: z.string().optional(),
  versionDescription: z.string().max(255).optional(),
  createTime: isoDate.optional(),
  /** Further `LaunchTemplateData` fields in the EC2 API's JSON shape (KeyName, SecurityGroupIds, ...), kept verbatim. */
  data: z.record(z.string(), z.unknown()).optional(),
});

const launchTemplateSchema = z.object({
  launchTemplateId: z.string().regex(/^lt-[0-9a-z]+$/, 'expected a launch template ID like "lt-0abc"'),
  launchTemplateName: z.string().min(3).max(128),
  defaultVersion: z.number().int().min(1).default(1),
  createTime: isoDate.optional(),
  versions: z.array(launchTemplateVersionSchema).min(1),
});

const nodegroupSchema = z.object({
  name,
  amiType: z.enum(AmiTypes),
  /** Defaults to the cluster's version. */
  version: k8sVersion.optional(),
  releaseVersion: z.string().min(1),
  status: z.enum(NodegroupStatuses).default('ACTIVE'),
  tags,
  labels: z.record(z.string(), z.string()).default({}),
  capacityType: z.enum(['ON_DEMAND', 'SPOT', 'CAPACITY_BLOCK']).default('ON_DEMAND'),
  instanceTypes: z.array(z.string()).optional(),
  desiredSize: z.number().int().min(0).default(2),
  minSize: z.number().int().min(0).optional(),
  maxSize: z.number().int().min(1).optional(),
  createdAt: isoDate.optional(),
  launchTemplate: z
    .object({
      id: z.string().min(1),
      version: z.string().regex(/^\d+$/, 'expected a version number as a string'),
    })
    .optional(),
  /**
   * DescribeNodegroup `updateConfig` (EKS API model `NodegroupUpdateConfig`): one of
   * `maxUnavailable` (1-100 nodes) and `maxUnavailablePercentage` (1-100), plus `updateStrategy`
   * when set. Default: EKS's default of one node at a time, reported as `{ maxUnavailable: 1 }`.
   */
  updateConfig: z
    .object({
      maxUnavailable: z.number().int().min(1).max(100).optional(),
      maxUnavailablePercentage: z.number().int().min(1).max(100).optional(),
      updateStrategy: z.enum(['DEFAULT', 'MINIMAL']).optional(),
    })
    .default({ maxUnavailable: 1 }),
  update: z
    .object({
      durationSeconds: z.number().min(0).default(30),
      outcome: z.enum(UpdateOutcomes).default('Successful'),
    })
    .default({ durationSeconds: 30, outcome: 'Successful' }),
});

const clusterSchema = z
  .object({
    name,
    version: k8sVersion,
    status: z.enum(['CREATING', 'ACTIVE', 'DELETING', 'FAILED', 'UPDATING', 'PENDING']).default('ACTIVE'),
    platformVersion: z.string().default('eks.1'),
    createdAt: isoDate.optional(),
    tags,
    /**
     * Control plane updates over time: from `at` (sandbox clock) the cluster reports `version`. EKS
     * updates a control plane one minor at a time. The owner's update (EKS UpdateClusterVersion)
     * waits until every managed node group runs the cluster's version, as EKS refuses it before;
     * `automatic: true` is EKS's own update at the end of a version's support, which does not wait.
     */
    versionUpdates: z
      .array(z.object({ version: k8sVersion, at: isoDate, automatic: z.boolean().default(false) }))
      .default([]),
    nodegroups: z.array(nodegroupSchema).default([]),
  })
  .transform((c) => ({
    ...c,
    nodegroups: c.nodegroups.map((n) => ({ ...n, version: n.version ?? c.version })),
  }));

const instanceSchema = z.object({
  instanceId: z.string().regex(/^i-[0-9a-z]+$/, 'expected an instance ID like "i-0abc"'),
  cluster: z.string().optional(),
  nodegroup: z.string().optional(),
  platform: z.enum(Platforms).default('Linux'),
  ssmManaged: z.boolean().default(true),
  patchOutcome: z.enum(PatchOutcomes).default('Success'),
  /** Seconds the patch run takes on this instance (sandbox clock). */
  patchSeconds: z.number().min(0).default(5),
  instanceType: z.string().default('m6i.large'),
  imageId: z.string().optional(),
  privateIpAddress: z.string().optional(),
  state: z
    .enum(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'])
    .default('running'),
  launchTime: isoDate.optional(),
  tags,
});

/** The fields of one (account, region): the hub at the top level, and each of `partitions`. */
const partitionShape = {
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region like "us-east-1"')
    .default('us-east-1'),
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'expected a 12-digit account ID')
    .default('111122223333'),
  parameters: z.record(z.string().min(1), z.string()).default({}),
  images: z.array(imageSchema).default([]),
  /** EKS AMI releases AWS publishes over time (see `amiReleaseSchema`). */
  amiReleases: z.array(amiReleaseSchema).default([]),
  launchTemplates: z.array(launchTemplateSchema).default([]),
  clusters: z.array(clusterSchema).default([]),
  instances: z.array(instanceSchema).default([]),
};

const roleSchema = z.strictObject({
  /** `arn:aws:iam::<account>:role/<name>`. */
  arn: z
    .string()
    .regex(
      /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
      'expected arn:aws:iam::<12-digit account>:role/<name>',
    ),
  /** The `sts:ExternalId` the role's trust policy requires; absent means none. */
  externalId: z.string().min(2).max(1224).optional(),
  /** Accounts whose principals the trust policy names; default: the hub account. */
  trustedAccounts: z.array(z.string().regex(/^\d{12}$/, 'expected a 12-digit account ID')).optional(),
});

function refinePartition(fleet: z.output<z.ZodObject<typeof partitionShape>>, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const releaseIds = new Set<string>();
  fleet.amiReleases.forEach((r, ri) => {
    if (releaseIds.has(r.imageId))
      issue(['amiReleases', ri, 'imageId'], `duplicate release image ${r.imageId}`);
    releaseIds.add(r.imageId);
    if (publicationOf(r) === null) {
      issue(
        ['amiReleases', ri, 'releaseVersion'],
        `${r.releaseVersion} is not a ${r.amiType} release version for Kubernetes ${r.k8sVersion}`,
      );
    }
  });
  const templates = new Map(fleet.launchTemplates.map((t) => [t.launchTemplateId, t]));
  const seenTemplates = new Set<string>();
  fleet.launchTemplates.forEach((t, ti) => {
    if (seenTemplates.has(t.launchTemplateId) || seenTemplates.has(t.launchTemplateName)) {
      issue(['launchTemplates', ti, 'launchTemplateId'], `duplicate launch template ${t.launchTemplateId}`);
    }
    seenTemplates.add(t.launchTemplateId).add(t.launchTemplateName);
    if (!t.versions.some((v) => v.versionNumber === t.defaultVersion)) {
      issue(['launchTemplates', ti, 'defaultVersion'], `version ${t.defaultVersion} is not in versions`);
    }
    const numbers = new Set<number>();
    t.versions.forEach((v, vi) => {
      if (numbers.has(v.versionNumber)) {
        issue(
          ['launchTemplates', ti, 'versions', vi, 'versionNumber'],
          `duplicate version ${v.versionNumber}`,
        );
      }
      numbers.add(v.versionNumber);
    });
  });
  const clusterNames = new Set<string>();
  fleet.clusters.forEach((c, ci) => {
    if (clusterNames.has(c.name)) issue(['clusters', ci, 'name'], `duplicate cluster ${c.name}`);
    clusterNames.add(c.name);
    // One minor at a time, in time order (EKS user guide: update a control plane one minor at a time).
    let from = c.version;
    let previousAt = Number.NEGATIVE_INFINITY;
    (c.versionUpdates ?? []).forEach((u, ui) => {
      const at = ['clusters', ci, 'versionUpdates', ui];
      const [major, minor] = from.split('.').map(Number);
      const next = `${major}.${(minor ?? 0) + 1}`;
      if (u.version !== next) {
        issue(
          [...at, 'version'],
          `a control plane moves one minor at a time: ${from} → ${next}, not ${u.version}`,
        );
      }
      if (Date.parse(u.at) <= previousAt) issue([...at, 'at'], 'versionUpdates must be in time order');
      from = u.version;
      previousAt = Date.parse(u.at);
    });
    const ngNames = new Set<string>();
    c.nodegroups.forEach((n, ni) => {
      const at = ['clusters', ci, 'nodegroups', ni];
      if (ngNames.has(n.name)) issue([...at, 'name'], `duplicate node group ${n.name} in cluster ${c.name}`);
      ngNames.add(n.name);
      // A field that failed inside the cluster leaves its transform (default version) and defaults undone.
      const u = n.updateConfig as typeof n.updateConfig | undefined;
      if (u && (u.maxUnavailable === undefined) === (u.maxUnavailablePercentage === undefined)) {
        issue([...at, 'updateConfig'], 'set exactly one of maxUnavailable and maxUnavailablePercentage');
      }
      const version = (n.version as string | undefined) ?? c.version;
      if (compareVersions(version, c.version) > 0) {
        issue([...at, 'version'], `node group version ${version} is newer than cluster version ${c.version}`);
      }
      if (!n.launchTemplate) {
        if (n.amiType === 'CUSTOM') issue([...at, 'launchTemplate'], 'amiType CUSTOM needs a launchTemplate');
        return;
      }
      const lt = templates.get(n.launchTemplate.id);
      if (!lt) {
        issue(
          [...at, 'launchTemplate', 'id'],
          `launch template ${n.launchTemplate.id} is not in launchTemplates`,
        );
        return;
      }
      const v = lt.versions.find((x) => String(x.versionNumber) === n.launchTemplate?.version);
      if (!v) {
        issue(
          [...at, 'launchTemplate', 'version'],
          `version ${n.launchTemplate.version} is not a version of ${lt.launchTemplateId}`,
        );
        return;
      }
      if (n.amiType === 'CUSTOM' && !v.imageId) {
        issue(
          [...at, 'amiType'],
          `CUSTOM needs an imageId in launch template ${lt.launchTemplateId} version ${v.versionNumber}`,
        );
      }
      if (n.amiType !== 'CUSTOM' && v.imageId) {
        issue(
          [...at, 'amiType'],
          `the launch template version has an ImageId, so amiType must be CUSTOM (EKS rule)`,
        );
      }
    });
  });
  const instanceIds = new Set<string>();
  fleet.instances.forEach((inst, ii) => {
    if (instanceIds.has(inst.instanceId))
      issue(['instances', ii, 'instanceId'], `duplicate instance ${inst.instanceId}`);
    instanceIds.add(inst.instanceId);
    if (inst.nodegroup !== undefined && inst.cluster === undefined) {
      issue(['instances', ii, 'cluster'], 'an instance with a nodegroup needs its cluster');
    }
    if (inst.cluster === undefined) return;
    const cluster = fleet.clusters.find((c) => c.name === inst.cluster);
    if (!cluster) {
      issue(['instances', ii, 'cluster'], `cluster ${inst.cluster} is not in clusters`);
      return;
    }
    if (inst.nodegroup !== undefined && !cluster.nodegroups.some((n) => n.name === inst.nodegroup)) {
      issue(['instances', ii, 'nodegroup'], `node group ${inst.nodegroup} is not in cluster ${inst.cluster}`);
    }
  });
}

/** One (account, region) of a fleet file. */
export const partitionSchema = z.object(partitionShape).superRefine(refinePartition);

/** zod schema of the fleet file; `z.toJSONSchema(fleetSchema, { io: 'input' })` gives its JSON Schema. */
export const fleetSchema = z
  .object({
    ...partitionShape,
    roles: z.array(roleSchema).default([]),
    partitions: z.array(partitionSchema).default([]),
  })
  .superRefine((fleet, ctx) => {
    refinePartition(fleet, ctx);
    const seen = new Set([`${fleet.accountId}|${fleet.region}`]);
    fleet.partitions.forEach((p, pi) => {
      const key = `${p.accountId}|${p.region}`;
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['partitions', pi, 'region'],
          message: `account ${p.accountId} region ${p.region} appears twice`,
        });
      }
      seen.add(key);
    });
  });

/** A parsed fleet file, with every default filled in. */
export type FleetFile = z.output<typeof fleetSchema>;
/** One (account, region) of a fleet file (the hub is one too). */
export type FleetPartition = z.output<typeof partitionSchema>;
export type FleetRole = z.output<typeof roleSchema>;
export type FleetCluster = FleetFile['clusters'][number];
export type FleetNodegroup = FleetCluster['nodegroups'][number];
export type FleetLaunchTemplate = FleetFile['launchTemplates'][number];
export type FleetLaunchTemplateVersion = FleetLaunchTemplate['versions'][number];
export type FleetImage = FleetFile['images'][number];
export type FleetAmiRelease = FleetFile['amiReleases'][number];
export type FleetInstance = FleetFile['instances'][number];

/**
 * The Kubernetes minor of an image's kubelet: its `kubernetesVersion`, else the `1.NN` an EKS-style
 * name carries (`amazon-eks-node-al2023-x86_64-standard-1.33-v…`, `bottlerocket-aws-k8s-1.33-…`,
 * `…-EKS_Optimized-1.33-…`); null when neither tells.
 */
export function kubeletVersionOf(image: Pick<FleetImage, 'name' | 'kubernetesVersion'>): string | null {
  if (image.kubernetesVersion !== undefined) return image.kubernetesVersion;
  const m = /(?:^|[-_])(1\.\d{1,2})(?=-)/.exec(image.name);
  return m?.[1] ?? null;
}

/** Compares `1.33` and `1.32` numerically. */
export function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/** Renders a zod issue path as `clusters[0].nodegroups[1].amiType`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Validates a fleet file and fills defaults. Pure. Throws FleetValidationError naming every bad field. */
export function parseFleet(raw: unknown): FleetFile {
  const result = fleetSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  throw new FleetValidationError('Invalid fleet file', issues, { cause: result.error });
}

/** Reads and validates a fleet file from disk. Throws FleetValidationError for a missing file, bad JSON or bad fields. */
export async function loadFleetFile(path: string): Promise<FleetFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : String(err);
    throw new FleetValidationError(`Cannot read fleet file ${path}: ${why}`, [], { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new FleetValidationError(`Fleet file ${path} is not valid JSON: ${(err as Error).message}`, [], {
      cause: err,
    });
  }
  try {
    return parseFleet(raw);
  } catch (err) {
    if (err instanceof FleetValidationError) {
      throw new FleetValidationError(`Invalid fleet file ${path}`, err.issues, { cause: err });
    }
    throw err;
  }
}
