import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '@nodekeeper/core';
import { describe, expect, it } from 'vitest';
import { DeployConfigError, loadDeployConfig, parseDeployConfig } from '../../stacks/config.ts';

const base = {
  regions: ['us-east-1'],
  clusters: ['prod-*'],
  schedule: { cron: 'cron(0 3 ? * TUE *)', timezone: 'UTC' },
};

describe('parseDeployConfig', () => {
  describe('when the config lists golden AMI parameters', () => {
    it('validates them itself and hands the rest to the core parser', () => {
      const seen: unknown[] = [];
      const deploy = parseDeployConfig({ ...base, goldenAmiParameters: ['/golden/ami'] }, (raw) => {
        seen.push(raw);
        return raw;
      });
      expect(seen).toEqual([base]);
      expect(deploy.config.goldenAmiParameters).toEqual(['/golden/ami']);
      expect(JSON.parse(deploy.json)).toEqual(base);
    });

    it('hands the functions a NODEKEEPER_CONFIG that core parses again', () => {
      const deploy = parseDeployConfig({ ...base, goldenAmiParameters: ['/golden/ami'] }, parseConfig);
      expect(parseConfig(JSON.parse(deploy.json))).toEqual(parseConfig(base));
    });

    it('rejects names that are not parameter paths', () => {
      expect(() => parseDeployConfig({ ...base, goldenAmiParameters: ['golden ami'] }, (raw) => raw)).toThrow(
        /goldenAmiParameters/,
      );
    });
  });

  describe('when the core parser rejects the config', () => {
    it('lets its error through', () => {
      const invalid = new Error('invalid config');
      expect(() =>
        parseDeployConfig(base, () => {
          throw invalid;
        }),
      ).toThrow(invalid);
    });
  });

  describe('when the file is not a JSON object', () => {
    it('throws DeployConfigError', () => {
      expect(() => parseDeployConfig([], (raw) => raw)).toThrow(DeployConfigError);
    });
  });
});

describe('loadDeployConfig', () => {
  describe('when the file is not JSON', () => {
    it('names the file', async () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'nk-config-')), 'broken.json');
      writeFileSync(file, '{ not json');
      await expect(loadDeployConfig(file)).rejects.toThrow(`cannot read ${file}`);
    });
  });
});
