import { describe, expect, it } from 'vitest';
import { lookupTarget, parametersForNodegroup, targetSourceFor } from '../src/targets.ts';
import {
  AL2023_X86_IMAGE_PARAM,
  AL2023_X86_RELEASE_PARAM,
  aCatalog,
  aCustomNodegroup,
  aNodegroup,
  anImage,
  anOldImage,
  NEW_AMI,
  OLD_AMI,
} from './builders.ts';

const GOLDEN = '/golden/eks-al2023/ami';

describe('targetSourceFor', () => {
  describe('when the node group uses an EKS AMI type', () => {
    it('uses the catalog entry for the node group version, not the cluster version', () => {
      const source = targetSourceFor(aNodegroup({ version: '1.32', clusterVersion: '1.33' }), null);
      expect(source).toMatchObject({ kind: 'catalog', entry: { k8sVersion: '1.32' } });
    });
  });

  describe('when a CUSTOM group runs an EKS-optimized image', () => {
    it('identifies the family from the image name', () => {
      const source = targetSourceFor(
        aCustomNodegroup(OLD_AMI),
        anOldImage({ name: 'bottlerocket-aws-k8s-1.33-aarch64-v1.49.0-abcdef12' }),
      );
      expect(source).toMatchObject({ kind: 'catalog', entry: { amiType: 'BOTTLEROCKET_ARM_64' } });
    });
  });

  describe('when a CUSTOM group carries the golden tag', () => {
    it('uses the tagged parameter without needing the image', () => {
      const ng = aCustomNodegroup(OLD_AMI, { tags: { 'nodekeeper.io/ami-parameter': GOLDEN } });
      expect(targetSourceFor(ng, null)).toEqual({ kind: 'golden', parameter: GOLDEN });
    });
  });

  describe('when a CUSTOM group image is unknown or not EKS-optimized', () => {
    it('is unknown, and says how to fix it', () => {
      const ng = aCustomNodegroup(OLD_AMI);
      expect(targetSourceFor(ng, null)).toMatchObject({
        kind: 'unknown',
        message: expect.stringContaining('nodekeeper.io/ami-parameter'),
      });
      expect(targetSourceFor(ng, anOldImage({ name: 'acme-golden-2026-10-01' }))).toMatchObject({
        kind: 'unknown',
        message: expect.stringContaining('acme-golden-2026-10-01'),
      });
    });
  });
});

describe('parametersForNodegroup', () => {
  it('lists image and release parameters for EKS AMI types', () => {
    expect(parametersForNodegroup(aNodegroup(), null, null)).toEqual([
      AL2023_X86_IMAGE_PARAM,
      AL2023_X86_RELEASE_PARAM,
    ]);
  });

  it('lists the Windows parent parameter as the release source', () => {
    expect(parametersForNodegroup(aNodegroup({ amiType: 'WINDOWS_CORE_2022_x86_64' }), null, null)).toEqual([
      '/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.33/image_id',
      '/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.33',
    ]);
  });

  it('lists only the golden parameter for tagged CUSTOM groups, and nothing for unknown ones', () => {
    expect(
      parametersForNodegroup(
        aCustomNodegroup(OLD_AMI, { tags: { 'nodekeeper.io/ami-parameter': GOLDEN } }),
        null,
        null,
      ),
    ).toEqual([GOLDEN]);
    expect(parametersForNodegroup(aCustomNodegroup(OLD_AMI), null, null)).toEqual([]);
  });
});

describe('lookupTarget', () => {
  describe('when the release comes from a Windows parent parameter', () => {
    it('reads release_version from its JSON value', () => {
      const ng = aNodegroup({ amiType: 'WINDOWS_FULL_2019_x86_64', releaseVersion: '1.33-2026.10.08' });
      const parent = '/aws/service/ami-windows-latest/Windows_Server-2019-English-Full-EKS_Optimized-1.33';
      const snapshot = aCatalog({
        parameters: {
          [`${parent}/image_id`]: NEW_AMI,
          [parent]: JSON.stringify({
            schema_version: '2',
            image_id: NEW_AMI,
            release_version: '1.33-2026.11.12',
          }),
        },
      });
      expect(lookupTarget(ng, snapshot)).toMatchObject({
        kind: 'found',
        imageId: NEW_AMI,
        releaseVersion: '1.33-2026.11.12',
      });
    });

    it('reports no-parameter when the JSON holds no release', () => {
      const ng = aNodegroup({ amiType: 'WINDOWS_FULL_2019_x86_64' });
      const parent = '/aws/service/ami-windows-latest/Windows_Server-2019-English-Full-EKS_Optimized-1.33';
      const snapshot = aCatalog({ parameters: { [`${parent}/image_id`]: NEW_AMI, [parent]: 'not json' } });
      expect(lookupTarget(ng, snapshot)).toMatchObject({ kind: 'no-parameter', parameter: parent });
    });
  });

  describe('when a golden parameter holds something other than an AMI ID', () => {
    it('is an unknown family', () => {
      const ng = aCustomNodegroup(OLD_AMI, { tags: { 'nodekeeper.io/ami-parameter': GOLDEN } });
      expect(lookupTarget(ng, aCatalog({ parameters: { [GOLDEN]: '{"id":1}' } }))).toMatchObject({
        kind: 'unknown-ami-family',
      });
    });
  });

  describe('when a CUSTOM group has no release parameter', () => {
    it('still finds the image', () => {
      const ng = aCustomNodegroup(OLD_AMI);
      const snapshot = aCatalog({
        parameters: { [AL2023_X86_IMAGE_PARAM]: NEW_AMI },
        images: [anOldImage(), anImage()],
      });
      expect(lookupTarget(ng, snapshot)).toMatchObject({
        kind: 'found',
        imageId: NEW_AMI,
        releaseVersion: null,
      });
    });
  });
});
