import { Logger } from '@aws-lambda-powertools/logger';
import type { FleetTarget } from '@nodekeeper/core/config';
import type {
  AmiAgeRequest,
  CatalogSnapshot,
  ClusterProgress,
  Fleet,
  ImageFacts,
  InspectionError,
  InspectionTarget,
  NodegroupFacts,
  ReleaseHistory,
  ReleaseHistorySource,
} from '@nodekeeper/core/plan';
import {
  eksOptimizedAmiName,
  lookupTarget,
  matchesAny,
  parametersForNodegroup,
  releaseHistoriesWanted,
  releaseImagesToDescribe,
  TARGET_CONCURRENCY,
  targetImageIds,
  WHOLE_CLUSTER,
} from '@nodekeeper/core/plan';
import { createBatcher } from './batch.ts';
import type { AwsClients } from './clients.ts';
import {
  describeAmazonImagesByName,
  describeImagesBatch,
  describeLaunchTemplateVersions,
  imageBatchSize,
  type LaunchTemplateVersionFacts,
} from './ec2.ts';
import { describeCluster, describeNodegroup, type EksCluster, listClusters, listNodegroups } from './eks.ts';
import { createSemaphore, mapLimit } from './limit.ts';
import { createReleaseHistoryReader, type ReleaseHistoryReader } from './releases.ts';
import { getParametersBatch, parameterBatchSize } from './ssm.ts';
import { checkTargetAccess, type TargetClientCache } from './targets.ts';

export interface InspectFleetOptions {
  clients: Pick<AwsClients, 'eks' | 'ec2' | 'ssm'>;
  /** Stamped on every node group and error; null = the caller's own account. */
  accountId: string | null;
  region: string;
  /** Cluster names or globs (`prod-*`). */
  clusterPatterns: readonly string[];
  /** Most AWS requests in flight at once. Default 24: over 20× faster than serial; client rate control still paces each bucket. */
  concurrency?: number;
  logger?: Logger;
  /** Called after each selected cluster's node groups are described (progress). */
  onCluster?: (progress: ClusterProgress) => void;
  /**
   * The plan's time and age rules: older releases are read for targets whose newest image is
   * younger than a node group's minimum age (age selection). Absent: none are read.
   */
  amiAge?: AmiAgeRequest | null;
  /** Memoises older-release reads across the targets of one run (default: one reader per call). */
  releaseHistories?: ReleaseHistoryReader;
}

export interface InspectFleetResult {
  fleet: Fleet;
  catalog: CatalogSnapshot;
}

export const inspectDefaults = { concurrency: 24 } as const;

const defaultLogger = new Logger({ serviceName: 'nodekeeper' });

interface Entry {
  facts: NodegroupFacts;
  /** Parameter lookups of this node group. */
  params: Array<Promise<string | undefined>>;
  failed: string | null;
}

/**
 * Reads the selected clusters of one (account, region) and everything the planner needs about
 * their AMIs, with the fewest calls: one DescribeLaunchTemplateVersions per distinct template of a
 * CUSTOM node group, GetParameters 10 distinct names a call, DescribeImages 100 images a call (by
 * ID for targets and CUSTOM groups' images; by name for the images other groups run, unless they
 * run their target), deprecated images included.
 * Read-only. Every request goes through one semaphore of `concurrency`; independent phases overlap.
 * A cluster or node group that cannot be read becomes an InspectionError; the rest continues.
 */
export async function inspectFleet(options: InspectFleetOptions): Promise<InspectFleetResult> {
  const { clients, accountId, region } = options;
  const logger = options.logger ?? defaultLogger;
  const sem = createSemaphore(options.concurrency ?? inspectDefaults.concurrency);
  const errors: InspectionError[] = [];
  const entries: Entry[] = [];
  const parameters: Record<string, string> = {};
  const images: Record<string, ImageFacts> = {};
  const releases: Record<string, ReleaseHistory> = {};
  const byLocation = (
    a: { cluster: string; nodegroup: string | null },
    b: { cluster: string; nodegroup: string | null },
  ) => a.cluster.localeCompare(b.cluster) || (a.nodegroup ?? '').localeCompare(b.nodegroup ?? '');
  const result = (): InspectFleetResult => ({
    fleet: {
      nodegroups: entries
        .filter((e) => e.failed === null)
        .map((e) => e.facts)
        .sort(byLocation),
      errors: [...errors].sort(byLocation),
    },
    catalog: {
      parameters: { [region]: parameters },
      images: { [region]: images },
      ...(Object.keys(releases).length > 0 ? { releases: { [region]: releases } } : {}),
    },
  });
  const fail = (cluster: string, nodegroup: string | null, err: unknown): void => {
    const message = err instanceof Error ? err.message : String(err);
    errors.push({ accountId, region, cluster, nodegroup, message });
    // `message` is a key Powertools reserves (it would drop it and warn): the cause goes in `error`.
    logger.warn('inspection failed', { accountId, region, cluster, nodegroup, error: message });
  };
  const failEntry = (entry: Entry, err: unknown): void => {
    if (entry.failed !== null) return;
    entry.failed = err instanceof Error ? err.message : String(err);
    fail(entry.facts.cluster, entry.facts.nodegroup, err);
  };

  const paramBatcher = createBatcher<string, string>({
    size: parameterBatchSize,
    run: async (names) => {
      const out = await sem.run(() => getParametersBatch(clients.ssm, names));
      Object.assign(parameters, out.values);
      return new Map(Object.entries(out.values));
    },
  });
  const imageRunner = async (ids: string[]): Promise<Map<string, ImageFacts>> => {
    const found = await sem.run(() => describeImagesBatch(clients.ec2, ids));
    for (const image of found) images[image.imageId] = image;
    return new Map(found.map((i) => [i.imageId, i]));
  };
  const currentImages = createBatcher<string, ImageFacts>({ size: imageBatchSize, run: imageRunner });
  const requestParameters = (entry: Entry, image: ImageFacts | null): void => {
    entry.params = parametersForNodegroup(entry.facts, image).map((name) => paramBatcher.get(name));
  };

  // 1. Clusters.
  let clusterNames: string[];
  try {
    clusterNames = await sem.run(() => listClusters(clients.eks));
  } catch (err) {
    fail('*', null, err);
    return result();
  }
  const selected = clusterNames.filter((name) => matchesAny(name, options.clusterPatterns)).sort();
  let clustersDone = 0;
  const clusterDone = (): void => {
    clustersDone += 1;
    options.onCluster?.({ clustersDone, clustersTotal: selected.length, nodegroupsDone: entries.length });
  };
  options.onCluster?.({ clustersDone, clustersTotal: selected.length, nodegroupsDone: 0 });

  // 2. Clusters and node groups. Groups that need no launch template start their parameter lookups now.
  const templates = new Map<string, { versions: Set<string>; entries: Entry[] }>();
  await Promise.all(
    selected.map(async (cluster) => {
      let info: EksCluster;
      let names: string[];
      try {
        [info, names] = await Promise.all([
          sem.run(() => describeCluster(clients.eks, cluster)),
          sem.run(() => listNodegroups(clients.eks, cluster)),
        ]);
      } catch (err) {
        fail(cluster, null, err);
        clusterDone();
        return;
      }
      await Promise.all(
        names.map(async (nodegroup) => {
          let described: Awaited<ReturnType<typeof describeNodegroup>>;
          try {
            described = await sem.run(() => describeNodegroup(clients.eks, cluster, nodegroup));
          } catch (err) {
            fail(cluster, nodegroup, err);
            return;
          }
          if (described.kind === 'not-found') {
            logger.info('node group vanished during inspection', { accountId, region, cluster, nodegroup });
            return;
          }
          const ng = described.nodegroup;
          const entry: Entry = {
            facts: {
              accountId,
              region,
              cluster,
              nodegroup: ng.nodegroup || nodegroup,
              clusterVersion: info.version,
              version: ng.version || info.version,
              amiType: ng.amiType,
              releaseVersion: ng.releaseVersion,
              status: ng.status,
              tags: ng.tags,
              clusterTags: info.tags,
              launchTemplate: ng.launchTemplate ? { ...ng.launchTemplate, imageId: null } : null,
              desiredSize: ng.desiredSize,
              updateConfig: ng.updateConfig,
              ...(ng.amiType === 'CUSTOM' ? {} : { currentImageId: null }),
            },
            params: [],
            failed: null,
          };
          entries.push(entry);
          // Only a CUSTOM group's template holds an ImageId (EKS rule); the others need no EC2 call.
          if (ng.amiType === 'CUSTOM' && ng.launchTemplate) {
            const t = templates.get(ng.launchTemplate.id) ?? { versions: new Set<string>(), entries: [] };
            t.versions.add(ng.launchTemplate.version);
            t.entries.push(entry);
            templates.set(ng.launchTemplate.id, t);
          } else {
            requestParameters(entry, null);
          }
        }),
      );
      clusterDone();
    }),
  );

  // 3. Launch templates (one call per distinct template) → current images of CUSTOM groups.
  const customs: Array<{ entry: Entry; image: Promise<ImageFacts | undefined> | null }> = [];
  await Promise.all(
    [...templates].map(async ([id, t]) => {
      let versions: Map<string, LaunchTemplateVersionFacts>;
      try {
        versions = await sem.run(() =>
          describeLaunchTemplateVersions(clients.ec2, id, [...t.versions].sort()),
        );
      } catch (err) {
        for (const entry of t.entries) failEntry(entry, err);
        return;
      }
      for (const entry of t.entries) {
        const lt = entry.facts.launchTemplate;
        const v = lt ? versions.get(lt.version) : undefined;
        if (lt && v) {
          lt.imageId = v.imageId;
          if (lt.name === null) lt.name = v.launchTemplateName;
        }
        customs.push({ entry, image: lt?.imageId ? currentImages.get(lt.imageId) : null });
      }
    }),
  );
  currentImages.flush();

  // 4. Parameters of CUSTOM groups (they need the current image's name), then the last partial batch.
  await Promise.all(
    customs.map(async ({ entry, image }) => {
      try {
        requestParameters(entry, (await image) ?? null);
      } catch (err) {
        failEntry(entry, err);
      }
    }),
  );
  paramBatcher.flush();

  // 5. Target images: those not described as current images, streamed as parameter batches answer.
  // Beside them, by name, the images non-CUSTOM groups run when that is not their target (end of life).
  const targetImages = createBatcher<string, ImageFacts>({ size: imageBatchSize, run: imageRunner });
  const runningImages = createBatcher<string, ImageFacts>({
    size: imageBatchSize,
    run: async (names) => {
      const found = await sem.run(() => describeAmazonImagesByName(clients.ec2, names));
      const byName = new Map<string, ImageFacts>();
      for (const image of found) {
        const seen = byName.get(image.name);
        if (!seen || seen.creationDate < image.creationDate) byName.set(image.name, image);
      }
      for (const image of byName.values()) images[image.imageId] = image;
      return byName;
    },
  });
  const running: Array<{ entry: Entry; image: Promise<ImageFacts | undefined> }> = [];
  const targets: Array<{ entry: Entry; lookups: Array<Promise<unknown>> }> = [];
  const snapshot: CatalogSnapshot = { parameters: { [region]: parameters }, images: { [region]: images } };
  await Promise.all(
    entries.map(async (entry) => {
      if (entry.failed !== null) return;
      try {
        await Promise.all(entry.params);
      } catch (err) {
        failEntry(entry, err);
        return;
      }
      // The planner's own reading of the parameters decides which image is the target.
      const target = lookupTarget(entry.facts, snapshot);
      // The next Kubernetes minor's target too, for a group behind its cluster (see lookupViews).
      const ids = targetImageIds(entry.facts, snapshot);
      const ng = entry.facts;
      if (ng.amiType !== 'CUSTOM') {
        if (target.kind === 'found' && target.releaseVersion === ng.releaseVersion) {
          ng.currentImageId = target.imageId;
        } else {
          const name = eksOptimizedAmiName(ng.amiType, ng.version, ng.releaseVersion);
          if (name !== null) running.push({ entry, image: runningImages.get(name) });
        }
      }
      targets.push({
        entry,
        lookups: ids.map((imageId) =>
          currentImages.has(imageId) ? currentImages.get(imageId) : targetImages.get(imageId),
        ),
      });
    }),
  );
  targetImages.flush();
  runningImages.flush();
  await Promise.all([
    ...targets.map(async ({ entry, lookups }) => {
      try {
        await Promise.all(lookups);
      } catch (err) {
        failEntry(entry, err);
      }
    }),
    // Advisory: an image that cannot be described leaves the group's end of life unknown, not its plan.
    ...running.map(async ({ entry, image }) => {
      try {
        entry.facts.currentImageId = (await image)?.imageId ?? null;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const { cluster, nodegroup } = entry.facts;
        logger.warn('running image not described', { accountId, region, cluster, nodegroup, error: message });
      }
    }),
  ]);

  // 6. Age selection: the older releases of targets whose newest image is younger than a node
  // group's minimum age (one read per history), then their images, newest first and bounded.
  const amiAge = options.amiAge ?? null;
  if (amiAge !== null) {
    const now = new Date(amiAge.now);
    const reader = options.releaseHistories ?? createReleaseHistoryReader();
    const current: CatalogSnapshot = {
      parameters: { [region]: parameters },
      images: { [region]: images },
      releases: { [region]: releases },
    };
    // Each minor a group's target is looked up on: its own and, behind its cluster, the next.
    const wanted = new Map<string, { source: ReleaseHistorySource; view: NodegroupFacts }>();
    for (const entry of entries) {
      if (entry.failed !== null) continue;
      for (const { view, source } of releaseHistoriesWanted(entry.facts, current, amiAge.rule, now)) {
        if (!wanted.has(source.key)) wanted.set(source.key, { source, view });
      }
    }
    const olderImages = createBatcher<string, ImageFacts>({ size: imageBatchSize, run: imageRunner });
    const describing: Array<Promise<unknown>> = [];
    const failures = new Set<string>();
    await Promise.all(
      [...wanted.values()].map(async ({ source, view }) => {
        const { history, images: named } = await sem.run(() =>
          reader.read(clients, { accountId, region }, source),
        );
        releases[source.key] = history;
        for (const image of named) images[image.imageId] ??= image;
        logger.info('older releases read', {
          accountId,
          region,
          location: history.location,
          releases: history.releases.length,
          complete: history.complete,
          ...(history.error !== null ? { error: history.error } : {}),
        });
        const found = lookupTarget(view, current);
        if (found.kind !== 'found' || history.error !== null) return;
        const created = (id: string) => images[id]?.creationDate ?? null;
        for (const id of releaseImagesToDescribe(found, history, created)) {
          if (images[id] !== undefined || olderImages.has(id)) continue;
          describing.push(
            olderImages.get(id).catch((err: unknown) => {
              failures.add(err instanceof Error ? err.message : String(err));
            }),
          );
        }
      }),
    );
    olderImages.flush();
    await Promise.all(describing);
    // An older release whose image could not be described is simply not a candidate.
    for (const error of failures)
      logger.warn('older release images not described', { accountId, region, error });
  }

  const out = result();
  logger.info('fleet inspected', {
    accountId,
    region,
    clusters: selected.length,
    nodegroups: out.fleet.nodegroups.length,
    errors: errors.length,
    parameters: Object.keys(parameters).length,
    images: Object.keys(images).length,
  });
  return out;
}

/** How many (account, region) targets are inspected at once by {@link inspectTargets} (core's plan pipeline's). */
export { TARGET_CONCURRENCY };

/** The inspection of a target that could not be read: one `error` item naming why. Pure. */
export function targetError(
  target: Pick<FleetTarget, 'accountId' | 'region'>,
  message: string,
): InspectFleetResult {
  return {
    fleet: {
      nodegroups: [],
      errors: [
        {
          accountId: target.accountId,
          region: target.region,
          cluster: WHOLE_CLUSTER,
          nodegroup: null,
          message,
        },
      ],
    },
    catalog: { parameters: { [target.region]: {} }, images: { [target.region]: {} } },
  };
}

/**
 * Inspects one (account, region). For another account, its role is tried first
 * ({@link checkTargetAccess}): a role that cannot be assumed becomes one `error` item for the
 * target, naming account, role and AWS's error, and nothing else is called there. Read-only.
 */
export async function inspectTarget(
  clients: TargetClientCache,
  target: InspectionTarget,
  options: Pick<InspectFleetOptions, 'concurrency' | 'logger' | 'onCluster' | 'releaseHistories'> = {},
): Promise<InspectFleetResult> {
  const c = clients(target.accountId, target.region);
  if (target.role !== null) {
    const access = await checkTargetAccess(c, target);
    if (access.kind === 'denied') {
      (options.logger ?? defaultLogger).warn('target unreachable', {
        accountId: target.accountId,
        region: target.region,
        message: access.message,
      });
      return targetError(target, access.message);
    }
  }
  return inspectFleet({
    clients: c,
    accountId: target.accountId,
    region: target.region,
    clusterPatterns: target.clusters,
    amiAge: target.amiAge ?? null,
    ...options,
  });
}

/**
 * Inspects every target with at most `concurrency` targets at once (each with its own client
 * set, so each account and region keeps its own rate limits). Results come in target order. A
 * target that fails is an `error` item; the others still plan. Read-only.
 */
export function inspectTargets(
  clients: TargetClientCache,
  targets: readonly InspectionTarget[],
  options: Pick<InspectFleetOptions, 'concurrency' | 'logger' | 'releaseHistories'> & {
    targetConcurrency?: number;
  } = {},
): Promise<InspectFleetResult[]> {
  const { targetConcurrency = TARGET_CONCURRENCY, ...rest } = options;
  const releaseHistories = rest.releaseHistories ?? createReleaseHistoryReader();
  return mapLimit(targets, targetConcurrency, (t) =>
    inspectTarget(clients, t, { ...rest, releaseHistories }),
  );
}
