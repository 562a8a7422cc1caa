export { SlackConfigError } from './src/errors.ts';
export {
  createNotifier,
  DeliveryDefaults,
  notifierFromEnv,
  SlackEnv,
  validateWebhookUrl,
} from './src/notifier.ts';
export { noticeFinderFrom, notifyPortFrom, patchNotifyFrom } from './src/ports.ts';
export { REDACTED, redactingLogger, redactSecrets } from './src/redact.ts';
export type { FunctionUrlBody, SignatureCheck, SignatureInput } from './src/signature.ts';
export {
  decodeFunctionUrlBody,
  MAX_SIGNATURE_SKEW_SECONDS,
  readSignatureHeaders,
  SignatureFailure,
  signedRequestKey,
  verifyFunctionUrlRequest,
  verifySlackSignature,
} from './src/signature.ts';
export { runSlackPort, runThreadDeps } from './src/threads.ts';
export type {
  DeliveryResult,
  FetchLike,
  NoticeWhere,
  Notifier,
  NotifierConfig,
  NotifierLogger,
  PostOptions,
  UpdateOptions,
} from './src/types/index.ts';
