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
