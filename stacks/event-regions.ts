// Which regions' events the deployment forwards to its own region. Pure data: no SST or Pulumi
// globals, so plain tests can import it.

/** The part of the config that names regions (structurally compatible with StackConfig). */
export type RegionsConfig = {
  regions: readonly string[];
  targets?: readonly { regions?: readonly string[] | undefined }[] | undefined;
};

/**
 * The configured regions other than `home`: the config's `regions` and every target's, unique, in
 * the order they first appear. Pure.
 */
export function forwardingRegions(config: RegionsConfig, home: string): string[] {
  const all = [...config.regions, ...(config.targets ?? []).flatMap((t) => t.regions ?? [])];
  return [...new Set(all)].filter((region) => region !== home);
}

/** `eu-west-1` → `EuWest1`, for logical names. Pure. */
export function regionId(region: string): string {
  return region
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** EventBridge rule names: 1 to 64 characters of `[.\-_A-Za-z0-9]` (events model, `RuleName`). */
export const RULE_NAME_MAX = 64;

/**
 * The name of the rule that forwards `homeRuleName`'s events to `home`: `<home rule>-to-<home>`,
 * shortened to EventBridge's 64 characters when the stage makes it longer, with a short hash so
 * shortened names stay distinct. Pure and deterministic.
 */
export function forwardingRuleName(homeRuleName: string, home: string): string {
  const full = `${homeRuleName}-to-${home}`;
  if (full.length <= RULE_NAME_MAX) return full;
  const suffix = `-${fnv1a(full)}-to-${home}`;
  return `${homeRuleName.slice(0, RULE_NAME_MAX - suffix.length)}${suffix}`;
}

/** FNV-1a, 32 bits, as 8 hex digits: short and stable (no crypto needed for a name). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
