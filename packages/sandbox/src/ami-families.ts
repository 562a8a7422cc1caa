import type { AmiType } from './fleet.ts';

/**
 * Where the sandbox finds "the latest release" of an EKS AMI family in its SSM parameters, the way
 * EKS does when UpdateNodegroupVersion omits `releaseVersion` (AWS-FACTS.md §1). Pure.
 */
export type ReleaseSource =
  | { kind: 'parameter'; name: string }
  | { kind: 'json-parameter'; name: string; field: 'release_version' };

export function releaseSource(amiType: AmiType, k8s: string): ReleaseSource | null {
  const al2023 = /^AL2023_(x86_64|ARM_64)_(STANDARD|NVIDIA|NEURON)$/.exec(amiType);
  if (al2023) {
    const arch = al2023[1] === 'ARM_64' ? 'arm64' : 'x86_64';
    const flavor = (al2023[2] ?? 'STANDARD').toLowerCase();
    return {
      kind: 'parameter',
      name: `/aws/service/eks/optimized-ami/${k8s}/amazon-linux-2023/${arch}/${flavor}/recommended/release_version`,
    };
  }
  const al2 = {
    AL2_x86_64: 'amazon-linux-2',
    AL2_x86_64_GPU: 'amazon-linux-2-gpu',
    AL2_ARM_64: 'amazon-linux-2-arm64',
  } as const;
  if (amiType in al2) {
    const path = al2[amiType as keyof typeof al2];
    return {
      kind: 'parameter',
      name: `/aws/service/eks/optimized-ami/${k8s}/${path}/recommended/release_version`,
    };
  }
  const br = /^BOTTLEROCKET_(x86_64|ARM_64)(_NVIDIA)?(_FIPS)?$/.exec(amiType);
  if (br) {
    const arch = br[1] === 'ARM_64' ? 'arm64' : 'x86_64';
    const variant = `aws-k8s-${k8s}${br[2] ? '-nvidia' : ''}${br[3] ? '-fips' : ''}`;
    return { kind: 'parameter', name: `/aws/service/bottlerocket/${variant}/${arch}/latest/image_version` };
  }
  const win = /^WINDOWS_(CORE|FULL)_(\d{4})_x86_64$/.exec(amiType);
  if (win) {
    const option = win[1] === 'CORE' ? 'Core' : 'Full';
    return {
      kind: 'json-parameter',
      name: `/aws/service/ami-windows-latest/Windows_Server-${win[2]}-English-${option}-EKS_Optimized-${k8s}`,
      field: 'release_version',
    };
  }
  return null;
}

/** Whether `releaseVersion` has the shape EKS accepts for this family and Kubernetes version. */
export function isPlausibleRelease(amiType: AmiType, k8s: string, releaseVersion: string): boolean {
  if (amiType.startsWith('AL2'))
    return new RegExp(`^${k8s.replace('.', '\\.')}\\.\\d+-\\d{8}$`).test(releaseVersion);
  if (amiType.startsWith('WINDOWS')) return releaseVersion.startsWith(`${k8s}-`);
  if (amiType.startsWith('BOTTLEROCKET')) return /^\d+\.\d+\.\d+-[0-9a-f]{8}$/.test(releaseVersion);
  return true;
}

/**
 * Orders two release versions of one family (`1.33.4-20261001` < `1.33.5-20261110`, Bottlerocket
 * `1.49.0-…` < `1.50.0-…`, Windows `1.33-2026.10.08` < `1.33-2026.11.12`): negative, zero or
 * positive; null when either follows no scheme the sandbox knows.
 */
export function compareReleaseVersions(amiType: AmiType, a: string, b: string): number | null {
  const key = (v: string): number[] | null => {
    if (amiType.startsWith('AL2')) {
      const m = /^\d+\.\d+\.(\d+)-(\d{8})$/.exec(v);
      return m ? [Number(m[2]), Number(m[1])] : null;
    }
    if (amiType.startsWith('BOTTLEROCKET')) {
      const m = /^(\d+)\.(\d+)\.(\d+)-[0-9a-f]{8}$/.exec(v);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
    }
    if (amiType.startsWith('WINDOWS')) {
      const m = /-(\d{4})\.(\d{2})\.(\d{2})$/.exec(v);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
    }
    return null;
  };
  const ka = key(a);
  const kb = key(b);
  if (ka === null || kb === null) return null;
  for (let i = 0; i < ka.length; i += 1) if (ka[i] !== kb[i]) return (ka[i] ?? 0) - (kb[i] ?? 0);
  return 0;
}

const EKS_OWNER = '602401143452';
const BOTTLEROCKET_OWNER = '092701018921';
const WINDOWS_OWNER = '801119661308';

/** How AWS publishes one release of an EKS AMI family: its image, its own parameters, and the "latest" ones it takes over. */
export interface ReleasePublication {
  image: {
    name: string;
    architecture: 'x86_64' | 'arm64';
    ownerId: string;
    description: string;
    platform?: 'windows';
  };
  /** Parameters that name this release for good: release-named (Amazon Linux), versioned (Bottlerocket); none for Windows. */
  own: Record<string, string>;
  /** The family's `recommended`/`latest` parameters, pointing at this release while it is the newest. */
  latest: Record<string, string>;
  /** The `latest` parameter holding the image ID (to tell which release is the newest now). */
  latestImageParameter: string;
}

const AL2_SEGMENTS = {
  AL2_x86_64: { segment: 'amazon-linux-2', prefix: 'amazon-eks-node' },
  AL2_x86_64_GPU: { segment: 'amazon-linux-2-gpu', prefix: 'amazon-eks-gpu-node' },
  AL2_ARM_64: { segment: 'amazon-linux-2-arm64', prefix: 'amazon-eks-arm64-node' },
} as const;

function amazonLinuxJson(imageId: string, imageName: string, release: string | null): string {
  return JSON.stringify({
    schema_version: '3',
    image_id: imageId,
    image_name: imageName,
    ...(release !== null ? { release_version: release } : {}),
  });
}

/**
 * The image and SSM public parameters of one EKS AMI release, laid out as AWS publishes them (EKS
 * user guide "Retrieve recommended … AMI IDs"; release-named Amazon Linux parameters beside
 * `recommended`, versioned Bottlerocket parameters beside `latest`, Windows only in
 * `ami-windows-latest`). `withRelease` false leaves out the release version (a release AWS
 * published without one). Null for CUSTOM or a release that does not fit the family. Pure.
 */
export function publicationOf(
  release: { amiType: AmiType; k8sVersion: string; releaseVersion: string; imageId: string },
  withRelease = true,
): ReleasePublication | null {
  const { amiType, k8sVersion: k8s, releaseVersion: rv, imageId } = release;
  if (!isPlausibleRelease(amiType, k8s, rv)) return null;
  const al2023 = /^AL2023_(x86_64|ARM_64)_(STANDARD|NVIDIA|NEURON)$/.exec(amiType);
  const al2 = amiType in AL2_SEGMENTS ? AL2_SEGMENTS[amiType as keyof typeof AL2_SEGMENTS] : null;
  if (al2023 || al2) {
    const date = rv.split('-')[1] ?? '';
    const arch = al2023?.[1] === 'ARM_64' || amiType === 'AL2_ARM_64' ? 'arm64' : 'x86_64';
    const flavor = (al2023?.[2] ?? 'STANDARD').toLowerCase();
    const segment = al2023 ? `amazon-linux-2023/${arch}/${flavor}` : (al2?.segment ?? '');
    const name = al2023
      ? `amazon-eks-node-al2023-${arch}-${flavor}-${k8s}-v${date}`
      : `${al2?.prefix}-${k8s}-v${date}`;
    const root = `/aws/service/eks/optimized-ami/${k8s}/${segment}`;
    const named = (base: string, withVersion: boolean): Record<string, string> => ({
      [base]: amazonLinuxJson(imageId, name, withVersion ? rv : null),
      [`${base}/image_id`]: imageId,
      [`${base}/image_name`]: name,
      ...(withVersion ? { [`${base}/release_version`]: rv } : {}),
    });
    return {
      image: {
        name,
        architecture: arch,
        ownerId: EKS_OWNER,
        description: al2023
          ? `EKS-optimized Kubernetes node based on Amazon Linux 2023, (k8s: ${rv.split('-')[0]})`
          : `EKS Kubernetes Worker AMI with AmazonLinux2 image, (k8s: ${rv.split('-')[0]})`,
      },
      own: named(`${root}/${name}`, withRelease),
      latest: named(`${root}/recommended`, true),
      latestImageParameter: `${root}/recommended/image_id`,
    };
  }
  const br = /^BOTTLEROCKET_(x86_64|ARM_64)(_NVIDIA)?(_FIPS)?$/.exec(amiType);
  if (br) {
    const [version = '', hash = ''] = rv.split('-');
    const variant = `aws-k8s-${k8s}${br[2] ? '-nvidia' : ''}${br[3] ? '-fips' : ''}`;
    const arm = br[1] === 'ARM_64';
    const root = `/aws/service/bottlerocket/${variant}/${arm ? 'arm64' : 'x86_64'}`;
    const named = (base: string, withVersion: boolean): Record<string, string> => ({
      [`${base}/image_id`]: imageId,
      ...(withVersion ? { [`${base}/image_version`]: rv } : {}),
    });
    return {
      image: {
        name: `bottlerocket-${variant}-${arm ? 'aarch64' : 'x86_64'}-v${version}-${hash}`,
        architecture: arm ? 'arm64' : 'x86_64',
        ownerId: BOTTLEROCKET_OWNER,
        description: `bottlerocket-${variant}`,
      },
      own: named(`${root}/${version}`, withRelease),
      latest: named(`${root}/latest`, true),
      latestImageParameter: `${root}/latest/image_id`,
    };
  }
  const win = /^WINDOWS_(CORE|FULL)_(\d{4})_x86_64$/.exec(amiType);
  if (win) {
    const option = win[1] === 'CORE' ? 'Core' : 'Full';
    const name = `Windows_Server-${win[2]}-English-${option}-EKS_Optimized-${rv}`;
    const parent = `/aws/service/ami-windows-latest/Windows_Server-${win[2]}-English-${option}-EKS_Optimized-${k8s}`;
    return {
      image: {
        name,
        architecture: 'x86_64',
        ownerId: WINDOWS_OWNER,
        description: `Microsoft Windows Server ${win[2]} ${option} optimized for EKS and Kubernetes ${k8s}`,
        platform: 'windows',
      },
      own: {},
      latest: {
        [parent]: JSON.stringify({
          schema_version: '1',
          image_id: imageId,
          image_name: name,
          release_version: rv,
        }),
        [`${parent}/image_id`]: imageId,
      },
      latestImageParameter: `${parent}/image_id`,
    };
  }
  return null;
}
