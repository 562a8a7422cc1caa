import { homeRegion, readConfig, readConfigIfAny } from '@nodekeeper/aws';
import type { Config } from '@nodekeeper/core/config';
import type { CommandContext } from './types/index.ts';

/**
 * The config of a command: `--config FILE`, else NODEKEEPER_CONFIG, else ./nodekeeper.config.json
 * (the composition root's readConfig, the parser the functions and the stacks use). Every problem
 * is a ValidationError, which the CLI reports with exit code 2.
 */
export function loadConfig(ctx: Pick<CommandContext, 'env' | 'cwd'>, file: string | undefined): Config {
  return readConfig({ file, env: ctx.env, cwd: ctx.cwd });
}

/**
 * The home region of a command that takes no `--config` (pause, history, approve): the one rule
 * (AWS_REGION, else AWS_DEFAULT_REGION, else the config's first region when there is a config).
 */
export function homeRegionOf(ctx: Pick<CommandContext, 'env' | 'cwd'>, config?: Config | null): string {
  return homeRegion(ctx.env, config === undefined ? readConfigIfAny({ env: ctx.env, cwd: ctx.cwd }) : config);
}

/** How `--help` names the home region. */
export const HOME_REGION_HELP =
  "the home region (AWS_REGION, else AWS_DEFAULT_REGION, else the config's first region)";
