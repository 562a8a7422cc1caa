import { createHash, randomUUID } from 'node:crypto';
import { compareReleaseVersions, isPlausibleRelease, releaseSource } from '../ami-families.ts';
import { compareVersions, type FleetCluster, type FleetNodegroup, kubeletVersionOf } from '../fleet.ts';
import {
  ApiError,
  epochSeconds,
  jsonReply,
  paginate,
  parseJsonBody,
  type Reply,
  type SandboxRequest,
  type ServiceHandler,
  stableUuid,
} from '../protocol/http.ts';
import type { SandboxState, UpdateRecord } from '../state.ts';

/** EKS over REST-JSON: clusters, node groups and node group version updates. */

const DEFAULT_CREATED = '2026-03-02T10:21:44.512Z';

type Route = { operation: string; cluster?: string; nodegroup?: string; updateId?: string };

function route(method: string, path: string): Route {
  const seg = path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  if (seg[0] !== 'clusters') return { operation: `Unknown:${method} ${path}` };
  const [, cluster, kind, id, action] = seg;
  if (method === 'GET') {
    if (seg.length === 1) return { operation: 'ListClusters' };
    if (seg.length === 2) return { operation: 'DescribeCluster', cluster };
    if (kind === 'node-groups' && seg.length === 3) return { operation: 'ListNodegroups', cluster };
    if (kind === 'node-groups' && seg.length === 4)
      return { operation: 'DescribeNodegroup', cluster, nodegroup: id };
    if (kind === 'updates' && seg.length === 3) return { operation: 'ListUpdates', cluster };
    if (kind === 'updates' && seg.length === 4) return { operation: 'DescribeUpdate', cluster, updateId: id };
  }
  if (method === 'POST' && kind === 'node-groups' && action === 'update-version' && seg.length === 5) {
    return { operation: 'UpdateNodegroupVersion', cluster, nodegroup: id };
  }
  return { operation: `Unknown:${method} ${path}` };
}

const invalid = (message: string, fields: Record<string, unknown> = {}) =>
  new ApiError(400, 'InvalidParameterException', message, { fields });

function maxResults(q: URLSearchParams): number {
  const raw = q.get('maxResults');
  if (raw === null) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw invalid(
      `1 validation error detected: Value '${raw}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`,
    );
  }
  return n;
}

const badToken = () => invalid('The nextToken provided is invalid.');

export function createEksHandler(state: SandboxState): ServiceHandler {
  const { fleet } = state;

  function clusterOr404(name: string | undefined): FleetCluster {
    const c = name === undefined ? undefined : state.cluster(name);
    if (!c) {
      throw new ApiError(404, 'ResourceNotFoundException', `No cluster found for name: ${name}.`, {
        fields: { clusterName: name },
      });
    }
    return c;
  }

  function nodegroupOr404(c: FleetCluster, name: string | undefined): FleetNodegroup {
    const n = c.nodegroups.find((x) => x.name === name);
    if (!n) {
      throw new ApiError(404, 'ResourceNotFoundException', `No node group found for name: ${name}.`, {
        fields: { clusterName: c.name, nodegroupName: name },
      });
    }
    return n;
  }

  function clusterJson(c: FleetCluster) {
    const id = stableUuid(`cluster/${c.name}`).replaceAll('-', '').toUpperCase();
    return {
      name: c.name,
      arn: `arn:aws:eks:${fleet.region}:${fleet.accountId}:cluster/${c.name}`,
      createdAt: epochSeconds(c.createdAt ?? DEFAULT_CREATED),
      version: c.version,
      endpoint: `https://${id}.gr7.${fleet.region}.eks.amazonaws.com`,
      roleArn: `arn:aws:iam::${fleet.accountId}:role/${c.name}-cluster-role`,
      resourcesVpcConfig: {
        subnetIds: subnets(c.name),
        securityGroupIds: [],
        clusterSecurityGroupId: `sg-0${stableUuid(`sg/${c.name}`).replaceAll('-', '').slice(0, 16)}`,
        vpcId: `vpc-0${stableUuid(`vpc/${c.name}`).replaceAll('-', '').slice(0, 16)}`,
        endpointPublicAccess: false,
        endpointPrivateAccess: true,
        publicAccessCidrs: [],
      },
      kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4' },
      logging: {
        clusterLogging: [
          { types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: true },
        ],
      },
      identity: { oidc: { issuer: `https://oidc.eks.${fleet.region}.amazonaws.com/id/${id}` } },
      status: c.status,
      certificateAuthority: {
        data: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCnNhbmRib3gKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=',
      },
      platformVersion: c.platformVersion,
      tags: c.tags,
      health: { issues: [] },
      accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
      upgradePolicy: { supportType: 'STANDARD' },
    };
  }

  function nodegroupJson(c: FleetCluster, n: FleetNodegroup) {
    const uuid = stableUuid(`nodegroup/${c.name}/${n.name}`);
    const lt = n.launchTemplate ? state.template({ id: n.launchTemplate.id }) : undefined;
    const ltVersion =
      lt && n.launchTemplate ? state.templateVersion(lt, n.launchTemplate.version) : undefined;
    const finished = state.updates
      .filter((u) => u.cluster === c.name && u.nodegroup === n.name && u.status !== 'InProgress')
      .map((u) => u.finishAt.getTime());
    const created = n.createdAt ?? DEFAULT_CREATED;
    const minSize = n.minSize ?? Math.min(1, n.desiredSize);
    return {
      nodegroupName: n.name,
      nodegroupArn: `arn:aws:eks:${fleet.region}:${fleet.accountId}:nodegroup/${c.name}/${n.name}/${uuid}`,
      clusterName: c.name,
      version: n.version,
      releaseVersion: n.releaseVersion,
      createdAt: epochSeconds(created),
      modifiedAt: finished.length > 0 ? Math.max(...finished) / 1000 : epochSeconds(created),
      status: n.status,
      capacityType: n.capacityType,
      scalingConfig: {
        minSize,
        maxSize: n.maxSize ?? Math.max(n.desiredSize * 2, minSize, 1),
        desiredSize: n.desiredSize,
      },
      // EKS reports no instanceTypes / diskSize when the launch template decides them.
      instanceTypes: ltVersion?.instanceType ? undefined : (n.instanceTypes ?? ['m6i.large']),
      subnets: subnets(c.name),
      amiType: n.amiType,
      nodeRole: `arn:aws:iam::${fleet.accountId}:role/${c.name}-node-role`,
      labels: n.labels,
      resources: { autoScalingGroups: [{ name: `eks-${n.name}-${uuid}` }] },
      diskSize: lt ? undefined : 20,
      health: { issues: [] },
      updateConfig: { ...n.updateConfig },
      launchTemplate:
        lt && n.launchTemplate
          ? { name: lt.launchTemplateName, version: n.launchTemplate.version, id: lt.launchTemplateId }
          : undefined,
      tags: n.tags,
    };
  }

  function updateJson(u: UpdateRecord) {
    return {
      id: u.id,
      status: u.status,
      type: u.type,
      params: u.params,
      createdAt: epochSeconds(u.createdAt),
      errors: u.errors,
    };
  }

  function latestRelease(n: FleetNodegroup, k8s: string): string | undefined {
    const source = releaseSource(n.amiType, k8s);
    if (!source) return undefined;
    const p = state.parameters.get(source.name);
    if (!p) return undefined;
    if (source.kind === 'parameter') return p.value;
    try {
      const parsed = JSON.parse(p.value) as Record<string, unknown>;
      const v = parsed[source.field];
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }

  function updateNodegroupVersion(req: SandboxRequest, c: FleetCluster, n: FleetNodegroup): Reply {
    const body = parseJsonBody(req.body, 'InvalidRequestException');
    const token = typeof body.clientRequestToken === 'string' ? body.clientRequestToken : null;
    if (token !== null) {
      const seen = state.updates.find(
        (u) => u.clientRequestToken === token && u.cluster === c.name && u.nodegroup === n.name,
      );
      if (seen) return jsonReply(200, { update: updateJson(seen) });
    }
    const running = state.runningUpdate(c.name, n.name);
    if (running || n.status === 'UPDATING') {
      throw new ApiError(
        409,
        'ResourceInUseException',
        `Nodegroup ${n.name} is currently in the following status: UPDATING. Wait for the current update to finish.`,
        {
          fields: { clusterName: c.name, nodegroupName: n.name },
        },
      );
    }
    if (n.status !== 'ACTIVE' && n.status !== 'DEGRADED') {
      throw new ApiError(
        409,
        'ResourceInUseException',
        `Nodegroup ${n.name} cannot be updated in status ${n.status}.`,
        {
          fields: { clusterName: c.name, nodegroupName: n.name },
        },
      );
    }
    const version = optionalString(body, 'version');
    const releaseVersion = optionalString(body, 'releaseVersion');
    const ltBody = body.launchTemplate;
    const custom = n.amiType === 'CUSTOM';
    if (custom && releaseVersion !== undefined) {
      throw invalid('You cannot specify the field releaseVersion when using custom AMIs.', {
        clusterName: c.name,
        nodegroupName: n.name,
      });
    }
    if (custom && version !== undefined) {
      throw invalid('You cannot specify the field kubernetesVersion when using custom AMIs.', {
        clusterName: c.name,
        nodegroupName: n.name,
      });
    }
    const params: UpdateRecord['params'] = [];
    const apply: UpdateRecord['apply'] = {};
    let ltImage: string | undefined;
    if (ltBody !== undefined && ltBody !== null) {
      if (typeof ltBody !== 'object' || Array.isArray(ltBody))
        throw invalid('launchTemplate must be an object.');
      const spec = ltBody as Record<string, unknown>;
      if (!n.launchTemplate) {
        throw invalid(
          'You cannot specify a launch template for a node group that was not created with a launch template.',
          {
            clusterName: c.name,
            nodegroupName: n.name,
          },
        );
      }
      const id = optionalString(spec, 'id');
      const name = optionalString(spec, 'name');
      // EKS takes the template by ID or by name, never both (LaunchTemplateSpecification).
      if ((id === undefined) === (name === undefined))
        throw invalid('Either provide launch template ID or launch template name in the request.');
      const lt = state.template({ id: n.launchTemplate.id });
      if (
        !lt ||
        (id !== undefined && id !== lt.launchTemplateId) ||
        (name !== undefined && name !== lt.launchTemplateName)
      ) {
        throw invalid(
          `Launch template ${id ?? name} does not match the launch template of node group ${n.name}. You cannot change the launch template of a node group.`,
        );
      }
      const requested = optionalString(spec, 'version') ?? '$Default';
      const ltVersion = state.templateVersion(lt, requested);
      if (!ltVersion)
        throw invalid(
          `Launch template version ${requested} does not exist for launch template ${lt.launchTemplateId}.`,
        );
      if (custom && !ltVersion.imageId) {
        throw invalid(
          'You cannot update a node group that uses a custom AMI to a launch template version without an ImageId; create a new node group instead.',
        );
      }
      if (!custom && ltVersion.imageId) {
        throw invalid(
          'You cannot specify an ImageId in a launch template for a node group that uses an Amazon EKS AMI; create a new node group instead.',
        );
      }
      params.push(
        { type: 'LaunchTemplateName', value: lt.launchTemplateName },
        { type: 'LaunchTemplateVersion', value: String(ltVersion.versionNumber) },
      );
      apply.launchTemplateVersion = String(ltVersion.versionNumber);
      ltImage = ltVersion.imageId;
    } else if (custom) {
      throw invalid('A launch template version is required to update a node group that uses a custom AMI.', {
        clusterName: c.name,
        nodegroupName: n.name,
      });
    }
    if (custom) {
      apply.releaseVersion = ltImage;
      // EKS takes no `version` for a custom AMI: the AMI's kubelet decides the nodes' minor, and the
      // sandbox reports it as the group's version once the update succeeds (when the image tells it).
      const image = ltImage === undefined ? undefined : state.image(ltImage);
      const kubelet = image ? kubeletVersionOf(image) : null;
      if (kubelet !== null && compareVersions(kubelet, c.version) > 0) {
        throw invalid(
          `The AMI ${ltImage} runs Kubernetes ${kubelet}, newer than cluster version ${c.version}: a kubelet must not be newer than kube-apiserver.`,
          { clusterName: c.name, nodegroupName: n.name },
        );
      }
      if (kubelet !== null) apply.version = kubelet;
    } else {
      // Without `version` the group moves to the cluster's version (current EKS API model).
      const targetVersion = version ?? c.version;
      if (!/^\d+\.\d+$/.test(targetVersion)) throw invalid(`Invalid Kubernetes version ${targetVersion}.`);
      if (compareVersions(targetVersion, c.version) > 0) {
        throw invalid(
          `Requested Kubernetes version ${targetVersion} is greater than cluster version ${c.version}.`,
        );
      }
      if (compareVersions(targetVersion, n.version) < 0) {
        throw invalid(
          `Requested Kubernetes version ${targetVersion} is older than the node group's version ${n.version}.`,
        );
      }
      const targetRelease = releaseVersion ?? latestRelease(n, targetVersion) ?? n.releaseVersion;
      // EKS never moves a managed node group to an earlier AMI version (UpdateNodegroupVersion).
      const order =
        targetVersion === n.version
          ? compareReleaseVersions(n.amiType, targetRelease, n.releaseVersion)
          : null;
      if (order !== null && order < 0) {
        throw invalid(
          `Requested release version ${targetRelease} is older than the node group's release version ${n.releaseVersion}. You cannot roll back a node group to an earlier AMI version.`,
          { clusterName: c.name, nodegroupName: n.name },
        );
      }
      // EKS takes only releases AWS has published: the family's latest, or one of the fleet file's amiReleases published by now.
      const published =
        state.isPublishedRelease(n.amiType, targetVersion, targetRelease) !== false ||
        targetRelease === latestRelease(n, targetVersion);
      if (!isPlausibleRelease(n.amiType, targetVersion, targetRelease) || !published) {
        throw invalid(
          `Requested release version ${targetRelease} is not valid for kubernetes version ${targetVersion}.`,
        );
      }
      params.unshift(
        { type: 'Version', value: targetVersion },
        { type: 'ReleaseVersion', value: targetRelease },
      );
      apply.version = targetVersion;
      apply.releaseVersion = targetRelease;
    }
    const now = state.now();
    // `force` terminates nodes even when PodDisruptionBudgets block eviction.
    const outcome =
      body.force === true && n.update.outcome === 'PodEvictionFailure' ? 'Successful' : n.update.outcome;
    const update: UpdateRecord = {
      id: randomUUID(),
      cluster: c.name,
      nodegroup: n.name,
      type: 'VersionUpdate',
      createdAt: now,
      finishAt: new Date(now.getTime() + n.update.durationSeconds * 1000),
      status: 'InProgress',
      params,
      errors: [],
      clientRequestToken: token,
      outcome,
      apply,
    };
    state.updates.push(update);
    n.status = 'UPDATING';
    state.tick(); // a zero-second update finishes at once
    return jsonReply(200, { update: updateJson(update) });
  }

  return {
    service: 'eks',
    operationOf: (req) => route(req.method, req.path).operation,
    handle(req) {
      state.tick();
      const r = route(req.method, req.path);
      switch (r.operation) {
        case 'ListClusters': {
          const { page, nextToken } = paginate(
            fleet.clusters.map((c) => c.name),
            maxResults(req.query),
            req.query.get('nextToken') ?? undefined,
            'clusters',
            badToken,
          );
          return jsonReply(200, { clusters: page, nextToken });
        }
        case 'DescribeCluster':
          return jsonReply(200, { cluster: clusterJson(clusterOr404(r.cluster)) });
        case 'ListNodegroups': {
          const c = clusterOr404(r.cluster);
          const { page, nextToken } = paginate(
            c.nodegroups.map((n) => n.name),
            maxResults(req.query),
            req.query.get('nextToken') ?? undefined,
            `nodegroups/${c.name}`,
            badToken,
          );
          return jsonReply(200, { nodegroups: page, nextToken });
        }
        case 'DescribeNodegroup': {
          const c = clusterOr404(r.cluster);
          return jsonReply(200, { nodegroup: nodegroupJson(c, nodegroupOr404(c, r.nodegroup)) });
        }
        case 'UpdateNodegroupVersion': {
          const c = clusterOr404(r.cluster);
          return updateNodegroupVersion(req, c, nodegroupOr404(c, r.nodegroup));
        }
        case 'ListUpdates': {
          const c = clusterOr404(r.cluster);
          const ngName = req.query.get('nodegroupName');
          if (ngName !== null) nodegroupOr404(c, ngName);
          if (req.query.get('addonName') !== null) {
            throw new ApiError(
              404,
              'ResourceNotFoundException',
              `No addon: ${req.query.get('addonName')} found in cluster: ${c.name}`,
            );
          }
          // EKS lists updates in no guaranteed order (aws/containers-roadmap#1439): the sandbox
          // shuffles them by a hash of each update's place, stable across pages and calls.
          const ids = state.updates
            .filter((u) => u.cluster === c.name && u.nodegroup === (ngName ?? ''))
            .map((u, i) => ({ id: u.id, order: listOrderKey(c.name, ngName ?? '', i) }))
            .sort((a, b) => a.order.localeCompare(b.order))
            .map((u) => u.id);
          const { page, nextToken } = paginate(
            ids,
            maxResults(req.query),
            req.query.get('nextToken') ?? undefined,
            `updates/${c.name}/${ngName ?? ''}`,
            badToken,
          );
          return jsonReply(200, { updateIds: page, nextToken });
        }
        case 'DescribeUpdate': {
          const c = clusterOr404(r.cluster);
          const ngName = req.query.get('nodegroupName');
          if (ngName !== null) nodegroupOr404(c, ngName);
          const u = state.updates.find(
            (x) => x.id === r.updateId && x.cluster === c.name && x.nodegroup === (ngName ?? ''),
          );
          if (!u) {
            throw new ApiError(404, 'ResourceNotFoundException', `No update found for ID: ${r.updateId}`, {
              fields: { clusterName: c.name, nodegroupName: ngName ?? undefined },
            });
          }
          return jsonReply(200, { update: updateJson(u) });
        }
        default:
          throw new ApiError(
            404,
            'UnknownOperationException',
            `The sandbox does not implement ${req.method} ${req.path}`,
          );
      }
    },
    errorReply: (req, err) => restJsonError(req, err),
    throttleError: () => new ApiError(429, 'ThrottlingException', 'Rate exceeded'),
    defaultErrorCode: (status) =>
      status >= 500 ? 'ServerException' : status === 429 ? 'ThrottlingException' : 'ClientException',
  };
}

/** REST-JSON error: `x-amzn-ErrorType` header and a JSON body with `message` (and modeled fields). */
export function restJsonError(req: SandboxRequest, err: ApiError): Reply {
  const headers: Record<string, string> = {
    'x-amzn-errortype': err.code,
    'x-amzn-requestid': req.requestId,
  };
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  return jsonReply(err.status, { ...err.fields, message: err.message }, headers);
}

/** Where the `index`-th update of a node group sorts in ListUpdates: a well-mixed, stable hash. */
function listOrderKey(cluster: string, nodegroup: string, index: number): string {
  return createHash('sha256').update(`updates/${cluster}/${nodegroup}/${index}`).digest('hex');
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${key} must be a string.`);
  return v;
}

function subnets(cluster: string): string[] {
  return ['a', 'b', 'c'].map(
    (az) => `subnet-0${stableUuid(`subnet/${cluster}/${az}`).replaceAll('-', '').slice(0, 16)}`,
  );
}
