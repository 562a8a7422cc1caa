// Who is calling (STS GetCallerIdentity): the approver's identity, the home account, a target's reachability.
// Apart from the other adapters so that only code that asks for an identity bundles STS.
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { FleetTarget } from '@nodekeeper/core/config';
import type { AwsClients } from './clients.ts';
import { callAws, describeAwsError } from './errors.ts';
import './services/sts.ts';

/**
 * Who is calling: the STS caller ARN, else `env.USER` (e.g. offline), else `unknown`. Never throws;
 * an STS failure falls back to the environment.
 */
export async function callerIdentity(
  sts: STSClient,
  env: Record<string, string | undefined>,
): Promise<string> {
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (out.Arn) return out.Arn;
  } catch (error) {
    // Fall through to the local user: the identity is informational, and approving must still work
    // where STS is unreachable. The error is kept in the returned text for the record.
    const user = env.USER ?? env.USERNAME;
    return user ? `user:${user} (sts: ${describeAwsError(error).code})` : 'unknown';
  }
  const user = env.USER ?? env.USERNAME;
  return user ? `user:${user}` : 'unknown';
}

/**
 * The caller's own account (STS GetCallerIdentity): the account of ledger records written without
 * one. One call; throws AwsAdapterError when STS cannot be reached.
 */
export async function homeAccountId(sts: STSClient): Promise<string> {
  const out = await callAws('sts', 'GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
  if (!out.Account) throw new Error('STS GetCallerIdentity returned no account');
  return out.Account;
}

export type TargetAccess = { kind: 'ok'; accountId: string | null } | { kind: 'denied'; message: string };

/**
 * Checks that a target is reachable before it is inspected: GetCallerIdentity with the target's
 * clients (which assumes its role). A role that cannot be assumed comes back as a message naming
 * the account, the role and AWS's error code, for the target's `error` items. Read-only.
 */
export async function checkTargetAccess(
  clients: AwsClients,
  target: Pick<FleetTarget, 'accountId' | 'role'>,
): Promise<TargetAccess> {
  try {
    const who = await clients.sts.send(new GetCallerIdentityCommand({}));
    if (target.accountId !== null && who.Account !== undefined && who.Account !== target.accountId) {
      return {
        kind: 'denied',
        message: `account ${target.accountId}: role ${target.role?.roleArn ?? '?'} is in account ${who.Account}, not ${target.accountId}`,
      };
    }
    return { kind: 'ok', accountId: who.Account ?? target.accountId };
  } catch (error) {
    const { code, message } = describeAwsError(error);
    const how = target.role ? `cannot assume role ${target.role.roleArn}` : 'cannot be reached';
    return {
      kind: 'denied',
      message: `account ${target.accountId ?? 'of the deployment'}: ${how} (${code}: ${message})`,
    };
  }
}
