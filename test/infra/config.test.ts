import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '@nodekeeper/core/config';
import { describe, expect, it } from 'vitest';
import { DeployConfigError, loadDeployConfig, parseDeployConfig } from '../../stacks/config.ts';

const base = {
  regions: ['us-east-1'],
  clusters: ['prod-*'],
  schedule: { cron: 'cron(0 3 ? * TUE *)', timezone: 'UTC' },
};

describe('parseDeployConfig', () => {
  describe('when the config lists golden AMI parameters', () => {
    it('hands the whole config to the core parser and keeps its parameters', () => {
      const raw = { ...base, goldenAmiParameters: ['/golden/ami'] };
      const seen: unknown[] = [];
      const deploy = parseDeployConfig(raw, (r) => {
        seen.push(r);
        return r;
      });
      expect(seen).toEqual([raw]);
      expect(deploy.config.goldenAmiParameters).toEqual(['/golden/ami']);
      expect(JSON.parse(deploy.json)).toEqual(raw);
    });

    it('hands the functions a NODEKEEPER_CONFIG that core parses again', () => {
      const raw = { ...base, goldenAmiParameters: ['/golden/ami'] };
      const deploy = parseDeployConfig(raw, parseConfig);
      expect(parseConfig(JSON.parse(deploy.json))).toEqual(parseConfig(raw));
    });

    it('rejects names that are not parameter paths (core parser)', () => {
      expect(() => parseDeployConfig({ ...base, goldenAmiParameters: ['golden ami'] }, parseConfig)).toThrow(
        /goldenAmiParameters\[0\]/,
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
      await expect(loadDeployConfig(file)).rejects.toThrow(`${file} is not valid JSON`);
    });
  });
});
