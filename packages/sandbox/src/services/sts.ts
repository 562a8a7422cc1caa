import { randomBytes } from 'node:crypto';
import type { FleetRole } from '../fleet.ts';
import { ApiError, type Reply, type SandboxRequest, type ServiceHandler } from '../protocol/http.ts';
import { parseQueryBody } from '../protocol/query.ts';
import { element, escapeXml, xmlDocument } from '../protocol/xml.ts';

/**
 * STS over the AWS Query protocol: GetCallerIdentity (whoever calls) and AssumeRole, with the
 * trust checks AWS makes: the role must exist, trust the caller's account, and get the external
 * ID its trust policy requires. Failures answer 403 AccessDenied with AWS's message. Credentials
 * it issues map to the role's account, so requests signed with them reach that account's fleet.
 */

const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@/-]{1,512})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** Who signed a request: the hub's plain keys, or keys an AssumeRole issued. */
export interface Caller {
  accountId: string;
  arn: string;
}

/** The identities behind access keys: what AssumeRole handed out. */
export class CredentialRegistry {
  private readonly issued = new Map<string, Caller & { roleArn: string; sessionName: string }>();
  readonly hubAccountId: string;
  constructor(hubAccountId: string) {
    this.hubAccountId = hubAccountId;
  }

  /** The caller behind an access key ID; unknown keys are the hub's own principal. */
  callerOf(accessKeyId: string | null): Caller {
    const found = accessKeyId ? this.issued.get(accessKeyId) : undefined;
    if (found) return { accountId: found.accountId, arn: found.arn };
    return { accountId: this.hubAccountId, arn: `arn:aws:iam::${this.hubAccountId}:user/nodekeeper-sandbox` };
  }

  issue(role: { accountId: string; roleArn: string; roleName: string }, sessionName: string): string {
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const arn = `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`;
    this.issued.set(accessKeyId, { accountId: role.accountId, arn, roleArn: role.roleArn, sessionName });
    return accessKeyId;
  }

  /** How many credentials were issued for each role ARN (tests, benchmarks). */
  issuedCount(roleArn: string): number {
    return [...this.issued.values()].filter((c) => c.roleArn === roleArn).length;
  }
}

/** The access key ID a SigV4-signed request carries, or null. */
export function accessKeyOf(req: Pick<SandboxRequest, 'headers' | 'query'>): string | null {
  const auth = String(req.headers.authorization ?? req.query.get('X-Amz-Credential') ?? '');
  return /Credential=([^/,\s]+)\//.exec(auth)?.[1] ?? /^([^/]+)\/\d{8}\//.exec(auth)?.[1] ?? null;
}

export function createStsHandler(roles: readonly FleetRole[], registry: CredentialRegistry): ServiceHandler {
  const denied = (caller: Caller, roleArn: string) =>
    new ApiError(
      403,
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );

  function assumeRole(req: SandboxRequest, params: URLSearchParams): Reply {
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const externalId = params.get('ExternalId');
    const duration = Number(params.get('DurationSeconds') ?? 3600);
    const arn = ROLE_ARN.exec(roleArn);
    if (!arn) {
      throw new ApiError(400, 'ValidationError', `${roleArn || 'RoleArn'} is invalid`);
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw new ApiError(
        400,
        'ValidationError',
        "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      );
    }
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
      throw new ApiError(
        400,
        'ValidationError',
        "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200",
      );
    }
    const caller = registry.callerOf(accessKeyOf(req));
    const role = roles.find((r) => r.arn === roleArn);
    const trusted = role?.trustedAccounts ?? [registry.hubAccountId];
    if (!role || !trusted.includes(caller.accountId)) throw denied(caller, roleArn);
    if (role.externalId !== undefined && externalId !== role.externalId) throw denied(caller, roleArn);
    const [, accountId = '', roleName = ''] = arn;
    const accessKeyId = registry.issue({ accountId, roleArn, roleName }, sessionName);
    // Credentials expire by the caller's wall clock (the SDK refreshes them by it), not the sandbox clock.
    const expiration = new Date(Date.now() + duration * 1000);
    return {
      status: 200,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': req.requestId },
      body: xmlDocument('AssumeRoleResponse', STS_NAMESPACE, {
        AssumeRoleResult: {
          AssumedRoleUser: {
            Arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
            AssumedRoleId: `AROA${accountId}SANDBOX:${sessionName}`,
          },
          Credentials: {
            AccessKeyId: accessKeyId,
            SecretAccessKey: randomBytes(20).toString('base64'),
            SessionToken: randomBytes(48).toString('base64'),
            Expiration: expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
          PackedPolicySize: undefined,
        },
        ResponseMetadata: { RequestId: req.requestId },
      }),
    };
  }

  return {
    service: 'sts',
    operationOf(req) {
      const action = parseQueryBody(req.body.toString('utf8')).get('Action') ?? req.query.get('Action') ?? '';
      return action === 'GetCallerIdentity' || action === 'AssumeRole' ? action : `Unknown:${action}`;
    },
    handle(req) {
      const params = new URLSearchParams(req.body.toString('utf8'));
      if (req.operation === 'AssumeRole') return assumeRole(req, params);
      if (req.operation !== 'GetCallerIdentity') {
        const action = params.get('Action') ?? '';
        throw new ApiError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
      }
      const caller = registry.callerOf(accessKeyOf(req));
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': req.requestId },
        body: xmlDocument('GetCallerIdentityResponse', STS_NAMESPACE, {
          GetCallerIdentityResult: {
            Arn: caller.arn,
            UserId: 'AIDASANDBOXEXAMPLE0001',
            Account: caller.accountId,
          },
          ResponseMetadata: { RequestId: req.requestId },
        }),
      };
    },
    errorReply: (req, err) => stsError(req, err),
    throttleError: () => new ApiError(400, 'Throttling', 'Rate exceeded'),
    defaultErrorCode: (status) => (status >= 500 ? 'InternalFailure' : 'InvalidParameterValue'),
  };
}

function stsError(req: SandboxRequest, err: ApiError): Reply {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  const headers: Record<string, string> = { 'content-type': 'text/xml', 'x-amzn-requestid': req.requestId };
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  return {
    status: err.status,
    headers,
    body: `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>${type}</Type><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error>${element('RequestId', req.requestId)}</ErrorResponse>`,
  };
}
