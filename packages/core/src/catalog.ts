/**
 * The AMI catalog: where AWS publishes the latest EKS-optimized AMI for every EKS `amiType` and
 * Kubernetes version (SSM public parameters), how to recognise those AMIs by name, and how to
 * order their release versions. Pure data and functions; no IO.
 */

/** EKS `amiType` values (EKS API `AMITypes`). `CUSTOM` means a launch template with an ImageId. */
export const AmiType = {
  al2023X86Standard: 'AL2023_x86_64_STANDARD',
  al2023ArmStandard: 'AL2023_ARM_64_STANDARD',
  al2023X86Nvidia: 'AL2023_x86_64_NVIDIA',
  al2023ArmNvidia: 'AL2023_ARM_64_NVIDIA',
  al2023X86Neuron: 'AL2023_x86_64_NEURON',
  al2X86: 'AL2_x86_64',
  al2X86Gpu: 'AL2_x86_64_GPU',
  al2Arm: 'AL2_ARM_64',
  bottlerocketX86: 'BOTTLEROCKET_x86_64',
  bottlerocketArm: 'BOTTLEROCKET_ARM_64',
  bottlerocketX86Nvidia: 'BOTTLEROCKET_x86_64_NVIDIA',
  bottlerocketArmNvidia: 'BOTTLEROCKET_ARM_64_NVIDIA',
  bottlerocketX86Fips: 'BOTTLEROCKET_x86_64_FIPS',
  bottlerocketArmFips: 'BOTTLEROCKET_ARM_64_FIPS',
  bottlerocketX86NvidiaFips: 'BOTTLEROCKET_x86_64_NVIDIA_FIPS',
  bottlerocketArmNvidiaFips: 'BOTTLEROCKET_ARM_64_NVIDIA_FIPS',
  windowsCore2019: 'WINDOWS_CORE_2019_x86_64',
  windowsFull2019: 'WINDOWS_FULL_2019_x86_64',
  windowsCore2022: 'WINDOWS_CORE_2022_x86_64',
  windowsFull2022: 'WINDOWS_FULL_2022_x86_64',
  windowsCore2025: 'WINDOWS_CORE_2025_x86_64',
  windowsFull2025: 'WINDOWS_FULL_2025_x86_64',
  custom: 'CUSTOM',
} as const;
export type AmiType = (typeof AmiType)[keyof typeof AmiType];

/**
 * Release lines: node groups in one family share release identifiers (the Amazon Linux date stamp,
 * the Bottlerocket version, the Windows build date per Windows Server version). Wave gates compare
 * releases within a family.
 */
export const AmiFamily = {
  al2023: 'al2023',
  al2: 'al2',
  bottlerocket: 'bottlerocket',
  windows2019: 'windows-2019',
  windows2022: 'windows-2022',
  windows2025: 'windows-2025',
} as const;
export type AmiFamily = (typeof AmiFamily)[keyof typeof AmiFamily];

/** How the release version is read: a plain sibling parameter, or `release_version` in the parent's JSON value. */
export const ReleaseVersionSource = { plain: 'plain', jsonParent: 'json-parent' } as const;
export type ReleaseVersionSource = (typeof ReleaseVersionSource)[keyof typeof ReleaseVersionSource];

/** The SSM public parameters for one `amiType` at one Kubernetes version. */
export interface CatalogEntry {
  amiType: Exclude<AmiType, 'CUSTOM'>;
  k8sVersion: string;
  family: AmiFamily;
  imageIdParameter: string;
  releaseVersionParameter: string;
  releaseVersionSource: ReleaseVersionSource;
}

/**
 * Where AWS publishes the older releases of one `amiType` at one Kubernetes version (the
 * `recommended`/`latest` parameters name only the newest): sub-paths of one SSM parameter root, one
 * per release, beside the newest's (`skip`), or, where no such parameters exist, the AMIs by name.
 */
export type ReleaseHistoryLocation =
  | { kind: 'ssm-path'; path: string; skip: string }
  | { kind: 'images-by-name'; namePattern: string; owner: 'amazon' };

interface Layout {
  family: AmiFamily;
  /** Builds the image_id parameter name, the release parameter name and its source. */
  paths: (k8s: string) => { image: string; release: string; source: ReleaseVersionSource };
  /** Where older releases are published. */
  history: (k8s: string) => ReleaseHistoryLocation;
}

const EKS = '/aws/service/eks/optimized-ami';

function amazonLinux(family: AmiFamily, segment: string): Layout {
  return {
    family,
    paths: (k8s) => ({
      image: `${EKS}/${k8s}/${segment}/recommended/image_id`,
      release: `${EKS}/${k8s}/${segment}/recommended/release_version`,
      source: ReleaseVersionSource.plain,
    }),
    // Release-named parameters: `<root>/amazon-eks-node-al2023-x86_64-standard-1.33-v20261110/image_id`.
    history: (k8s) => ({ kind: 'ssm-path', path: `${EKS}/${k8s}/${segment}`, skip: 'recommended' }),
  };
}

function bottlerocket(flavor: '' | '-nvidia' | '-fips' | '-nvidia-fips', arch: 'x86_64' | 'arm64'): Layout {
  return {
    family: AmiFamily.bottlerocket,
    paths: (k8s) => ({
      image: `/aws/service/bottlerocket/aws-k8s-${k8s}${flavor}/${arch}/latest/image_id`,
      release: `/aws/service/bottlerocket/aws-k8s-${k8s}${flavor}/${arch}/latest/image_version`,
      source: ReleaseVersionSource.plain,
    }),
    // Versioned parameters: `<root>/1.50.0/image_id` beside `<root>/latest/image_id`.
    history: (k8s) => ({
      kind: 'ssm-path',
      path: `/aws/service/bottlerocket/aws-k8s-${k8s}${flavor}/${arch}`,
      skip: 'latest',
    }),
  };
}

function windows(server: '2019' | '2022' | '2025', option: 'Core' | 'Full'): Layout {
  const family = {
    '2019': AmiFamily.windows2019,
    '2022': AmiFamily.windows2022,
    '2025': AmiFamily.windows2025,
  }[server];
  return {
    family,
    paths: (k8s) => {
      const parent = `/aws/service/ami-windows-latest/Windows_Server-${server}-English-${option}-EKS_Optimized-${k8s}`;
      return { image: `${parent}/image_id`, release: parent, source: ReleaseVersionSource.jsonParent };
    },
    // `ami-windows-latest` holds only the latest; the older AMIs are found by name.
    history: (k8s) => ({
      kind: 'images-by-name',
      namePattern: `Windows_Server-${server}-English-${option}-EKS_Optimized-${k8s}-*`,
      owner: 'amazon',
    }),
  };
}

const LAYOUTS: Record<Exclude<AmiType, 'CUSTOM'>, Layout> = {
  AL2023_x86_64_STANDARD: amazonLinux(AmiFamily.al2023, 'amazon-linux-2023/x86_64/standard'),
  AL2023_ARM_64_STANDARD: amazonLinux(AmiFamily.al2023, 'amazon-linux-2023/arm64/standard'),
  AL2023_x86_64_NVIDIA: amazonLinux(AmiFamily.al2023, 'amazon-linux-2023/x86_64/nvidia'),
  AL2023_ARM_64_NVIDIA: amazonLinux(AmiFamily.al2023, 'amazon-linux-2023/arm64/nvidia'),
  AL2023_x86_64_NEURON: amazonLinux(AmiFamily.al2023, 'amazon-linux-2023/x86_64/neuron'),
  AL2_x86_64: amazonLinux(AmiFamily.al2, 'amazon-linux-2'),
  AL2_x86_64_GPU: amazonLinux(AmiFamily.al2, 'amazon-linux-2-gpu'),
  AL2_ARM_64: amazonLinux(AmiFamily.al2, 'amazon-linux-2-arm64'),
  BOTTLEROCKET_x86_64: bottlerocket('', 'x86_64'),
  BOTTLEROCKET_ARM_64: bottlerocket('', 'arm64'),
  BOTTLEROCKET_x86_64_NVIDIA: bottlerocket('-nvidia', 'x86_64'),
  BOTTLEROCKET_ARM_64_NVIDIA: bottlerocket('-nvidia', 'arm64'),
  BOTTLEROCKET_x86_64_FIPS: bottlerocket('-fips', 'x86_64'),
  BOTTLEROCKET_ARM_64_FIPS: bottlerocket('-fips', 'arm64'),
  BOTTLEROCKET_x86_64_NVIDIA_FIPS: bottlerocket('-nvidia-fips', 'x86_64'),
  BOTTLEROCKET_ARM_64_NVIDIA_FIPS: bottlerocket('-nvidia-fips', 'arm64'),
  WINDOWS_CORE_2019_x86_64: windows('2019', 'Core'),
  WINDOWS_FULL_2019_x86_64: windows('2019', 'Full'),
  WINDOWS_CORE_2022_x86_64: windows('2022', 'Core'),
  WINDOWS_FULL_2022_x86_64: windows('2022', 'Full'),
  WINDOWS_CORE_2025_x86_64: windows('2025', 'Core'),
  WINDOWS_FULL_2025_x86_64: windows('2025', 'Full'),
};

/** Every `amiType` the catalog knows, in catalog order (CUSTOM excluded). */
export const CATALOG_AMI_TYPES = Object.keys(LAYOUTS) as Exclude<AmiType, 'CUSTOM'>[];

const K8S_VERSION = /^\d+\.\d+$/;

function isCatalogAmiType(amiType: string): amiType is Exclude<AmiType, 'CUSTOM'> {
  return Object.hasOwn(LAYOUTS, amiType);
}

/** True when `version` looks like a Kubernetes minor version (`1.33`). Pure. */
export function isK8sVersion(version: string): boolean {
  return K8S_VERSION.test(version);
}

/**
 * The SSM parameters for `amiType` at Kubernetes `k8sVersion`, or null for CUSTOM, an unknown
 * amiType or a malformed version. Pure; it does not know whether AWS publishes the parameter
 * (AL2 stops after 1.32): the planner reports `no-parameter` when it is absent.
 */
export function catalogEntry(amiType: string, k8sVersion: string): CatalogEntry | null {
  if (!isCatalogAmiType(amiType) || !isK8sVersion(k8sVersion)) return null;
  const layout = LAYOUTS[amiType];
  const paths = layout.paths(k8sVersion);
  return {
    amiType,
    k8sVersion,
    family: layout.family,
    imageIdParameter: paths.image,
    releaseVersionParameter: paths.release,
    releaseVersionSource: paths.source,
  };
}

/** One entry per catalog amiType for `k8sVersion`, in catalog order; [] for a malformed version. Pure. */
export function catalogForVersion(k8sVersion: string): CatalogEntry[] {
  return CATALOG_AMI_TYPES.map((amiType) => catalogEntry(amiType, k8sVersion)).filter(
    (entry): entry is CatalogEntry => entry !== null,
  );
}

/** Where AWS publishes the older releases of `entry`'s amiType and Kubernetes version. Pure. */
export function releaseHistoryLocation(entry: CatalogEntry): ReleaseHistoryLocation {
  return LAYOUTS[entry.amiType].history(entry.k8sVersion);
}

/** The release line of an `amiType`, or null for CUSTOM and unknown types. Pure. */
export function amiFamily(amiType: string): AmiFamily | null {
  return isCatalogAmiType(amiType) ? LAYOUTS[amiType].family : null;
}

/** What an EKS-optimized AMI name says about the image. */
export interface IdentifiedAmi {
  amiType: Exclude<AmiType, 'CUSTOM'>;
  k8sVersion: string;
}

const AL2023_NAME = /^amazon-eks-node-al2023-(x86_64|arm64)-(standard|nvidia|neuron)-(\d+\.\d+)-v\d{8}$/;
const AL2_NAME = /^amazon-eks-(gpu-|arm64-)?node-(\d+\.\d+)-v\d{8}$/;
const BOTTLEROCKET_NAME =
  /^bottlerocket-aws-k8s-(\d+\.\d+)(-nvidia)?(-fips)?-(x86_64|aarch64)-v\d+\.\d+\.\d+-[0-9a-f]+$/;
const WINDOWS_NAME =
  /^Windows_Server-(2019|2022|2025)-English-(Core|Full)-EKS_Optimized-(\d+\.\d+)-\d{4}\.\d{2}\.\d{2}$/;

const AL2023_TYPES: Record<string, Exclude<AmiType, 'CUSTOM'> | undefined> = {
  'x86_64-standard': AmiType.al2023X86Standard,
  'arm64-standard': AmiType.al2023ArmStandard,
  'x86_64-nvidia': AmiType.al2023X86Nvidia,
  'arm64-nvidia': AmiType.al2023ArmNvidia,
  'x86_64-neuron': AmiType.al2023X86Neuron,
};

/**
 * Recognises the EKS-optimized AMI naming schemes (AL2023, AL2, Bottlerocket, Windows) and returns
 * the matching amiType and Kubernetes version, or null for any other name. Pure.
 */
export function identifyAmiByName(imageName: string): IdentifiedAmi | null {
  const al2023 = AL2023_NAME.exec(imageName);
  if (al2023) {
    const amiType = AL2023_TYPES[`${al2023[1]}-${al2023[2]}`];
    return amiType && al2023[3] ? { amiType, k8sVersion: al2023[3] } : null;
  }
  const al2 = AL2_NAME.exec(imageName);
  if (al2?.[2]) {
    const amiType =
      al2[1] === 'gpu-' ? AmiType.al2X86Gpu : al2[1] === 'arm64-' ? AmiType.al2Arm : AmiType.al2X86;
    return { amiType, k8sVersion: al2[2] };
  }
  const br = BOTTLEROCKET_NAME.exec(imageName);
  if (br?.[1]) {
    const arm = br[4] === 'aarch64';
    const suffix = `${br[2] ? '_NVIDIA' : ''}${br[3] ? '_FIPS' : ''}`;
    const amiType = `BOTTLEROCKET_${arm ? 'ARM_64' : 'x86_64'}${suffix}`;
    return isCatalogAmiType(amiType) ? { amiType, k8sVersion: br[1] } : null;
  }
  const win = WINDOWS_NAME.exec(imageName);
  if (win?.[3]) {
    const amiType = `WINDOWS_${win[2]?.toUpperCase()}_${win[1]}_x86_64`;
    return isCatalogAmiType(amiType) ? { amiType, k8sVersion: win[3] } : null;
  }
  return null;
}

const AL_RELEASE = /^\d+\.\d+\.(\d+)-(\d{8})$/;
const BOTTLEROCKET_RELEASE = /^v?(\d+)\.(\d+)\.(\d+)(?:-[0-9a-zA-Z]+)?$/;
const WINDOWS_RELEASE = /^\d+\.\d+-(\d{4})\.(\d{2})\.(\d{2})$/;

function compareTuples(a: number[], b: number[]): -1 | 0 | 1 {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The sortable key of a release in `family`, or null when it does not follow the family's scheme. */
function releaseKey(family: AmiFamily, release: string): number[] | null {
  if (family === AmiFamily.al2023 || family === AmiFamily.al2) {
    const m = AL_RELEASE.exec(release);
    return m ? [Number(m[2]), Number(m[1])] : null;
  }
  if (family === AmiFamily.bottlerocket) {
    const m = BOTTLEROCKET_RELEASE.exec(release);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
  }
  const m = WINDOWS_RELEASE.exec(release);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * Orders two release versions of one family: -1 when `a` is older, 0 when the same release, 1 when
 * newer; null when either does not follow the family's scheme. Amazon Linux (`1.33.5-20261110`)
 * compares the date stamp, then the patch; Bottlerocket (`1.50.0-abcdef12`) the semantic version;
 * Windows (`1.33-2026.11.12`) the date. Pure.
 */
export function compareReleases(family: AmiFamily, a: string, b: string): -1 | 0 | 1 | null {
  const ka = releaseKey(family, a);
  const kb = releaseKey(family, b);
  return ka && kb ? compareTuples(ka, kb) : null;
}

const AL2_NAME_PREFIX: Partial<Record<AmiType, string>> = {
  AL2_x86_64: 'amazon-eks-node',
  AL2_x86_64_GPU: 'amazon-eks-gpu-node',
  AL2_ARM_64: 'amazon-eks-arm64-node',
};

/**
 * The name of the EKS-optimized AMI that a node group of `amiType` at Kubernetes `k8sVersion`
 * runs when EKS reports `releaseVersion` (the inverse of {@link identifyAmiByName}): Amazon Linux
 * `1.33.5-20261110` → `amazon-eks-node-al2023-x86_64-standard-1.33-v20261110`, Bottlerocket
 * `1.50.0-abcdef12` → `bottlerocket-aws-k8s-1.33-x86_64-v1.50.0-abcdef12`, Windows
 * `1.33-2026.11.12` → `Windows_Server-2022-English-Core-EKS_Optimized-1.33-2026.11.12`. Null for
 * CUSTOM, unknown types and releases that follow no scheme. Pure.
 */
export function eksOptimizedAmiName(
  amiType: string,
  k8sVersion: string,
  releaseVersion: string,
): string | null {
  if (!isCatalogAmiType(amiType) || !isK8sVersion(k8sVersion)) return null;
  const al = /^(\d+\.\d+)\.\d+-(\d{8})$/.exec(releaseVersion);
  const al2023 = /^AL2023_(x86_64|ARM_64)_(STANDARD|NVIDIA|NEURON)$/.exec(amiType);
  if (al2023) {
    if (!al) return null;
    const arch = al2023[1] === 'ARM_64' ? 'arm64' : 'x86_64';
    return `amazon-eks-node-al2023-${arch}-${al2023[2]?.toLowerCase()}-${al[1]}-v${al[2]}`;
  }
  const al2 = AL2_NAME_PREFIX[amiType];
  if (al2 !== undefined) return al ? `${al2}-${al[1]}-v${al[2]}` : null;
  const br = /^BOTTLEROCKET_(x86_64|ARM_64)(_NVIDIA)?(_FIPS)?$/.exec(amiType);
  if (br) {
    if (!/^\d+\.\d+\.\d+-[0-9a-f]+$/.test(releaseVersion)) return null;
    const arch = br[1] === 'ARM_64' ? 'aarch64' : 'x86_64';
    return `bottlerocket-aws-k8s-${k8sVersion}${br[2] ? '-nvidia' : ''}${br[3] ? '-fips' : ''}-${arch}-v${releaseVersion}`;
  }
  const win = /^WINDOWS_(CORE|FULL)_(\d{4})_x86_64$/.exec(amiType);
  if (win) {
    if (!/^\d+\.\d+-\d{4}\.\d{2}\.\d{2}$/.test(releaseVersion)) return null;
    const option = win[1] === 'CORE' ? 'Core' : 'Full';
    return `Windows_Server-${win[2]}-English-${option}-EKS_Optimized-${releaseVersion}`;
  }
  return null;
}
