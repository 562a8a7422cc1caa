// Shared inputs of the stack modules: the validated config, the stage's resource names, and the
// per-function environment and IAM, both derived from one place so no module drifts from another.
import { NODEJS_BUNDLE, NODEJS_RUNTIME } from './bundle.ts';
import type { DeployConfig } from './config.ts';
import {
  type FunctionName,
  functionPermissions,
  policySizeProblems,
  resourceNames,
  toSstPermissions,
} from './permissions.ts';

/** Lambda caps all environment variables of a function at 4 KB together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

export type StackContext = ReturnType<typeof createStackContext>;

/** Builds the context every stack module takes. Creates no resources. */
export function createStackContext(deploy: DeployConfig, stage: string) {
  const names = resourceNames(stage);
  const scope = $resolve([
    aws.getPartitionOutput({}).partition,
    aws.getCallerIdentityOutput({}).accountId,
    aws.getRegionOutput({}).region,
  ]);

  return {
    stage,
    config: deploy.config,
    names,
    /** A fresh environment object per function (SST mutates the object it is given). */
    environment(extra: Record<string, string> = {}): Record<string, string> {
      const env = {
        NODEKEEPER_CONFIG: deploy.json,
        NODEKEEPER_STAGE: stage,
        NODEKEEPER_LEDGER_TABLE: names.ledgerTable,
        NODEKEEPER_PAUSE_PARAMETER: names.pauseParameter,
        POWERTOOLS_SERVICE_NAME: 'nodekeeper',
        ...extra,
      };
      const bytes = Object.entries(env).reduce(
        (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
        0,
      );
      if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES - 512) {
        throw new Error(
          `nodekeeper.config.json is too large to pass to Lambda as NODEKEEPER_CONFIG (${bytes} bytes of environment; Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} in total, SST needs some)`,
        );
      }
      return env;
    },
    /** The function's statements from stacks/permissions.ts, in SST's `permissions` shape. */
    permissions(fn: FunctionName) {
      return scope.apply(([partition, accountId, region]) => {
        const all = functionPermissions(deploy.config, { partition, accountId, region, stage });
        const problems = policySizeProblems(all);
        if (problems.length > 0) throw new Error(`nodekeeper.config.json: ${problems.join('; ')}`);
        return toSstPermissions(all[fn]);
      });
    },
  };
}

/** Settings every nodekeeper function shares. */
export const functionDefaults = {
  runtime: NODEJS_RUNTIME,
  architecture: 'arm64',
  // Minified, and split so a path loaded with import() is read only when used (stacks/bundle.ts).
  nodejs: NODEJS_BUNDLE,
  logging: { retention: '3 months', format: 'json' },
} as const;
