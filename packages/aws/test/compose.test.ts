import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@nodekeeper/core';
import { describe, expect, it } from 'vitest';
import { homeRegion, readConfig, readConfigIfAny } from '../src/compose.ts';

const config = { regions: ['eu-west-1', 'us-east-1'] };

describe('homeRegion', () => {
  describe('when AWS_REGION is set', () => {
    it('takes it over AWS_DEFAULT_REGION and the config', () => {
      expect(homeRegion({ AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'us-west-2' }, config)).toBe(
        'ap-south-1',
      );
    });
  });

  describe('when only AWS_DEFAULT_REGION is set', () => {
    it('takes it over the config', () => {
      expect(homeRegion({ AWS_DEFAULT_REGION: 'us-west-2', AWS_REGION: ' ' }, config)).toBe('us-west-2');
    });
  });

  describe('when the environment names none', () => {
    it("takes the config's first region", () => {
      expect(homeRegion({}, config)).toBe('eu-west-1');
    });

    it('throws a ValidationError saying how to set one without a config', () => {
      expect(() => homeRegion({}, null)).toThrow(ValidationError);
      expect(() => homeRegion({}, null)).toThrow(/set AWS_REGION/);
    });
  });
});

describe('readConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nk-compose-'));
  writeFileSync(join(dir, 'nodekeeper.config.json'), JSON.stringify({ regions: ['us-east-1'] }));
  writeFileSync(join(dir, 'other.json'), JSON.stringify({ regions: ['eu-west-1'] }));
  const envConfig = JSON.stringify({ regions: ['ap-south-1'] });

  it('reads the file it is given first', () => {
    expect(
      readConfig({ file: 'other.json', env: { NODEKEEPER_CONFIG: envConfig }, cwd: dir }).regions,
    ).toEqual(['eu-west-1']);
  });

  it('reads NODEKEEPER_CONFIG before the default file', () => {
    expect(readConfig({ env: { NODEKEEPER_CONFIG: envConfig }, cwd: dir }).regions).toEqual(['ap-south-1']);
  });

  it('reads nodekeeper.config.json in the working directory last', () => {
    expect(readConfig({ env: {}, cwd: dir }).regions).toEqual(['us-east-1']);
  });

  it('never looks for a file without a working directory (the functions)', () => {
    expect(readConfigIfAny({ env: {} })).toBeNull();
    expect(() => readConfig({ env: {} })).toThrow('NODEKEEPER_CONFIG is not set');
  });

  it('names the source of an invalid config', () => {
    expect(() => readConfig({ env: { NODEKEEPER_CONFIG: '{"regions":[]}' } })).toThrow(
      /invalid config in NODEKEEPER_CONFIG\n {2}- regions: expected at least one region/,
    );
    expect(() => readConfig({ env: { NODEKEEPER_CONFIG: '{nope' } })).toThrow(
      /NODEKEEPER_CONFIG is not valid JSON/,
    );
    expect(() => readConfig({ file: 'missing.json', env: {}, cwd: dir })).toThrow(/cannot read config file/);
  });
});
