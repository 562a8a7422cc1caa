import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { FleetTarget } from '@nodekeeper/core/config';
import { type AwsClients, type ClientOptions, type Credentials, createClients } from './clients.ts';

/**
 * Clients per (account, region) for a hub that maintains other accounts through a role in each.
 * The hub's own account (accountId null, or an account without a role) uses the hub's
 * credentials; every other account uses the SDK's `fromTemporaryCredentials` (STS AssumeRole with
 * the role's external ID), one provider per account shared by all its regions, so one AssumeRole
 * serves them all until the credentials near expiry. Each (account, region) gets its own client
 * set: its own rate limiter, since AWS's API limits are per account and per region.
 */

/** Seconds before expiry at which assumed-role credentials are refreshed. */
export const CREDENTIAL_REFRESH_SECONDS = 300;
/** Session name the hub uses in every spoke account (visible in the spoke's CloudTrail). */
export const HUB_SESSION_NAME = 'nodekeeper';

export interface TargetRole {
  roleArn: string;
  externalId: string | null;
}

export interface TargetClientOptions extends Omit<ClientOptions, 'region' | 'credentials'> {
  /** The hub's credentials (default: the SDK's provider chain); also the source for AssumeRole. */
  credentials?: Credentials;
  /** Region of the STS endpoint the hub calls AssumeRole at. */
  homeRegion: string;
  /**
   * Roles by account ID: each spoke's read-only or mutating role, as chosen with
   * `rolesOf(fleetTargets(config, access))`. A cache holds one kind only.
   */
  roles: ReadonlyMap<string, TargetRole>;
  /** Replaces `fromTemporaryCredentials` (tests). */
  assumeRole?: (
    role: TargetRole,
    options: { homeRegion: string; credentials?: Credentials; endpoint?: string },
  ) => CredentialProvider;
  /** Clock for the refresh decision (tests). */
  now?: () => number;
}

type AwsCredentialIdentity = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
};
export type CredentialProvider = () => Promise<AwsCredentialIdentity>;

/** Target client sets, built on first use; `destroy` closes every one. */
export interface TargetClientCache {
  (accountId: string | null, region: string): AwsClients;
  /** The role used for an account, or null (the hub's own credentials). */
  roleOf(accountId: string | null): TargetRole | null;
  destroy(): void;
}

/** Roles by account from the fleet's targets (whichever role `fleetTargets` picked for its access). Pure. */
export function rolesOf(targets: readonly FleetTarget[]): Map<string, TargetRole> {
  const roles = new Map<string, TargetRole>();
  for (const t of targets) if (t.accountId !== null && t.role !== null) roles.set(t.accountId, t.role);
  return roles;
}

/**
 * Caches credentials until `refreshSeconds` before they expire; concurrent callers share one
 * fetch, and a failed fetch is not cached (the next call tries again).
 */
export function cachedCredentials(
  provider: CredentialProvider,
  options: { refreshSeconds?: number; now?: () => number } = {},
): CredentialProvider {
  const refreshMs = (options.refreshSeconds ?? CREDENTIAL_REFRESH_SECONDS) * 1000;
  const now = options.now ?? Date.now;
  let current: AwsCredentialIdentity | null = null;
  let pending: Promise<AwsCredentialIdentity> | null = null;
  const fresh = (c: AwsCredentialIdentity) =>
    c.expiration === undefined || c.expiration.getTime() - refreshMs > now();
  return async () => {
    if (current !== null && fresh(current)) return current;
    pending ??= provider()
      .then((c) => {
        current = c;
        return c;
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  };
}

function defaultAssumeRole(
  role: TargetRole,
  options: { homeRegion: string; credentials?: Credentials; endpoint?: string },
): CredentialProvider {
  return fromTemporaryCredentials({
    params: {
      RoleArn: role.roleArn,
      RoleSessionName: HUB_SESSION_NAME,
      ...(role.externalId !== null ? { ExternalId: role.externalId } : {}),
      DurationSeconds: 3600,
    },
    ...(options.credentials ? { masterCredentials: options.credentials as never } : {}),
    clientConfig: {
      region: options.homeRegion,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    },
  }) as CredentialProvider;
}

export function createTargetClientCache(options: TargetClientOptions): TargetClientCache {
  const { roles, homeRegion, assumeRole = defaultAssumeRole, ...clientOptions } = options;
  const providers = new Map<string, CredentialProvider>();
  const cache = new Map<string, AwsClients>();
  const roleOf = (accountId: string | null): TargetRole | null =>
    accountId === null ? null : (roles.get(accountId) ?? null);
  const credentialsFor = (accountId: string | null): Credentials | undefined => {
    const role = roleOf(accountId);
    if (role === null || accountId === null) return options.credentials;
    let provider = providers.get(accountId);
    if (provider === undefined) {
      provider = cachedCredentials(
        assumeRole(role, {
          homeRegion,
          ...(options.credentials ? { credentials: options.credentials } : {}),
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        }),
        options.now ? { now: options.now } : {},
      );
      providers.set(accountId, provider);
    }
    return provider as Credentials;
  };
  const get = (accountId: string | null, region: string): AwsClients => {
    const key = `${accountId ?? '-'}|${region}`;
    let clients = cache.get(key);
    if (clients === undefined) {
      const { now: _now, ...rest } = clientOptions;
      const credentials = credentialsFor(accountId);
      clients = createClients({ ...rest, region, ...(credentials ? { credentials } : {}) });
      cache.set(key, clients);
    }
    return clients;
  };
  return Object.assign(get, {
    roleOf,
    destroy() {
      for (const c of cache.values()) c.destroy();
      cache.clear();
    },
  });
}
