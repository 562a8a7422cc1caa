import { describe, expect, it } from 'vitest';
import {
  AmiType,
  amiFamily,
  CATALOG_AMI_TYPES,
  catalogEntry,
  catalogForVersion,
  compareReleases,
  identifyAmiByName,
} from '../src/catalog.ts';

const AL = '/aws/service/eks/optimized-ami/1.33';
const BR = '/aws/service/bottlerocket';
const WIN = '/aws/service/ami-windows-latest';

// Expected names written out in full, as in AWS-FACTS.md §1 and the EKS user guide.
const EXPECTED: [string, string, string, 'plain' | 'json-parent', string][] = [
  [
    'AL2023_x86_64_STANDARD',
    `${AL}/amazon-linux-2023/x86_64/standard/recommended/image_id`,
    `${AL}/amazon-linux-2023/x86_64/standard/recommended/release_version`,
    'plain',
    'al2023',
  ],
  [
    'AL2023_ARM_64_STANDARD',
    `${AL}/amazon-linux-2023/arm64/standard/recommended/image_id`,
    `${AL}/amazon-linux-2023/arm64/standard/recommended/release_version`,
    'plain',
    'al2023',
  ],
  [
    'AL2023_x86_64_NVIDIA',
    `${AL}/amazon-linux-2023/x86_64/nvidia/recommended/image_id`,
    `${AL}/amazon-linux-2023/x86_64/nvidia/recommended/release_version`,
    'plain',
    'al2023',
  ],
  [
    'AL2023_ARM_64_NVIDIA',
    `${AL}/amazon-linux-2023/arm64/nvidia/recommended/image_id`,
    `${AL}/amazon-linux-2023/arm64/nvidia/recommended/release_version`,
    'plain',
    'al2023',
  ],
  [
    'AL2023_x86_64_NEURON',
    `${AL}/amazon-linux-2023/x86_64/neuron/recommended/image_id`,
    `${AL}/amazon-linux-2023/x86_64/neuron/recommended/release_version`,
    'plain',
    'al2023',
  ],
  [
    'AL2_x86_64',
    `${AL}/amazon-linux-2/recommended/image_id`,
    `${AL}/amazon-linux-2/recommended/release_version`,
    'plain',
    'al2',
  ],
  [
    'AL2_x86_64_GPU',
    `${AL}/amazon-linux-2-gpu/recommended/image_id`,
    `${AL}/amazon-linux-2-gpu/recommended/release_version`,
    'plain',
    'al2',
  ],
  [
    'AL2_ARM_64',
    `${AL}/amazon-linux-2-arm64/recommended/image_id`,
    `${AL}/amazon-linux-2-arm64/recommended/release_version`,
    'plain',
    'al2',
  ],
  [
    'BOTTLEROCKET_x86_64',
    `${BR}/aws-k8s-1.33/x86_64/latest/image_id`,
    `${BR}/aws-k8s-1.33/x86_64/latest/image_version`,
    'plain',
    'bottlerocket',
  ],
  [
    'BOTTLEROCKET_ARM_64',
    `${BR}/aws-k8s-1.33/arm64/latest/image_id`,
    `${BR}/aws-k8s-1.33/arm64/latest/image_version`,
    'plain',
    'bottlerocket',
  ],
  [
    'BOTTLEROCKET_x86_64_NVIDIA',
    `${BR}/aws-k8s-1.33-nvidia/x86_64/latest/image_id`,
    `${BR}/aws-k8s-1.33-nvidia/x86_64/latest/image_version`,
    'plain',
    'bottlerocket',
  ],
  [
    'BOTTLEROCKET_ARM_64_NVIDIA',
    `${BR}/aws-k8s-1.33-nvidia/arm64/latest/image_id`,
    `${BR}/aws-k8s-1.33-nvidia/arm64/latest/image_version`,
    'plain',
    'bottlerocket',
  ],
  [
    'BOTTLEROCKET_x86_64_FIPS',
    `${BR}/aws-k8s-1.33-fips/x86_64/latest/image_id`,
    `${BR}/aws-k8s-1.33-fips/x86_64/latest/image_version`,
    'plain',
    'bottlerocket',
  ],
  [
    'BOTTLEROCKET_ARM_64_FIPS',
    `${BR}/aws-k8s-1.33-fips/arm64/latest/image_id`,
    `${BR}/aws-k8s-1.33-fips/arm64/latest/image_version`,
    'plain',
    'bottlerocket',
  ],
  [
    'BOTTLEROCKET_x86_64_NVIDIA_FIPS',
    `${BR}/aws-k8s-1.33-nvidia-fips/x86_64/latest/image_id`,
    `${BR}/aws-k8s-1.33-nvidia-fips/x86_64/latest/image_version`,
    'plain',
    'bottlerocket',
  ],
  [
    'BOTTLEROCKET_ARM_64_NVIDIA_FIPS',
    `${BR}/aws-k8s-1.33-nvidia-fips/arm64/latest/image_id`,
    `${BR}/aws-k8s-1.33-nvidia-fips/arm64/latest/image_version`,
    'plain',
    'bottlerocket',
  ],
  [
    'WINDOWS_CORE_2019_x86_64',
    `${WIN}/Windows_Server-2019-English-Core-EKS_Optimized-1.33/image_id`,
    `${WIN}/Windows_Server-2019-English-Core-EKS_Optimized-1.33`,
    'json-parent',
    'windows-2019',
  ],
  [
    'WINDOWS_FULL_2019_x86_64',
    `${WIN}/Windows_Server-2019-English-Full-EKS_Optimized-1.33/image_id`,
    `${WIN}/Windows_Server-2019-English-Full-EKS_Optimized-1.33`,
    'json-parent',
    'windows-2019',
  ],
  [
    'WINDOWS_CORE_2022_x86_64',
    `${WIN}/Windows_Server-2022-English-Core-EKS_Optimized-1.33/image_id`,
    `${WIN}/Windows_Server-2022-English-Core-EKS_Optimized-1.33`,
    'json-parent',
    'windows-2022',
  ],
  [
    'WINDOWS_FULL_2022_x86_64',
    `${WIN}/Windows_Server-2022-English-Full-EKS_Optimized-1.33/image_id`,
    `${WIN}/Windows_Server-2022-English-Full-EKS_Optimized-1.33`,
    'json-parent',
    'windows-2022',
  ],
  [
    'WINDOWS_CORE_2025_x86_64',
    `${WIN}/Windows_Server-2025-English-Core-EKS_Optimized-1.33/image_id`,
    `${WIN}/Windows_Server-2025-English-Core-EKS_Optimized-1.33`,
    'json-parent',
    'windows-2025',
  ],
  [
    'WINDOWS_FULL_2025_x86_64',
    `${WIN}/Windows_Server-2025-English-Full-EKS_Optimized-1.33/image_id`,
    `${WIN}/Windows_Server-2025-English-Full-EKS_Optimized-1.33`,
    'json-parent',
    'windows-2025',
  ],
];

describe('catalogEntry', () => {
  describe.each(EXPECTED)('when the amiType is %s', (amiType, image, release, source, family) => {
    it('returns the published parameter names', () => {
      expect(catalogEntry(amiType, '1.33')).toEqual({
        amiType,
        k8sVersion: '1.33',
        family,
        imageIdParameter: image,
        releaseVersionParameter: release,
        releaseVersionSource: source,
      });
    });
  });

  describe('when the amiType is AL2 and the version is after 1.32', () => {
    it('still returns the paths (the planner reports no-parameter when AWS has none)', () => {
      expect(catalogEntry('AL2_x86_64', '1.34')?.imageIdParameter).toBe(
        '/aws/service/eks/optimized-ami/1.34/amazon-linux-2/recommended/image_id',
      );
    });
  });

  describe('when the amiType is CUSTOM, unknown or the version is malformed', () => {
    it('returns null', () => {
      expect(catalogEntry('CUSTOM', '1.33')).toBeNull();
      expect(catalogEntry('AL2023_RISCV_STANDARD', '1.33')).toBeNull();
      expect(catalogEntry('AL2023_x86_64_STANDARD', '1.33.5')).toBeNull();
      expect(catalogEntry('AL2023_x86_64_STANDARD', '../1.33')).toBeNull();
    });
  });
});

describe('catalogForVersion', () => {
  it('covers every amiType except CUSTOM, once each', () => {
    const entries = catalogForVersion('1.31');
    expect(entries.map((e) => e.amiType)).toEqual(EXPECTED.map(([amiType]) => amiType));
    expect(new Set(Object.values(AmiType).filter((t) => t !== 'CUSTOM'))).toEqual(new Set(CATALOG_AMI_TYPES));
  });

  it('matches the EKS user guide example for 1.31', () => {
    const al = catalogForVersion('1.31').find((e) => e.amiType === 'AL2023_x86_64_STANDARD');
    expect(al?.imageIdParameter).toBe(
      '/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id',
    );
  });

  it('returns [] for a malformed version', () => {
    expect(catalogForVersion('latest')).toEqual([]);
  });
});

describe('amiFamily', () => {
  it('maps each amiType to its release line', () => {
    for (const [amiType, , , , family] of EXPECTED) expect(amiFamily(amiType)).toBe(family);
  });

  it('returns null for CUSTOM and unknown types', () => {
    expect(amiFamily('CUSTOM')).toBeNull();
    expect(amiFamily('nope')).toBeNull();
  });
});

describe('identifyAmiByName', () => {
  it.each([
    ['amazon-eks-node-al2023-x86_64-standard-1.33-v20261110', 'AL2023_x86_64_STANDARD', '1.33'],
    ['amazon-eks-node-al2023-arm64-standard-1.32-v20261110', 'AL2023_ARM_64_STANDARD', '1.32'],
    ['amazon-eks-node-al2023-x86_64-nvidia-1.33-v20261110', 'AL2023_x86_64_NVIDIA', '1.33'],
    ['amazon-eks-node-al2023-arm64-nvidia-1.33-v20261110', 'AL2023_ARM_64_NVIDIA', '1.33'],
    ['amazon-eks-node-al2023-x86_64-neuron-1.33-v20261110', 'AL2023_x86_64_NEURON', '1.33'],
    ['amazon-eks-node-1.29-v20240315', 'AL2_x86_64', '1.29'],
    ['amazon-eks-gpu-node-1.29-v20240315', 'AL2_x86_64_GPU', '1.29'],
    ['amazon-eks-arm64-node-1.29-v20240315', 'AL2_ARM_64', '1.29'],
    ['amazon-eks-node-1.14-v20201007', 'AL2_x86_64', '1.14'],
    ['bottlerocket-aws-k8s-1.33-x86_64-v1.50.0-abcdef12', 'BOTTLEROCKET_x86_64', '1.33'],
    ['bottlerocket-aws-k8s-1.33-aarch64-v1.50.0-abcdef12', 'BOTTLEROCKET_ARM_64', '1.33'],
    ['bottlerocket-aws-k8s-1.33-nvidia-x86_64-v1.50.0-abcdef12', 'BOTTLEROCKET_x86_64_NVIDIA', '1.33'],
    ['bottlerocket-aws-k8s-1.33-nvidia-aarch64-v1.50.0-abcdef12', 'BOTTLEROCKET_ARM_64_NVIDIA', '1.33'],
    ['bottlerocket-aws-k8s-1.33-fips-x86_64-v1.50.0-abcdef12', 'BOTTLEROCKET_x86_64_FIPS', '1.33'],
    ['bottlerocket-aws-k8s-1.33-fips-aarch64-v1.50.0-abcdef12', 'BOTTLEROCKET_ARM_64_FIPS', '1.33'],
    [
      'bottlerocket-aws-k8s-1.33-nvidia-fips-x86_64-v1.50.0-abcdef12',
      'BOTTLEROCKET_x86_64_NVIDIA_FIPS',
      '1.33',
    ],
    [
      'bottlerocket-aws-k8s-1.33-nvidia-fips-aarch64-v1.50.0-abcdef12',
      'BOTTLEROCKET_ARM_64_NVIDIA_FIPS',
      '1.33',
    ],
    ['Windows_Server-2019-English-Core-EKS_Optimized-1.33-2026.11.12', 'WINDOWS_CORE_2019_x86_64', '1.33'],
    ['Windows_Server-2019-English-Full-EKS_Optimized-1.33-2026.11.12', 'WINDOWS_FULL_2019_x86_64', '1.33'],
    ['Windows_Server-2022-English-Core-EKS_Optimized-1.33-2026.11.12', 'WINDOWS_CORE_2022_x86_64', '1.33'],
    ['Windows_Server-2022-English-Full-EKS_Optimized-1.33-2026.11.12', 'WINDOWS_FULL_2022_x86_64', '1.33'],
    ['Windows_Server-2025-English-Core-EKS_Optimized-1.34-2026.11.12', 'WINDOWS_CORE_2025_x86_64', '1.34'],
    ['Windows_Server-2025-English-Full-EKS_Optimized-1.34-2026.11.12', 'WINDOWS_FULL_2025_x86_64', '1.34'],
  ])('identifies %s as %s %s', (name, amiType, k8sVersion) => {
    expect(identifyAmiByName(name)).toEqual({ amiType, k8sVersion });
  });

  it.each([
    'my-golden-al2023-2026-11-10',
    'amazon-eks-node-al2023-x86_64-standard-1.33',
    'amazon-eks-node-al2023-riscv-standard-1.33-v20261110',
    'amazon-eks-node-al2023-arm64-neuron-1.33-v20261110',
    'bottlerocket-aws-ecs-2-x86_64-v1.50.0-abcdef12',
    'Windows_Server-2022-English-Core-Base-2026.11.12',
    'xamazon-eks-node-1.29-v20240315',
    '',
  ])('returns null for %j', (name) => {
    expect(identifyAmiByName(name)).toBeNull();
  });
});

describe('compareReleases', () => {
  describe('when the family is Amazon Linux', () => {
    it('orders by date stamp first', () => {
      expect(compareReleases('al2023', '1.33.4-20261001', '1.33.5-20261110')).toBe(-1);
      expect(compareReleases('al2023', '1.33.9-20261001', '1.33.5-20261110')).toBe(-1);
      expect(compareReleases('al2', '1.32.1-20261201', '1.32.9-20261110')).toBe(1);
    });

    it('orders by patch when the date is the same', () => {
      expect(compareReleases('al2023', '1.33.4-20261110', '1.33.5-20261110')).toBe(-1);
      expect(compareReleases('al2023', '1.33.5-20261110', '1.33.5-20261110')).toBe(0);
    });

    it('returns null for another scheme', () => {
      expect(compareReleases('al2023', '1.50.0-abcdef12', '1.33.5-20261110')).toBeNull();
    });
  });

  describe('when the family is Bottlerocket', () => {
    it('orders by semantic version, numerically', () => {
      expect(compareReleases('bottlerocket', '1.9.0-aaaaaaaa', '1.10.0-bbbbbbbb')).toBe(-1);
      expect(compareReleases('bottlerocket', '1.50.1-aaaaaaaa', '1.50.0-bbbbbbbb')).toBe(1);
      expect(compareReleases('bottlerocket', '2.0.0-aaaaaaaa', '1.99.9-bbbbbbbb')).toBe(1);
      expect(compareReleases('bottlerocket', '1.50.0-abcdef12', '1.50.0-abcdef12')).toBe(0);
    });

    it('returns null for another scheme', () => {
      expect(compareReleases('bottlerocket', '1.33-2026.11.12', '1.50.0-abcdef12')).toBeNull();
    });
  });

  describe('when the family is Windows', () => {
    it('orders by date', () => {
      expect(compareReleases('windows-2022', '1.33-2026.10.08', '1.33-2026.11.12')).toBe(-1);
      expect(compareReleases('windows-2022', '1.33-2026.12.01', '1.33-2026.11.12')).toBe(1);
      expect(compareReleases('windows-2019', '1.33-2026.11.12', '1.33-2026.11.12')).toBe(0);
    });

    it('returns null for another scheme', () => {
      expect(compareReleases('windows-2025', '1.33.5-20261110', '1.33-2026.11.12')).toBeNull();
    });
  });
});
