import type { FleetImage, FleetInstance, FleetLaunchTemplate, FleetLaunchTemplateVersion } from '../fleet.ts';
import {
  ApiError,
  paginate,
  type Reply,
  type SandboxRequest,
  type ServiceHandler,
  stableUuid,
} from '../protocol/http.ts';
import {
  parseQueryBody,
  type QueryFilter,
  type QueryParams,
  queryFilters,
  queryList,
  queryTree,
} from '../protocol/query.ts';
import { element, escapeXml, type XmlValue, xmlDocument, xmlList } from '../protocol/xml.ts';
import { ipFor, latestVersion, privateDnsName, type SandboxState } from '../state.ts';

/** EC2 over the EC2 Query protocol (form-encoded requests, XML responses), API version 2016-11-15. */

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const DEFAULT_CREATE = '2026-06-01T00:00:00.000Z';

const OPERATIONS = [
  'DescribeLaunchTemplateVersions',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'DeleteLaunchTemplateVersions',
  'DescribeImages',
  'DescribeInstances',
] as const;

/** Query list names (`SecurityGroupId.1`) → model member names (`SecurityGroupIds`), by parent path. */
function renameRequestList(parent: string, key: string): string {
  if (key === 'SecurityGroupId')
    return parent.startsWith('NetworkInterfaces') ? 'Groups' : 'SecurityGroupIds';
  const table: Record<string, string> = {
    BlockDeviceMapping: 'BlockDeviceMappings',
    NetworkInterface: 'NetworkInterfaces',
    TagSpecification: 'TagSpecifications',
    Tag: 'Tags',
    SecurityGroup: 'SecurityGroups',
    LicenseSpecification: 'LicenseSpecifications',
    ElasticGpuSpecification: 'ElasticGpuSpecifications',
    ElasticInferenceAccelerator: 'ElasticInferenceAccelerators',
    Ipv4Prefix: 'Ipv4Prefixes',
    Ipv6Prefix: 'Ipv6Prefixes',
    SecondaryInterface: 'SecondaryInterfaces',
    PrivateIpAddress: 'PrivateIpAddresses',
  };
  return table[key] ?? key;
}

/** Model member names → response XML element names where they are not simply lowerCamelCase. */
const RESPONSE_LIST_NAMES: Record<string, string> = {
  BlockDeviceMappings: 'blockDeviceMappingSet',
  NetworkInterfaces: 'networkInterfaceSet',
  Ipv6Addresses: 'ipv6AddressesSet',
  PrivateIpAddresses: 'privateIpAddressesSet',
  Ipv4Prefixes: 'ipv4PrefixSet',
  Ipv6Prefixes: 'ipv6PrefixSet',
  TagSpecifications: 'tagSpecificationSet',
  Tags: 'tagSet',
  ElasticGpuSpecifications: 'elasticGpuSpecificationSet',
  ElasticInferenceAccelerators: 'elasticInferenceAcceleratorSet',
  SecurityGroupIds: 'securityGroupIdSet',
  SecurityGroups: 'securityGroupSet',
  LicenseSpecifications: 'licenseSet',
  SecondaryInterfaces: 'secondaryInterfaceSet',
};

const lowerFirst = (s: string) => (s === '' ? s : s[0]?.toLowerCase() + s.slice(1));

/** Launch template data in the API's JSON shape → response XML value. */
function dataToXml(value: unknown, key = ''): XmlValue {
  if (Array.isArray(value)) {
    const items = value.map((v) => dataToXml(v));
    return key === 'Groups' ? xmlList('groupId', items) : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, XmlValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const name = Array.isArray(v)
        ? k === 'Groups'
          ? 'groupSet'
          : (RESPONSE_LIST_NAMES[k] ?? `${lowerFirst(k)}Set`)
        : lowerFirst(k);
      out[name] = dataToXml(v, k);
    }
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return undefined;
}

/** Query strings arrive untyped; restore booleans and integers so state() keeps the API's JSON types. */
function coerce(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => coerce(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerce(v, k)]));
  }
  if (typeof value !== 'string') return value;
  if (
    ['KeyName', 'UserData', 'Key', 'Value', 'ImageId', 'InstanceType', 'Description', 'DeviceName'].includes(
      key,
    )
  )
    return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d{1,15}$/.test(value)) return Number(value);
  return value;
}

/** At most this many versions per DeleteLaunchTemplateVersions request (EC2 API model). */
const MAX_DELETE_VERSIONS = 200;

/** The highest version number each template ever had: a deleted number is never given out again. */
const issuedVersions = new WeakMap<FleetLaunchTemplate, number>();

function nextVersionNumber(t: FleetLaunchTemplate): number {
  return Math.max(latestVersion(t), issuedVersions.get(t) ?? 0) + 1;
}

/**
 * What a new version inherits from its SourceVersion: everything, except the snapshot IDs of its
 * block devices (EC2 API model, SourceVersion: "Snapshots applied to the block device mapping are
 * ignored when creating a new version unless they are explicitly included").
 */
function inheritedData(source: Record<string, unknown>): Record<string, unknown> {
  const mappings = source.BlockDeviceMappings;
  if (!Array.isArray(mappings)) return source;
  return {
    ...source,
    BlockDeviceMappings: mappings.map((m) => {
      if (m === null || typeof m !== 'object' || !('Ebs' in m)) return m;
      const ebs = (m as { Ebs?: unknown }).Ebs;
      if (ebs === null || typeof ebs !== 'object' || !('SnapshotId' in ebs)) return m;
      const { SnapshotId: _dropped, ...rest } = ebs as Record<string, unknown>;
      return { ...m, Ebs: rest };
    }),
  };
}

function versionData(v: FleetLaunchTemplateVersion): Record<string, unknown> {
  const data: Record<string, unknown> = { ...(v.data ?? {}) };
  if (v.imageId !== undefined) data.ImageId = v.imageId;
  if (v.instanceType !== undefined) data.InstanceType = v.instanceType;
  if (v.userData !== undefined) data.UserData = v.userData;
  return data;
}

export function createEc2Handler(state: SandboxState): ServiceHandler {
  const { fleet } = state;
  const createdBy = `arn:aws:iam::${fleet.accountId}:role/nodekeeper`;

  function xmlReply(req: SandboxRequest, children: Record<string, XmlValue>): Reply {
    return {
      status: 200,
      headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': req.requestId },
      body: xmlDocument(`${req.operation}Response`, EC2_NAMESPACE, { requestId: req.requestId, ...children }),
    };
  }

  function versionXml(t: FleetLaunchTemplate, v: FleetLaunchTemplateVersion): XmlValue {
    return {
      launchTemplateId: t.launchTemplateId,
      launchTemplateName: t.launchTemplateName,
      versionNumber: v.versionNumber,
      versionDescription: v.versionDescription,
      createTime: v.createTime ?? t.createTime ?? DEFAULT_CREATE,
      createdBy,
      defaultVersion: v.versionNumber === t.defaultVersion,
      launchTemplateData: dataToXml(versionData(v)),
    };
  }

  function templateOr404(params: QueryParams): FleetLaunchTemplate {
    const id = params.get('LaunchTemplateId');
    const name = params.get('LaunchTemplateName');
    // EC2 API model: "You must specify either the launch template ID or the launch template name, but not both."
    if (id !== undefined && name !== undefined) {
      throw new ApiError(
        400,
        'InvalidParameterCombination',
        'Both a launch template ID and a launch template name were specified. Specify either a launch template ID or a launch template name, but not both.',
      );
    }
    if (id !== undefined) {
      if (!/^lt-[0-9a-z]+$/.test(id)) {
        throw new ApiError(
          400,
          'InvalidLaunchTemplateId.Malformed',
          `The launch template ID '${id}' is malformed.`,
        );
      }
      const t = state.template({ id });
      if (!t)
        throw new ApiError(
          400,
          'InvalidLaunchTemplateId.NotFound',
          `The specified launch template, with template ID ${id}, does not exist.`,
        );
      return t;
    }
    if (name !== undefined) {
      const t = state.template({ name });
      if (!t) {
        throw new ApiError(
          400,
          'InvalidLaunchTemplateName.NotFoundException',
          'At least one of the launch templates specified in the request does not exist.',
        );
      }
      return t;
    }
    throw new ApiError(
      400,
      'MissingParameter',
      'The request must contain the parameter LaunchTemplateName or LaunchTemplateId',
    );
  }

  function maxResults(params: QueryParams, min: number, max: number, fallback: number): number {
    const raw = params.get('MaxResults');
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ApiError(
        400,
        'InvalidParameterValue',
        `Value ( ${raw} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
      );
    }
    return n;
  }

  const badToken = () => new ApiError(400, 'InvalidPaginationToken', 'The pagination token is invalid.');

  function describeLaunchTemplateVersions(req: SandboxRequest, params: QueryParams): Reply {
    const requested = queryList(params, 'LaunchTemplateVersion');
    const hasTemplate = params.has('LaunchTemplateId') || params.has('LaunchTemplateName');
    const templates = hasTemplate ? [templateOr404(params)] : fleet.launchTemplates;
    if (!hasTemplate && requested.some((v) => v !== '$Latest' && v !== '$Default')) {
      throw new ApiError(
        400,
        'InvalidParameterCombination',
        'Only $Latest or $Default may be requested when no launch template is specified.',
      );
    }
    const min = params.get('MinVersion');
    const max = params.get('MaxVersion');
    const rows: Array<[FleetLaunchTemplate, FleetLaunchTemplateVersion]> = [];
    for (const t of templates) {
      if (requested.length > 0) {
        for (const r of requested) {
          if (r !== '$Latest' && r !== '$Default' && !/^\d+$/.test(r)) {
            throw new ApiError(
              400,
              'InvalidLaunchTemplateId.VersionNotFound',
              `Could not find launch template version ${r} for launch template ID ${t.launchTemplateId}.`,
            );
          }
          const v = state.templateVersion(t, r);
          if (!v) {
            throw new ApiError(
              400,
              'InvalidLaunchTemplateId.VersionNotFound',
              `Could not find launch template version ${r} for launch template ID ${t.launchTemplateId}.`,
            );
          }
          if (!rows.some(([rt, rv]) => rt === t && rv === v)) rows.push([t, v]);
        }
      } else {
        const sorted = [...t.versions].sort((a, b) => b.versionNumber - a.versionNumber);
        for (const v of sorted) {
          // MinVersion is "the version number after which to describe" (exclusive); MaxVersion
          // is "the version number up to which" (inclusive).
          if (min !== undefined && v.versionNumber <= Number(min)) continue;
          if (max !== undefined && v.versionNumber > Number(max)) continue;
          rows.push([t, v]);
        }
      }
    }
    const filtered = rows.filter(([t, v]) =>
      matchesAll(queryFilters(params), (name) => ltFilterValues(t, v, name)),
    );
    const { page, nextToken } = paginate(
      filtered,
      maxResults(params, 1, 200, 200),
      params.get('NextToken'),
      `ltv/${templates.map((t) => t.launchTemplateId).join(',')}`,
      badToken,
    );
    return xmlReply(req, { launchTemplateVersionSet: page.map(([t, v]) => versionXml(t, v)), nextToken });
  }

  function createLaunchTemplateVersion(req: SandboxRequest, params: QueryParams): Reply {
    const t = templateOr404(params);
    const token = params.get('ClientToken');
    if (token !== undefined) {
      if (token.length > 128)
        throw new ApiError(400, 'InvalidParameterValue', 'ClientToken must be at most 128 characters.');
      const seen = state.launchTemplateTokens.get(token);
      if (seen) {
        const st = state.template({ id: seen.launchTemplateId });
        const sv = st?.versions.find((v) => v.versionNumber === seen.versionNumber);
        if (st && sv) {
          if (st !== t)
            throw new ApiError(
              400,
              'IdempotentParameterMismatch',
              'The client token is already used with different parameters.',
            );
          return xmlReply(req, { launchTemplateVersion: versionXml(st, sv) });
        }
      }
    }
    const description = params.get('VersionDescription');
    if (description !== undefined && description.length > 255) {
      throw new ApiError(400, 'InvalidParameterValue', 'VersionDescription must be at most 255 characters.');
    }
    const incoming = coerce(queryTree(params, 'LaunchTemplateData', renameRequestList)) as Record<
      string,
      unknown
    >;
    const sourceRef = params.get('SourceVersion');
    let base: Record<string, unknown> = {};
    if (sourceRef !== undefined) {
      const source = state.templateVersion(t, sourceRef);
      if (!source) {
        throw new ApiError(
          400,
          'InvalidLaunchTemplateId.VersionNotFound',
          `Could not find launch template version ${sourceRef} for launch template ID ${t.launchTemplateId}.`,
        );
      }
      base = inheritedData(structuredClone(versionData(source)));
    }
    // Inheritance: every field of the source version, replaced field by field by what was passed.
    const data: Record<string, unknown> = { ...base, ...incoming };
    if (t.versions.length >= 10_000) {
      throw new ApiError(
        400,
        'LaunchTemplateMaxVersionsExceeded',
        'You have reached the maximum number of versions (10000) for this launch template.',
      );
    }
    const { ImageId, InstanceType, UserData, ...rest } = data;
    const v: FleetLaunchTemplateVersion = {
      versionNumber: nextVersionNumber(t),
      createTime: state.now().toISOString(),
      ...(typeof ImageId === 'string' ? { imageId: ImageId } : {}),
      ...(typeof InstanceType === 'string' ? { instanceType: InstanceType } : {}),
      ...(typeof UserData === 'string' ? { userData: UserData } : {}),
      ...(description !== undefined ? { versionDescription: description } : {}),
      ...(Object.keys(rest).length > 0 ? { data: rest } : {}),
    };
    t.versions.push(v);
    issuedVersions.set(t, v.versionNumber);
    if (token !== undefined)
      state.launchTemplateTokens.set(token, {
        launchTemplateId: t.launchTemplateId,
        versionNumber: v.versionNumber,
      });
    return xmlReply(req, { launchTemplateVersion: versionXml(t, v) });
  }

  function modifyLaunchTemplate(req: SandboxRequest, params: QueryParams): Reply {
    const t = templateOr404(params);
    const requested = params.get('SetDefaultVersion');
    if (requested !== undefined) {
      const v = state.templateVersion(t, requested);
      if (!v) {
        throw new ApiError(
          400,
          'InvalidLaunchTemplateId.VersionNotFound',
          `Could not find launch template version ${requested} for launch template ID ${t.launchTemplateId}.`,
        );
      }
      t.defaultVersion = v.versionNumber;
    }
    return xmlReply(req, {
      launchTemplate: {
        launchTemplateId: t.launchTemplateId,
        launchTemplateName: t.launchTemplateName,
        createTime: t.createTime ?? DEFAULT_CREATE,
        createdBy,
        defaultVersionNumber: t.defaultVersion,
        latestVersionNumber: latestVersion(t),
      },
    });
  }

  /**
   * Deletes versions one by one and answers HTTP 200 with a success and a failure set (EC2 API
   * model). The default version is refused per version: the model's ResponseError codes have no
   * member for it, so it is the catch-all `unexpectedError` (inferred, not captured from AWS).
   */
  function deleteLaunchTemplateVersions(req: SandboxRequest, params: QueryParams): Reply {
    const t = templateOr404(params);
    const requested = queryList(params, 'LaunchTemplateVersion');
    if (requested.length === 0) {
      throw new ApiError(
        400,
        'MissingParameter',
        'The request must contain the parameter LaunchTemplateVersion',
      );
    }
    if (requested.length > MAX_DELETE_VERSIONS) {
      throw new ApiError(
        400,
        'InvalidParameterValue',
        `You can delete up to ${MAX_DELETE_VERSIONS} launch template versions in a single request.`,
      );
    }
    const names = { launchTemplateId: t.launchTemplateId, launchTemplateName: t.launchTemplateName };
    const deleted: XmlValue[] = [];
    const failed: XmlValue[] = [];
    const fail = (versionNumber: number | undefined, code: string, message: string) =>
      failed.push({ ...names, versionNumber, responseError: { code, message } });
    for (const r of requested) {
      const n = /^\d+$/.test(r) ? Number(r) : Number.NaN;
      const index = t.versions.findIndex((v) => v.versionNumber === n);
      if (index < 0) {
        fail(
          Number.isNaN(n) ? undefined : n,
          'launchTemplateVersionDoesNotExist',
          `The specified launch template version ${r} does not exist.`,
        );
      } else if (n === t.defaultVersion) {
        fail(
          n,
          'unexpectedError',
          'Cannot delete the default version of a launch template. Set another version as the default first.',
        );
      } else {
        issuedVersions.set(t, Math.max(issuedVersions.get(t) ?? 0, latestVersion(t)));
        t.versions.splice(index, 1);
        deleted.push({ ...names, versionNumber: n });
      }
    }
    return xmlReply(req, {
      successfullyDeletedLaunchTemplateVersionSet: deleted,
      unsuccessfullyDeletedLaunchTemplateVersionSet: failed,
    });
  }

  function imageXml(i: FleetImage): XmlValue {
    const windows = i.platform === 'windows';
    return {
      imageId: i.imageId,
      imageLocation: `${i.ownerId}/${i.name}`,
      imageState: i.state,
      imageOwnerId: i.ownerId,
      // The sandbox's public images stand for AWS's (EKS, Bottlerocket, Windows): EC2 names their owner `amazon`.
      imageOwnerAlias: i.ownerId !== fleet.accountId ? 'amazon' : undefined,
      creationDate: i.creationDate,
      isPublic: i.ownerId !== fleet.accountId,
      architecture: i.architecture,
      imageType: 'machine',
      platform: windows ? 'windows' : undefined,
      platformDetails: windows ? 'Windows' : 'Linux/UNIX',
      usageOperation: windows ? 'RunInstances:0002' : 'RunInstances',
      name: i.name,
      description: i.description,
      rootDeviceType: 'ebs',
      rootDeviceName: windows ? '/dev/sda1' : '/dev/xvda',
      blockDeviceMapping: [
        {
          deviceName: windows ? '/dev/sda1' : '/dev/xvda',
          ebs: {
            snapshotId: `snap-0${stableUuid(`snap/${i.imageId}`).replaceAll('-', '').slice(0, 16)}`,
            volumeSize: windows ? 50 : 20,
            deleteOnTermination: true,
            volumeType: 'gp3',
            encrypted: false,
          },
        },
      ],
      virtualizationType: 'hvm',
      hypervisor: 'xen',
      enaSupport: true,
      sriovNetSupport: 'simple',
      bootMode: windows ? undefined : 'uefi-preferred',
      deprecationTime: i.deprecationTime ?? undefined,
      imdsSupport: 'v2.0',
    };
  }

  function imageFilterValues(i: FleetImage, name: string): string[] | null {
    switch (name) {
      case 'image-id':
        return [i.imageId];
      case 'name':
        return [i.name];
      case 'owner-id':
        return [i.ownerId];
      case 'state':
        return [i.state];
      case 'architecture':
        return [i.architecture];
      case 'is-public':
        return [String(i.ownerId !== fleet.accountId)];
      case 'platform':
        return i.platform ? [i.platform] : [];
      default:
        return null;
    }
  }

  function describeImages(req: SandboxRequest, params: QueryParams): Reply {
    const ids = queryList(params, 'ImageId');
    const owners = queryList(params, 'Owner');
    const includeDeprecated = params.get('IncludeDeprecated') === 'true';
    for (const id of ids) {
      if (!/^ami-[0-9a-z]+$/.test(id))
        throw new ApiError(400, 'InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
    }
    const missing = ids.filter((id) => !state.image(id));
    if (missing.length > 0) {
      throw new ApiError(
        400,
        'InvalidAMIID.NotFound',
        `The image id '[${missing.join(', ')}]' does not exist`,
      );
    }
    if (ids.length > 0 && params.has('MaxResults')) {
      throw new ApiError(
        400,
        'InvalidParameterCombination',
        'The parameter ImageIds cannot be used with the parameter maxResults',
      );
    }
    const now = state.now().getTime();
    const filters = queryFilters(params);
    for (const f of filters) {
      if (imageFilterValues(fleet.images[0] ?? placeholderImage, f.name) === null) {
        throw new ApiError(400, 'InvalidParameterValue', `The filter '${f.name}' is invalid`);
      }
    }
    const images = fleet.images.filter((i) => {
      if (ids.length > 0 && !ids.includes(i.imageId)) return false;
      if (
        owners.length > 0 &&
        !owners.some(
          (o) =>
            o === i.ownerId ||
            (o === 'self' && i.ownerId === fleet.accountId) ||
            (o === 'amazon' && i.ownerId !== fleet.accountId),
        )
      )
        return false;
      // EC2 user guide (Deprecate an AMI): an AMI user sees a deprecated image only when asking for
      // its ID or with IncludeDeprecated; the owner always sees it.
      const deprecated = i.deprecationTime !== null && Date.parse(i.deprecationTime) <= now;
      if (deprecated && !includeDeprecated && !ids.includes(i.imageId) && i.ownerId !== fleet.accountId)
        return false;
      if (i.state === 'deregistered') return false;
      return matchesAll(filters, (name) => imageFilterValues(i, name));
    });
    const { page, nextToken } = paginate(
      images,
      maxResults(params, 1, 1000, 1000),
      params.get('NextToken'),
      'images',
      badToken,
    );
    return xmlReply(req, { imagesSet: page.map(imageXml), nextToken });
  }

  function instanceTags(i: FleetInstance): Record<string, string> {
    const tags: Record<string, string> = { ...i.tags };
    if (i.cluster !== undefined) {
      tags['eks:cluster-name'] = i.cluster;
      tags[`kubernetes.io/cluster/${i.cluster}`] = 'owned';
    }
    if (i.cluster !== undefined && i.nodegroup !== undefined) {
      tags['eks:nodegroup-name'] = i.nodegroup;
      tags['aws:autoscaling:groupName'] =
        `eks-${i.nodegroup}-${stableUuid(`nodegroup/${i.cluster}/${i.nodegroup}`)}`;
      tags['aws:eks:cluster-name'] = i.cluster;
    }
    return tags;
  }

  function instanceFilterValues(i: FleetInstance, name: string): string[] | null {
    const tags = instanceTags(i);
    if (name.startsWith('tag:')) {
      const v = tags[name.slice(4)];
      return v === undefined ? [] : [v];
    }
    switch (name) {
      case 'tag-key':
        return Object.keys(tags);
      case 'instance-state-name':
        return [i.state];
      case 'instance-id':
        return [i.instanceId];
      case 'instance-type':
        return [i.instanceType];
      case 'image-id':
        return [imageOf(i)];
      case 'platform':
        return i.platform === 'Windows' ? ['windows'] : [];
      default:
        return null;
    }
  }

  function imageOf(i: FleetInstance): string {
    return (
      i.imageId ?? `ami-0${stableUuid(`image/${i.cluster}/${i.nodegroup}`).replaceAll('-', '').slice(0, 16)}`
    );
  }

  const STATE_CODES: Record<string, number> = {
    pending: 0,
    running: 16,
    'shutting-down': 32,
    terminated: 48,
    stopping: 64,
    stopped: 80,
  };

  function instanceXml(i: FleetInstance, index: number): XmlValue {
    const ip = i.privateIpAddress ?? ipFor(i.instanceId, index);
    const az = `${fleet.region}${['a', 'b', 'c'][index % 3]}`;
    return {
      instanceId: i.instanceId,
      imageId: imageOf(i),
      instanceState: { code: STATE_CODES[i.state] ?? 16, name: i.state },
      privateDnsName: privateDnsName(ip),
      dnsName: '',
      amiLaunchIndex: 0,
      instanceType: i.instanceType,
      launchTime: i.launchTime ?? '2026-10-02T11:20:00.000Z',
      placement: { availabilityZone: az, groupName: '', tenancy: 'default' },
      platform: i.platform === 'Windows' ? 'windows' : undefined,
      platformDetails: i.platform === 'Windows' ? 'Windows' : 'Linux/UNIX',
      monitoring: { state: 'disabled' },
      privateIpAddress: ip,
      architecture: /^[a-z]+\dg/.test(i.instanceType) ? 'arm64' : 'x86_64',
      rootDeviceType: 'ebs',
      rootDeviceName: '/dev/xvda',
      hypervisor: 'nitro',
      virtualizationType: 'hvm',
      tagSet: Object.entries(instanceTags(i)).map(([key, value]) => ({ key, value })),
      metadataOptions: {
        state: 'applied',
        httpTokens: 'required',
        httpPutResponseHopLimit: 2,
        httpEndpoint: 'enabled',
      },
    };
  }

  function describeInstances(req: SandboxRequest, params: QueryParams): Reply {
    const ids = queryList(params, 'InstanceId');
    if (ids.length > 0 && params.has('MaxResults')) {
      throw new ApiError(
        400,
        'InvalidParameterCombination',
        'The parameter instancesSet cannot be used with the parameter maxResults',
      );
    }
    const missing = ids.filter((id) => !fleet.instances.some((i) => i.instanceId === id));
    if (missing.length > 0) {
      throw new ApiError(
        400,
        'InvalidInstanceID.NotFound',
        `The instance IDs '${missing.join(', ')}' do not exist`,
      );
    }
    const filters = queryFilters(params);
    for (const f of filters) {
      if (
        !f.name.startsWith('tag:') &&
        instanceFilterValues(fleet.instances[0] ?? placeholderInstance, f.name) === null
      ) {
        throw new ApiError(400, 'InvalidParameterValue', `The filter '${f.name}' is invalid`);
      }
    }
    const indexed = fleet.instances
      .map((i, index) => ({ i, index }))
      .filter(
        ({ i }) =>
          (ids.length === 0 || ids.includes(i.instanceId)) &&
          matchesAll(filters, (n) => instanceFilterValues(i, n)),
      );
    const { page, nextToken } = paginate(
      indexed,
      maxResults(params, 5, 1000, 1000),
      params.get('NextToken'),
      'instances',
      badToken,
    );
    return xmlReply(req, {
      reservationSet: page.map(({ i, index }) => ({
        reservationId: `r-0${stableUuid(`reservation/${i.instanceId}`).replaceAll('-', '').slice(0, 16)}`,
        ownerId: fleet.accountId,
        requesterId: '940372691376',
        groupSet: [],
        instancesSet: [instanceXml(i, index)],
      })),
      nextToken,
    });
  }

  return {
    service: 'ec2',
    operationOf(req) {
      const params = parseQueryBody(req.body.toString('utf8'));
      const action = params.get('Action') ?? req.query.get('Action') ?? '';
      return (OPERATIONS as readonly string[]).includes(action) ? action : `Unknown:${action}`;
    },
    handle(req) {
      state.tick();
      const params = parseQueryBody(req.body.toString('utf8'));
      switch (req.operation) {
        case 'DescribeLaunchTemplateVersions':
          return describeLaunchTemplateVersions(req, params);
        case 'CreateLaunchTemplateVersion':
          return createLaunchTemplateVersion(req, params);
        case 'ModifyLaunchTemplate':
          return modifyLaunchTemplate(req, params);
        case 'DeleteLaunchTemplateVersions':
          return deleteLaunchTemplateVersions(req, params);
        case 'DescribeImages':
          return describeImages(req, params);
        case 'DescribeInstances':
          return describeInstances(req, params);
        default: {
          const action = params.get('Action') ?? '';
          throw new ApiError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
        }
      }
    },
    errorReply: (req, err) => ec2Error(req, err),
    throttleError: () => new ApiError(503, 'RequestLimitExceeded', 'Request limit exceeded.'),
    defaultErrorCode: (status) =>
      status === 503 ? 'Unavailable' : status >= 500 ? 'InternalError' : 'InvalidParameterValue',
  };
}

/** EC2 error document: `<Response><Errors><Error>…</Error></Errors><RequestID>…</RequestID></Response>`. */
export function ec2Error(req: SandboxRequest, err: ApiError): Reply {
  const headers: Record<string, string> = { 'content-type': 'text/xml;charset=UTF-8' };
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error></Errors>${element('RequestID', req.requestId)}</Response>`;
  return { status: err.status, headers, body };
}

function matchesAll(filters: QueryFilter[], valuesOf: (name: string) => string[] | null): boolean {
  return filters.every((f) => {
    const have = valuesOf(f.name) ?? [];
    return f.values.some((want) => have.some((h) => globMatch(want, h)));
  });
}

/** EC2 filter values accept `*` and `?` wildcards. */
function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(value);
}

function ltFilterValues(
  t: FleetLaunchTemplate,
  v: FleetLaunchTemplateVersion,
  name: string,
): string[] | null {
  switch (name) {
    case 'is-default-version':
      return [String(v.versionNumber === t.defaultVersion)];
    case 'image-id':
      return v.imageId ? [v.imageId] : [];
    case 'instance-type':
      return v.instanceType ? [v.instanceType] : [];
    default:
      return null;
  }
}

const placeholderImage: FleetImage = {
  imageId: 'ami-0',
  name: '',
  creationDate: DEFAULT_CREATE,
  architecture: 'x86_64',
  state: 'available',
  ownerId: '000000000000',
  deprecationTime: null,
};

const placeholderInstance: FleetInstance = {
  instanceId: 'i-0',
  platform: 'Linux',
  ssmManaged: false,
  patchOutcome: 'Success',
  patchSeconds: 0,
  instanceType: 'm6i.large',
  state: 'running',
  tags: {},
};
