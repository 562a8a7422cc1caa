import { Logger } from '@aws-lambda-powertools/logger';
import type {
  AmiAgeRequest,
  CatalogSnapshot,
  ClusterProgress,
  Fleet,
  FollowRule,
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
  targetError,
  targetImageIds,
} from '@nodekeeper/core/plan';
import { createBatcher, createFlushGroup } from './batch.ts';
import type { AwsClients } from './clients.ts';
import {
  describeAmazonImagesByName,
  describeImagesBatch,
  describeLaunchTemplateVersions,
  imageBatchSize,
  type LaunchTemplateVersionFacts,
} from './ec2.ts';
import { describeCluster, describeNodegroup, type EksCluster, listClusters, listNodegroups } from './eks.ts';
import { type AwsAdapterError, ParameterAccessDeniedError } from './errors.ts';
import { checkTargetAccess } from './identity.ts';
import { createSemaphore, mapLimit } from './limit.ts';
import { createReleaseHistoryReader, type ReleaseHistoryReader } from './releases.ts';
import { getParametersIsolatingDenials, parameterBatchSize } from './ssm.ts';
import type { TargetClientCache } from './targets.ts';

export interface InspectFleetOptions {
  /** With `context` (a client set from `createClients`), partial batches also watch its rate limiter. */
  clients: Pick<AwsClients, 'eks' | 'ec2' | 'ssm'> & Partial<Pick<AwsClients, 'context'>>;
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
  /**
   * Which node groups follow their cluster's Kubernetes version (the policy's waves and
   * `followClusterVersion`): only for those behind their cluster are the next minor's parameters
   * and image read. Absent: none follow, and nothing of a next minor is read.
   */
  follow?: FollowRule | null;
}

export interface InspectFleetResult {
  fleet: Fleet;
  catalog: CatalogSnapshot;
}

export const inspectDefaults = { concurrency: 24 } as const;

/**
 * Queue priorities of the inspector's calls: a later stage of a node group's chain goes before an
 * earlier stage of another, so the chains finish as the describes do instead of after them.
 */
const Stage = { eks: 0, template: 1, batched: 2 } as const;

const defaultLogger = new Logger({ serviceName: 'nodekeeper' });

interface Entry {
  facts: NodegroupFacts;
  failed: string | null;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Reads the selected clusters of one (account, region) and everything the planner needs about
 * their AMIs, with the fewest calls: one DescribeLaunchTemplateVersions per distinct template of a
 * CUSTOM node group (more only when a version of it shows up after its call started), GetParameters
 * 10 distinct names a call, DescribeImages 100 images a call (by ID for targets and CUSTOM groups'
 * images; by name for the images other groups run, unless they run their target), deprecated images
 * included.
 * Pipelined: each node group is one chain (describe → launch template → current image →
 * parameters → target image → older releases) with no barrier between stages; lookups are
 * memoised, and a partial batch leaves when the limiter idles or its backlog is down to one round,
 * with no feeding answer in flight (`FlushGroup`). Every request goes through one semaphore of
 * `concurrency`, later stages first. Read-only.
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
  // One catalog object, filled in place as answers arrive: every chain reads what it needs from it.
  const catalog: CatalogSnapshot = {
    parameters: { [region]: parameters },
    images: { [region]: images },
    releases: { [region]: releases },
  };
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
    const message = messageOf(err);
    errors.push({ accountId, region, cluster, nodegroup, message });
    // `message` is a key Powertools reserves (it would drop it and warn): the cause goes in `error`.
    logger.warn('inspection failed', { accountId, region, cluster, nodegroup, error: message });
  };
  const failEntry = (entry: Entry, err: unknown): void => {
    if (entry.failed !== null) return;
    entry.failed = messageOf(err);
    fail(entry.facts.cluster, entry.facts.nodegroup, err);
  };

  // Partial batches leave together when the semaphore idles or its backlog is down to a round,
  // and not while calls wait for rate tokens.
  const flushGroup = createFlushGroup(sem, undefined, clients.context?.limiter ?? null);
  const deniedParameters = new Map<string, AwsAdapterError>();
  const parameterBatcher = createBatcher<string, string>({
    size: parameterBatchSize,
    flushWhen: flushGroup,
    // Its answers name target images (and running images' names): partial batches wait for them.
    run: (names) =>
      flushGroup.feed(
        sem.run(async () => {
          // A name IAM refuses fails only the groups that need it (see follow), not the batch.
          const out = await getParametersIsolatingDenials(clients.ssm, names);
          Object.assign(parameters, out.values);
          for (const [name, err] of Object.entries(out.denied)) deniedParameters.set(name, err);
          return new Map(Object.entries(out.values));
        }, Stage.batched),
        'parameters',
      ),
  });
  // One batcher for every image described by ID: current images, targets and older releases.
  const imageBatcher = createBatcher<string, ImageFacts>({
    size: imageBatchSize,
    flushWhen: flushGroup,
    // A CUSTOM group's current image names its parameters (the image's family).
    run: (ids) =>
      flushGroup.feed(
        sem.run(async () => {
          const found = await describeImagesBatch(clients.ec2, ids);
          for (const image of found) images[image.imageId] = image;
          return new Map(found.map((i) => [i.imageId, i]));
        }, Stage.batched),
      ),
  });
  // A group's running image is looked up by name only when its target (a parameter) is not it.
  const runningBatcher = createBatcher<string, ImageFacts>({
    size: imageBatchSize,
    flushWhen: flushGroup,
    waitsFor: ['parameters'],
    run: (names) =>
      sem.run(async () => {
        const found = await describeAmazonImagesByName(clients.ec2, names);
        const byName = new Map<string, ImageFacts>();
        for (const image of found) {
          const seen = byName.get(image.name);
          if (!seen || seen.creationDate < image.creationDate) byName.set(image.name, image);
        }
        for (const image of byName.values()) images[image.imageId] = image;
        return byName;
      }, Stage.batched),
  });
  const batchers = [parameterBatcher, imageBatcher, runningBatcher, flushGroup];

  // Launch templates: one call per template, issued when the first group using it is described;
  // the versions asked for are those known when the call leaves the queue.
  const templateVersions = new Map<string, Promise<LaunchTemplateVersionFacts | undefined>>();
  const openTemplateCalls = new Map<
    string,
    Map<
      string,
      { resolve: (v: LaunchTemplateVersionFacts | undefined) => void; reject: (e: unknown) => void }
    >
  >();
  const templateVersion = (id: string, version: string): Promise<LaunchTemplateVersionFacts | undefined> => {
    const key = `${id}\u0000${version}`;
    const known = templateVersions.get(key);
    if (known) return known;
    const promise = new Promise<LaunchTemplateVersionFacts | undefined>((resolve, reject) => {
      const open = openTemplateCalls.get(id);
      if (open) {
        open.set(version, { resolve, reject });
        return;
      }
      const waiting = new Map([[version, { resolve, reject }]]);
      openTemplateCalls.set(id, waiting);
      void flushGroup
        .feed(
          sem.run(async () => {
            // Groups described in this turn of the event loop join the call.
            await new Promise<void>((r) => setImmediate(r));
            openTemplateCalls.delete(id);
            return describeLaunchTemplateVersions(clients.ec2, id, [...waiting.keys()].sort());
          }, Stage.template),
        )
        .then(
          (versions) => {
            for (const [v, w] of waiting) w.resolve(versions.get(v));
          },
          (err: unknown) => {
            for (const w of waiting.values()) w.reject(err);
          },
        );
    });
    promise.catch(() => undefined);
    templateVersions.set(key, promise);
    return promise;
  };

  // Age selection: each history read once (the reader memoises across targets too).
  const amiAge = options.amiAge ?? null;
  const followRule = options.follow ?? null;
  const reader = amiAge !== null ? (options.releaseHistories ?? createReleaseHistoryReader()) : null;
  const historyReads = new Map<string, Promise<void>>();
  const olderImageFailures = new Set<string>();
  const readHistory = (
    source: ReleaseHistorySource,
    entry: Entry,
    view: NodegroupFacts = entry.facts,
  ): Promise<void> => {
    const known = historyReads.get(source.key);
    if (known) return known;
    const read = (async () => {
      if (reader === null || amiAge === null) return;
      const { history, images: named } = await flushGroup.feed(
        sem.run(() => reader.read(clients, { accountId, region }, source), Stage.batched),
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
      const found = lookupTarget(view, catalog);
      if (found.kind !== 'found' || history.error !== null) return;
      const created = (id: string) => images[id]?.creationDate ?? null;
      const describing: Array<Promise<unknown>> = [];
      for (const id of releaseImagesToDescribe(found, history, created)) {
        if (images[id] !== undefined || imageBatcher.has(id)) continue;
        describing.push(
          imageBatcher.get(id).catch((err: unknown) => {
            olderImageFailures.add(messageOf(err));
          }),
        );
      }
      await Promise.all(describing);
    })();
    historyReads.set(source.key, read);
    return read;
  };

  /** Everything after DescribeNodegroup, for one node group. Never rejects: failures mark the entry. */
  const follow = async (entry: Entry): Promise<void> => {
    const ng = entry.facts;
    // Golden groups name their parameter by tag: those lookups need no image and start now.
    const earlyNames = parametersForNodegroup(ng, null, followRule);
    const early = earlyNames.map((name) => parameterBatcher.get(name));
    let image: ImageFacts | null = null;
    // Only a CUSTOM group's template holds an ImageId (EKS rule); the others need no EC2 call.
    if (ng.amiType === 'CUSTOM' && ng.launchTemplate) {
      const lt = ng.launchTemplate;
      try {
        const v = await templateVersion(lt.id, lt.version);
        if (v) {
          lt.imageId = v.imageId;
          if (lt.name === null) lt.name = v.launchTemplateName;
        }
        image = lt.imageId ? ((await imageBatcher.get(lt.imageId)) ?? null) : null;
      } catch (err) {
        failEntry(entry, err);
        return;
      }
    }
    const names = [...new Set([...earlyNames, ...parametersForNodegroup(ng, image, followRule)])];
    try {
      await Promise.all([...early, ...names.map((n) => parameterBatcher.get(n))]);
    } catch (err) {
      failEntry(entry, err);
      return;
    }
    const refused = names.filter((n) => deniedParameters.has(n));
    if (refused.length > 0) {
      failEntry(entry, new ParameterAccessDeniedError(refused, deniedParameters.get(refused[0] as string)));
      return;
    }
    // The planner's own reading of the parameters decides which image is the target.
    const target = lookupTarget(ng, catalog);
    let running: Promise<void> | null = null;
    if (ng.amiType !== 'CUSTOM') {
      if (target.kind === 'found' && target.releaseVersion === ng.releaseVersion) {
        ng.currentImageId = target.imageId;
      } else {
        const name = eksOptimizedAmiName(ng.amiType, ng.version, ng.releaseVersion);
        if (name !== null) {
          // Advisory: an image that cannot be described leaves the group's end of life unknown, not its plan.
          running = runningBatcher.get(name).then(
            (found) => {
              ng.currentImageId = found?.imageId ?? null;
            },
            (err: unknown) => {
              const { cluster, nodegroup } = ng;
              logger.warn('running image not described', {
                accountId,
                region,
                cluster,
                nodegroup,
                error: messageOf(err),
              });
            },
          );
        }
      }
    }
    try {
      // The next Kubernetes minor's target too, for a group behind its cluster that follows it (see lookupViews).
      await Promise.all(targetImageIds(ng, catalog, followRule).map((id) => imageBatcher.get(id)));
    } catch (err) {
      failEntry(entry, err);
      await running;
      return;
    }
    if (amiAge !== null && entry.failed === null) {
      // The older releases of a target whose newest image is younger than this group's minimum age.
      const wanted = releaseHistoriesWanted(ng, catalog, amiAge.rule, new Date(amiAge.now), followRule);
      await Promise.all(wanted.map(({ view, source }) => readHistory(source, entry, view)));
    }
    await running;
  };

  // 1. Clusters.
  let clusterNames: string[];
  try {
    clusterNames = await sem.run(() => listClusters(clients.eks), Stage.eks);
  } catch (err) {
    fail('*', null, err);
    for (const b of batchers) b.dispose();
    return result();
  }
  const selected = clusterNames.filter((name) => matchesAny(name, options.clusterPatterns)).sort();
  let clustersDone = 0;
  const clusterDone = (): void => {
    clustersDone += 1;
    options.onCluster?.({ clustersDone, clustersTotal: selected.length, nodegroupsDone: entries.length });
  };
  options.onCluster?.({ clustersDone, clustersTotal: selected.length, nodegroupsDone: 0 });

  // 2. Each cluster, each node group, and each node group's chain as soon as it is described.
  const chains: Array<Promise<void>> = [];
  try {
    await Promise.all(
      selected.map(async (cluster) => {
        let info: EksCluster;
        let names: string[];
        try {
          [info, names] = await Promise.all([
            sem.run(() => describeCluster(clients.eks, cluster), Stage.eks),
            sem.run(() => listNodegroups(clients.eks, cluster), Stage.eks),
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
              described = await sem.run(() => describeNodegroup(clients.eks, cluster, nodegroup), Stage.eks);
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
              failed: null,
            };
            entries.push(entry);
            chains.push(follow(entry));
          }),
        );
        clusterDone();
      }),
    );
    await Promise.all(chains);
  } finally {
    for (const b of batchers) b.dispose();
  }
  // An older release whose image could not be described is simply not a candidate.
  for (const error of olderImageFailures)
    logger.warn('older release images not described', { accountId, region, error });

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
/** The inspection of a target that could not be read: one `error` item naming why (core's). Pure. */
export { TARGET_CONCURRENCY, targetError };

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
    follow: target.follow ?? null,
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
