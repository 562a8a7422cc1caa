// `npm run iam`: prints nodekeeper's IAM for review, from the same source the stacks deploy
// (stacks/permissions.ts).
//
//   node scripts/iam.ts [--config FILE] [--stage prod] [--account-id ID] [--region R] [--partition aws]
//     → { "<function>": [ { actions, resources, conditions? } ] }
//   node scripts/iam.ts --spoke --read-hub-role-arn ARN[,ARN…] --write-hub-role-arn ARN[,ARN…]
//                       --external-id X [--cluster GLOB…] [--cloudformation [--role-name NAME]]
//     → { read: { permissionPolicy, trustPolicy }, write: { … } } of the two cross-account spoke
//       roles (read-only; mutating), or a CloudFormation template that creates both (for StackSets)
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE, loadDeployConfig } from '../stacks/config.ts';
import {
  eventForwardingStatements,
  functionPermissions,
  spokeCloudFormationTemplate,
  spokeRolePolicies,
} from '../stacks/permissions.ts';

const EXAMPLE_CONFIG_FILE = 'nodekeeper.config.example.json';

async function main(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      stage: { type: 'string', default: 'prod' },
      'account-id': { type: 'string' },
      region: { type: 'string' },
      partition: { type: 'string', default: 'aws' },
      spoke: { type: 'boolean', default: false },
      'read-hub-role-arn': { type: 'string', multiple: true },
      'write-hub-role-arn': { type: 'string', multiple: true },
      // Replaced by the two above; kept to answer with a clear message.
      'hub-role-arn': { type: 'string', multiple: true },
      'external-id': { type: 'string' },
      cluster: { type: 'string', multiple: true },
      cloudformation: { type: 'boolean', default: false },
      'role-name': { type: 'string', default: 'nodekeeper-spoke' },
    },
    strict: true,
  });

  if (values.spoke) {
    if (values['hub-role-arn']) {
      throw new UsageError(
        '--hub-role-arn is replaced by --read-hub-role-arn (the hubReadRoleArns output) and --write-hub-role-arn (the hubWriteRoleArns output)',
      );
    }
    const arns = (option: string[] | undefined) =>
      (option ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
    const hubs = { read: arns(values['read-hub-role-arn']), write: arns(values['write-hub-role-arn']) };
    if (hubs.read.length === 0 || hubs.write.length === 0) {
      throw new UsageError(
        '--spoke needs --read-hub-role-arn ARN and --write-hub-role-arn ARN (repeat them, or comma-separate)',
      );
    }
    const externalId = values['external-id'];
    if (externalId === undefined || externalId === '') {
      throw new UsageError("--spoke needs --external-id X (the spoke roles' trust policies require it)");
    }
    const options = {
      partition: values.partition,
      ...(values.cluster ? { clusters: values.cluster } : {}),
      roleName: values['role-name'],
    };
    const out = values.cloudformation
      ? spokeCloudFormationTemplate(hubs, externalId, options)
      : spokeRolePolicies(hubs, externalId, options);
    return JSON.stringify(out, null, 2);
  }

  const file = values.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : EXAMPLE_CONFIG_FILE);
  if (!values.config && file === EXAMPLE_CONFIG_FILE) {
    process.stderr.write(`${DEFAULT_CONFIG_FILE} not found; using ${EXAMPLE_CONFIG_FILE}\n`);
  }
  const { config } = await loadDeployConfig(file);
  const permissions = functionPermissions(config, {
    partition: values.partition,
    stage: values.stage,
    ...(values['account-id'] ? { accountId: values['account-id'] } : {}),
    ...(values.region ? { region: values.region } : {}),
  });
  // The role EventBridge assumes to forward other regions' events (only deployed when the config
  // names more than one region).
  const forwarding = {
    'event-forwarding': eventForwardingStatements({
      partition: values.partition,
      accountId: values['account-id'] ?? '*',
      region: values.region ?? '*',
    }),
  };
  const review = Object.fromEntries(
    Object.entries({ ...permissions, ...forwarding }).map(([fn, statements]) => [
      fn,
      statements.map(({ actions, resources, conditions }) => ({
        actions,
        resources,
        ...(conditions ? { conditions } : {}),
      })),
    ]),
  );
  return JSON.stringify(review, null, 2);
}

class UsageError extends Error {
  override name = 'UsageError';
}

try {
  process.stdout.write(`${await main(process.argv.slice(2))}\n`);
} catch (error) {
  process.stderr.write(`iam: ${(error as Error).message}\n`);
  process.exitCode =
    error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
      ? 2
      : 1;
}
