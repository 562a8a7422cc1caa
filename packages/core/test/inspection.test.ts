import { describe, expect, it } from 'vitest';
import { type Inspection, launchTemplateLookup, mergeInspections } from '../src/inspection.ts';
import { AL2023_X86_IMAGE_PARAM, aNodegroup, anImage } from './builders.ts';

function anInspection(region: string, overrides: Partial<Inspection> = {}): Inspection {
  return {
    fleet: {
      nodegroups: [aNodegroup({ region, nodegroup: `ng-${region}` })],
      errors: [{ accountId: null, region, cluster: 'prod-b', nodegroup: null, message: 'AccessDenied' }],
    },
    catalog: {
      parameters: { [region]: { [AL2023_X86_IMAGE_PARAM]: `ami-${region}` } },
      images: { [region]: { [`ami-${region}`]: anImage({ imageId: `ami-${region}` }) } },
    },
    ...overrides,
  };
}

describe('mergeInspections', () => {
  describe('when given no inspection', () => {
    it('returns an empty fleet and catalog', () => {
      expect(mergeInspections([])).toEqual({
        fleet: { nodegroups: [], errors: [] },
        catalog: { parameters: {}, images: {} },
      });
    });
  });

  describe('when given inspections of different regions', () => {
    const east = anInspection('us-east-1');
    const west = anInspection('eu-west-1');
    const merged = mergeInspections([east, west]);

    it('keeps node groups and errors in the order given', () => {
      expect(merged.fleet.nodegroups.map((n) => n.nodegroup)).toEqual(['ng-us-east-1', 'ng-eu-west-1']);
      expect(merged.fleet.errors.map((e) => e.region)).toEqual(['us-east-1', 'eu-west-1']);
    });

    it('keeps each region of the catalog', () => {
      expect(Object.keys(merged.catalog.parameters)).toEqual(['us-east-1', 'eu-west-1']);
      expect(Object.keys(merged.catalog.images)).toEqual(['us-east-1', 'eu-west-1']);
    });

    it('leaves its inputs untouched', () => {
      expect(east).toEqual(anInspection('us-east-1'));
      expect(merged.fleet.nodegroups).not.toBe(east.fleet.nodegroups);
    });
  });

  describe('when two inspections cover the same region', () => {
    it('merges their catalog entries by name, the later value winning', () => {
      const first = anInspection('us-east-1', {
        catalog: { parameters: { 'us-east-1': { a: '1', b: '1' } }, images: {} },
      });
      const second = anInspection('us-east-1', {
        catalog: { parameters: { 'us-east-1': { b: '2', c: '2' } }, images: {} },
      });
      expect(mergeInspections([first, second]).catalog.parameters).toEqual({
        'us-east-1': { a: '1', b: '2', c: '2' },
      });
    });
  });
});

describe('launchTemplateLookup', () => {
  const fleet = {
    nodegroups: [
      aNodegroup({
        nodegroup: 'custom',
        launchTemplate: { id: 'lt-01', name: 'c', version: '4', imageId: null },
      }),
      aNodegroup({
        accountId: '444455556666',
        nodegroup: 'custom',
        launchTemplate: { id: 'lt-02', name: 'c', version: '7', imageId: null },
      }),
      aNodegroup({ nodegroup: 'general' }),
    ],
    errors: [],
  };
  const lookup = launchTemplateLookup(fleet);
  const at = { accountId: null, region: 'us-east-1', cluster: 'prod-a' };

  describe('when the node group has a launch template', () => {
    it('returns its id and version, matched by account too', () => {
      expect(lookup({ ...at, nodegroup: 'custom' })).toEqual({ id: 'lt-01', version: '4' });
      expect(lookup({ ...at, accountId: '444455556666', nodegroup: 'custom' })).toEqual({
        id: 'lt-02',
        version: '7',
      });
    });
  });

  describe('when the node group has none or is unknown', () => {
    it('returns null', () => {
      expect(lookup({ ...at, nodegroup: 'general' })).toBeNull();
      expect(lookup({ ...at, region: 'eu-west-1', nodegroup: 'custom' })).toBeNull();
    });
  });
});
