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
