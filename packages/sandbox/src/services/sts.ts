import { ApiError, type Reply, type SandboxRequest, type ServiceHandler } from '../protocol/http.ts';
import { parseQueryBody } from '../protocol/query.ts';
import { element, escapeXml, xmlDocument } from '../protocol/xml.ts';
import type { SandboxState } from '../state.ts';

/** STS over the AWS Query protocol: GetCallerIdentity only (the identity of whoever calls). */

const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function createStsHandler(state: SandboxState): ServiceHandler {
  const { accountId } = state.fleet;
  return {
    service: 'sts',
    operationOf(req) {
      const action = parseQueryBody(req.body.toString('utf8')).get('Action') ?? req.query.get('Action') ?? '';
      return action === 'GetCallerIdentity' ? action : `Unknown:${action}`;
    },
    handle(req) {
      if (req.operation !== 'GetCallerIdentity') {
        const action = parseQueryBody(req.body.toString('utf8')).get('Action') ?? '';
        throw new ApiError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
      }
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': req.requestId },
        body: xmlDocument('GetCallerIdentityResponse', STS_NAMESPACE, {
          GetCallerIdentityResult: {
            Arn: `arn:aws:iam::${accountId}:user/nodekeeper-sandbox`,
            UserId: 'AIDASANDBOXEXAMPLE0001',
            Account: accountId,
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
