// EventBridge is regional: SSM publishes command status changes and Parameter Store changes only on
// the default bus of the region where they happen. For every configured region other than the
// deployment's own (home) region, a rule on that region's default bus forwards the events the home
// rules listen for to the home region's default bus, where those rules route them as before.
// Forwarded events keep their `source`, `detail-type`, `account` and `region`, so the home rules'
// patterns (which name neither account nor region) match them unchanged.
import type { StackContext } from './context.ts';
import { forwardingRegions, forwardingRuleName, regionId } from './event-regions.ts';
import { eventForwardingStatements, toPolicyDocument } from './permissions.ts';

/** A home-region rule on the default bus whose events also happen in other regions. */
export type HomeRule = {
  /** Logical-name prefix of the forwarding resources, e.g. `PatchStatus`. */
  id: string;
  rule: aws.cloudwatch.EventRule;
};

/**
 * The region `sst deploy` deploys to: the AWS provider's `region` (Pulumi config `aws:region`, which
 * the SST CLI sets from the AWS SDK's region), else the SDK's environment variables.
 */
export function homeRegion(): string {
  const region = aws.config.region ?? process.env.SST_AWS_REGION;
  if (region === undefined || region === '') {
    throw new Error(
      'cannot tell the deployment region: set AWS_REGION or a region in your AWS profile before `sst deploy`',
    );
  }
  return region;
}

/**
 * A provider for `region` with the home provider's settings (profile, default tags, ...), as SST's
 * own `useProvider` builds one. Cached per region.
 */
const providers = new Map<string, aws.Provider>();
function providerFor(region: string): aws.Provider {
  const cached = providers.get(region);
  if (cached) return cached;
  const inherited: Record<string, unknown> = {};
  for (const [key, value] of Object.entries($util.runtime.allConfig())) {
    const [prefix, name] = key.split(':');
    if (prefix !== 'aws' || name === undefined) continue;
    try {
      inherited[name] = JSON.parse(value);
    } catch {
      inherited[name] = value; // a plain string such as a profile name
    }
  }
  const provider = new aws.Provider(`AwsProvider${regionId(region)}`, { ...inherited, region });
  providers.set(region, provider);
  return provider;
}

/**
 * For each home rule and each configured region other than the home region: a rule on that
 * region's default bus with the home rule's pattern, targeting the home default bus. One IAM role,
 * assumable by EventBridge only for these rules, may only `events:PutEvents` on the home bus.
 * Creates nothing for a single-region config.
 */
export function createRegionalEventForwarding(ctx: StackContext, homeRules: readonly HomeRule[]) {
  const home = homeRegion();
  const regions = forwardingRegions(ctx.config, home);
  if (regions.length === 0 || homeRules.length === 0) return { home, regions, rules: [], role: undefined };

  const partition = aws.getPartitionOutput({}).partition;
  const accountId = aws.getCallerIdentityOutput({}).accountId;
  const homeBusArn = $interpolate`arn:${partition}:events:${home}:${accountId}:event-bus/default`;

  const rules = regions.flatMap((region) => {
    const provider = providerFor(region);
    return homeRules.map(({ id, rule: homeRule }) => ({
      id,
      region,
      rule: new aws.cloudwatch.EventRule(
        `${id}Forward${regionId(region)}`,
        {
          name: homeRule.name.apply((name) => forwardingRuleName(name, home)),
          description: `nodekeeper: forwards ${id} events from ${region} to the ${home} default bus`,
          // The home rule's own pattern, so both always select the same events.
          eventPattern: homeRule.eventPattern.apply((pattern) => pattern ?? ''),
        },
        { provider },
      ),
    }));
  });

  // Confused-deputy guard: EventBridge may assume the role only for these rules (aws:SourceArn is the
  // rule ARN for event bus rule targets) in this account.
  const role = new aws.iam.Role('RegionalEventsForwardRole', {
    description: `nodekeeper ${ctx.stage}: EventBridge forwards regional events to the ${home} default bus`,
    assumeRolePolicy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': accountId },
            ArnEquals: { 'aws:SourceArn': rules.map((r) => r.rule.arn) },
          },
        },
      ],
    }),
    inlinePolicies: [
      {
        name: 'put-events-home-bus',
        // The statements `npm run iam` prints and the IAM reference test checks.
        policy: partition.apply((p) =>
          accountId.apply((a) =>
            JSON.stringify(
              toPolicyDocument(eventForwardingStatements({ partition: p, accountId: a, region: home })),
            ),
          ),
        ),
      },
    ],
  });

  for (const { id, region, rule } of rules) {
    new aws.cloudwatch.EventTarget(
      `${id}Forward${regionId(region)}Target`,
      { rule: rule.name, arn: homeBusArn, roleArn: role.arn },
      { provider: providerFor(region) },
    );
  }

  return { home, regions, rules, role };
}
