// One config parser and one home-region rule for the three places that read nodekeeper.config.json:
// the CLI, the Lambda functions and the stacks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homeRegion } from '@nodekeeper/aws';
import { describe, expect, it } from 'vitest';
import { configOf } from '../../functions/lib/deps.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { pollScheduleFromConfig } from '../../functions/lib/workflow.ts';
import { homeRegionOf, loadConfig } from '../../packages/cli/src/config.ts';
import { loadDeployConfig } from '../../stacks/config.ts';
import { repoRoot } from '../helpers/cli.ts';

const EXAMPLE = 'nodekeeper.config.example.json';
const exampleText = readFileSync(join(repoRoot, EXAMPLE), 'utf8');

describe('nodekeeper.config.example.json', () => {
  it('is a valid config for the CLI', () => {
    const config = loadConfig({ env: {}, cwd: repoRoot }, EXAMPLE);
    expect(config.goldenAmiParameters).toEqual(['/golden/eks-al2023/ami']);
  });

  it('is a valid config for the stacks, which hand the functions one they parse again', async () => {
    const deploy = await loadDeployConfig(join(repoRoot, EXAMPLE));
    expect(deploy.config.goldenAmiParameters).toEqual(['/golden/eks-al2023/ami']);
    const settings = readSettings({ NODEKEEPER_CONFIG: deploy.json });
    expect(configOf(settings)).toEqual(loadConfig({ env: {}, cwd: repoRoot }, EXAMPLE));
  });

  it('is a valid config for the functions', () => {
    const settings = readSettings({ NODEKEEPER_CONFIG: exampleText });
    expect(configOf(settings)?.regions).toEqual(['us-east-1']);
    expect(pollScheduleFromConfig(exampleText).maxTotalSeconds).toBeGreaterThan(0);
  });
});

describe('the home region', () => {
  const config = { regions: ['eu-west-1'] };

  it('is AWS_REGION in a function (Lambda always sets it) and in the CLI', () => {
    const env = { AWS_REGION: 'us-west-2' };
    expect(homeRegion(env, config)).toBe('us-west-2');
    expect(
      homeRegionOf({ env, cwd: repoRoot }, { ...loadConfig({ env: {}, cwd: repoRoot }, EXAMPLE), ...config }),
    ).toBe('us-west-2');
  });

  it("is the config's first region for the CLI when the environment names none", () => {
    const cli = loadConfig({ env: {}, cwd: repoRoot }, EXAMPLE);
    expect(homeRegionOf({ env: {}, cwd: repoRoot }, { ...cli, regions: ['eu-west-1'] })).toBe('eu-west-1');
    expect(homeRegion({}, configOf(readSettings({ NODEKEEPER_CONFIG: JSON.stringify(config) })))).toBe(
      'eu-west-1',
    );
  });
});
