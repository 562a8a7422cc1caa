// The golden AMI rule's event pattern, apart from the rule (stacks/golden.ts) so tests and
// scripts can import it without the SST globals. Pure data.
import { GOLDEN_VERSION_PLACEHOLDER } from './permissions.ts';

/**
 * The event pattern for changes to the given parameters; null when there are none. A name with
 * `{version}` (one parameter per Kubernetes minor) matches with EventBridge's wildcard filter, `*`
 * for `{version}`, so a new minor's parameter triggers a scan too. It names no `region`, so
 * changes other regions forward here (stacks/regional-events.ts) match too. Pure.
 */
export function goldenParameterEventPattern(parameters: readonly string[]) {
  if (parameters.length === 0) return null;
  const name = parameters.map((p) =>
    p.includes(GOLDEN_VERSION_PLACEHOLDER) ? { wildcard: p.replaceAll(GOLDEN_VERSION_PLACEHOLDER, '*') } : p,
  );
  return {
    source: ['aws.ssm'],
    'detail-type': ['Parameter Store Change'],
    detail: { name, operation: ['Create', 'Update'] },
  };
}
