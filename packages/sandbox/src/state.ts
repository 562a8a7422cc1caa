import { randomUUID } from 'node:crypto';
import { publicationOf } from './ami-families.ts';
import {
  compareVersions,
  type FleetCluster,
  type FleetImage,
  type FleetLaunchTemplate,
  type FleetLaunchTemplateVersion,
  type FleetNodegroup,
  type FleetPartition,
  type UpdateOutcome,
} from './fleet.ts';
import type { SandboxClock } from './types/index.ts';

/** One EKS node group update, as DescribeUpdate reports it. */
export interface UpdateRecord {
  id: string;
  cluster: string;
  nodegroup: string;
  type: 'VersionUpdate';
  createdAt: Date;
  finishAt: Date;
  status: 'InProgress' | 'Successful' | 'Failed';
  params: Array<{ type: string; value: string }>;
  errors: Array<{ errorCode: string; errorMessage: string; resourceIds: string[] }>;
  clientRequestToken: string | null;
  outcome: UpdateOutcome;
  /** What a successful update sets on the node group. */
  apply: { version?: string; releaseVersion?: string; launchTemplateVersion?: string };
}

/** One version of a parameter, as GetParameterHistory reports it. */
export interface ParameterVersion {
  value: string;
  version: number;
  lastModified: Date;
}

export interface ParameterRecord {
  name: string;
  value: string;
  type: 'String' | 'StringList' | 'SecureString';
  version: number;
  lastModified: Date;
  dataType: string;
  /** Every version kept, oldest first (Parameter Store keeps the newest 100). */
  history: ParameterVersion[];
}

/** Versions Parameter Store keeps per parameter. */
export const PARAMETER_VERSIONS_KEPT = 100;

export interface CommandInvocation {
  instanceId: string;
  startAt: Date;
  endAt: Date;
  outcome: 'Success' | 'Failed' | 'TimedOut';
  platform: 'Linux' | 'Bottlerocket' | 'Windows';
}

export interface CommandRecord {
  commandId: string;
  documentName: string;
  documentVersion: string;
  comment: string;
  parameters: Record<string, string[]>;
  instanceIds: string[];
  targets: Array<{ Key: string; Values: string[] }>;
  requestedAt: Date;
  expiresAfter: Date;
  maxConcurrency: string;
  maxErrors: string;
  timeoutSeconds: number;
  invocations: CommandInvocation[];
}

/** Time the public parameters were last published (a fixed, realistic date). */
const PARAMETER_EPOCH = new Date('2026-11-12T23:41:07.118Z');

/**
 * The sandbox's mutable world: the fleet in fleet-file form plus what AWS keeps beside it
 * (updates, parameter versions, commands, idempotency tokens). Time comes only from `clock`.
 */
export class SandboxState {
  readonly fleet: FleetPartition;
  readonly clock: SandboxClock;
  readonly startedAt: Date;
  readonly updates: UpdateRecord[] = [];
  readonly parameters = new Map<string, ParameterRecord>();
  readonly commands: CommandRecord[] = [];
  /** `ClientToken` of CreateLaunchTemplateVersion → the version it created. */
  readonly launchTemplateTokens = new Map<string, { launchTemplateId: string; versionNumber: number }>();
  /** Image IDs of the `amiReleases` published so far. */
  private readonly publishedReleases = new Set<string>();

  constructor(fleet: FleetPartition, clock: SandboxClock) {
    this.fleet = structuredClone(fleet);
    this.clock = clock;
    this.startedAt = clock.now();
    for (const [name, value] of Object.entries(this.fleet.parameters)) {
      this.parameters.set(name, {
        name,
        value,
        type: 'String',
        version: 1,
        lastModified: PARAMETER_EPOCH,
        dataType: 'text',
        history: [{ value, version: 1, lastModified: PARAMETER_EPOCH }],
      });
    }
    this.publishReleases();
    for (const c of this.fleet.clusters) {
      for (const n of c.nodegroups) {
        if (n.status !== 'UPDATING') continue;
        // A group that is UPDATING in the fleet file has an update running since the sandbox started.
        this.updates.push({
          id: randomUUID(),
          cluster: c.name,
          nodegroup: n.name,
          type: 'VersionUpdate',
          createdAt: this.startedAt,
          finishAt: new Date(this.startedAt.getTime() + n.update.durationSeconds * 1000),
          status: 'InProgress',
          params: [
            { type: 'Version', value: n.version },
            { type: 'ReleaseVersion', value: n.releaseVersion },
          ],
          errors: [],
          clientRequestToken: null,
          outcome: n.update.outcome,
          apply: {},
        });
      }
    }
  }

  now(): Date {
    return this.clock.now();
  }

  /**
   * Sets a parameter as its owner would: a new version (kept in its history) when the value
   * changes, modified `at`. Returns the record.
   */
  putParameter(
    name: string,
    value: string,
    at: Date,
    options: { type?: ParameterRecord['type']; dataType?: string } = {},
  ): ParameterRecord {
    const existing = this.parameters.get(name);
    if (existing && existing.value === value && options.type === undefined) return existing;
    const version = (existing?.version ?? 0) + 1;
    const history = [...(existing?.history ?? []), { value, version, lastModified: at }].slice(
      -PARAMETER_VERSIONS_KEPT,
    );
    const record: ParameterRecord = {
      name,
      value,
      type: options.type ?? existing?.type ?? 'String',
      version,
      lastModified: at,
      dataType: options.dataType ?? existing?.dataType ?? 'text',
      history,
    };
    this.parameters.set(name, record);
    return record;
  }

  /**
   * Publishes every EKS AMI release of the fleet file whose time has come (`amiReleases`), in
   * order: its image, its own parameters, and the family's latest parameters unless they already
   * name a newer image. Idempotent; published releases stay published.
   */
  publishReleases(): void {
    const now = this.now().getTime();
    const due = this.fleet.amiReleases
      .filter((r) => !this.publishedReleases.has(r.imageId) && Date.parse(r.publishedAt) <= now)
      .sort((a, b) => Date.parse(a.publishedAt) - Date.parse(b.publishedAt));
    for (const r of due) {
      this.publishedReleases.add(r.imageId);
      const publication = publicationOf(r, r.publishesReleaseVersion);
      if (publication === null) continue;
      const at = new Date(r.publishedAt);
      if (!this.image(r.imageId)) {
        this.fleet.images.push({
          imageId: r.imageId,
          ...publication.image,
          creationDate: r.publishedAt,
          state: 'available',
          deprecationTime: r.deprecationTime,
        });
      }
      for (const [name, value] of Object.entries(publication.own)) this.putParameter(name, value, at);
      const latestId = this.parameters.get(publication.latestImageParameter)?.value;
      const latest = latestId === undefined ? undefined : this.image(latestId);
      if (latest === undefined || Date.parse(latest.creationDate) <= at.getTime()) {
        for (const [name, value] of Object.entries(publication.latest)) this.putParameter(name, value, at);
      }
    }
  }

  /**
   * Whether AWS has published `releaseVersion` of `amiType` for Kubernetes `k8s`: null when the
   * fleet file publishes no releases of that family and version (then any plausible one is taken).
   */
  isPublishedRelease(amiType: string, k8s: string, releaseVersion: string): boolean | null {
    const family = this.fleet.amiReleases.filter((r) => r.amiType === amiType && r.k8sVersion === k8s);
    if (family.length === 0) return null;
    return family.some((r) => r.releaseVersion === releaseVersion && this.publishedReleases.has(r.imageId));
  }

  /**
   * Moves each control plane to the versions of its `versionUpdates` whose time has come, in order.
   * An owner's update waits while a managed node group's version differs from the cluster's (EKS
   * UpdateClusterVersion: "all of your node groups' Kubernetes versions must match the cluster's
   * Kubernetes version"), and goes through at the first tick after they match; an `automatic` one
   * (EKS's own, at the end of support) does not wait. Idempotent.
   */
  updateClusterVersions(): void {
    const now = this.now().getTime();
    for (const c of this.fleet.clusters) {
      // Fleets built in code (not parsed) may leave the field out.
      for (const u of c.versionUpdates ?? []) {
        if (Date.parse(u.at) > now) break;
        if (compareVersions(u.version, c.version) <= 0) continue;
        const lagging = c.nodegroups.some((n) => (n.version ?? c.version) !== c.version);
        if (lagging && u.automatic !== true) break;
        c.version = u.version;
      }
    }
  }

  /**
   * Finishes every update whose time is up, publishes due releases and moves control planes whose
   * update is due. Idempotent; call before reading or changing state.
   */
  tick(): void {
    this.publishReleases();
    this.updateClusterVersions();
    const now = this.now().getTime();
    for (const u of this.updates) {
      if (u.status !== 'InProgress' || u.finishAt.getTime() > now) continue;
      const ng = this.nodegroup(u.cluster, u.nodegroup);
      if (!ng) {
        u.status = 'Failed';
        continue;
      }
      if (u.outcome === 'Successful') {
        u.status = 'Successful';
        if (u.apply.version !== undefined) ng.version = u.apply.version;
        if (u.apply.releaseVersion !== undefined) ng.releaseVersion = u.apply.releaseVersion;
        if (u.apply.launchTemplateVersion !== undefined && ng.launchTemplate) {
          ng.launchTemplate.version = u.apply.launchTemplateVersion;
        }
      } else {
        u.status = 'Failed';
        u.errors = [failureFor(u.outcome, u.cluster, ng, this.fleet)];
      }
      ng.status = 'ACTIVE';
    }
  }

  /** The fleet as it is now, in fleet-file form (a copy). */
  snapshot(): FleetPartition {
    this.tick();
    const copy = structuredClone(this.fleet);
    copy.parameters = Object.fromEntries([...this.parameters.values()].map((p) => [p.name, p.value]));
    return copy;
  }

  cluster(name: string): FleetCluster | undefined {
    return this.fleet.clusters.find((c) => c.name === name);
  }

  nodegroup(cluster: string, name: string): FleetNodegroup | undefined {
    return this.cluster(cluster)?.nodegroups.find((n) => n.name === name);
  }

  template(idOrName: { id?: string; name?: string }): FleetLaunchTemplate | undefined {
    return this.fleet.launchTemplates.find((t) =>
      idOrName.id !== undefined ? t.launchTemplateId === idOrName.id : t.launchTemplateName === idOrName.name,
    );
  }

  templateVersion(t: FleetLaunchTemplate, version: string): FleetLaunchTemplateVersion | undefined {
    const n =
      version === '$Latest' ? latestVersion(t) : version === '$Default' ? t.defaultVersion : Number(version);
    return t.versions.find((v) => v.versionNumber === n);
  }

  image(imageId: string): FleetImage | undefined {
    return this.fleet.images.find((i) => i.imageId === imageId);
  }

  /** An update that is still running on the node group, if any. */
  runningUpdate(cluster: string, nodegroup: string): UpdateRecord | undefined {
    return this.updates.find(
      (u) => u.cluster === cluster && u.nodegroup === nodegroup && u.status === 'InProgress',
    );
  }
}

export function latestVersion(t: FleetLaunchTemplate): number {
  return Math.max(...t.versions.map((v) => v.versionNumber));
}

function failureFor(
  outcome: Exclude<UpdateOutcome, 'Successful'>,
  cluster: string,
  ng: FleetNodegroup,
  fleet: FleetPartition,
): UpdateRecord['errors'][number] {
  const instances = fleet.instances.filter((i) => i.cluster === cluster && i.nodegroup === ng.name);
  if (outcome === 'PodEvictionFailure') {
    const nodes = instances
      .slice(0, 1)
      .map((i, idx) => privateDnsName(i.privateIpAddress ?? ipFor(i.instanceId, idx)));
    return {
      errorCode: 'PodEvictionFailure',
      errorMessage: `Reached max retries while trying to evict pods from nodes in node group ${ng.name}`,
      resourceIds: nodes.length > 0 ? nodes : [privateDnsName('10.0.12.34')],
    };
  }
  return {
    errorCode: 'NodeCreationFailure',
    errorMessage: 'Instances failed to join the kubernetes cluster',
    resourceIds: [`i-0${stableHex(`${cluster}/${ng.name}/replacement`, 16)}`],
  };
}

export function privateDnsName(ip: string): string {
  return `ip-${ip.replaceAll('.', '-')}.ec2.internal`;
}

/** A stable private IP for an instance that has none in the fleet file. */
export function ipFor(instanceId: string, salt = 0): string {
  const h = Number.parseInt(stableHex(`${instanceId}:${salt}`, 6), 16);
  return `10.0.${(h >> 8) % 200}.${(h % 250) + 2}`;
}

export function stableHex(seed: string, length: number): string {
  let out = '';
  let h = 2166136261;
  let round = 0;
  while (out.length < length) {
    for (const ch of `${round}${seed}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
    round++;
  }
  return out.slice(0, length);
}
