import { describeDelivery } from './support/delivery-cases.ts';
import { startLocalSink } from './support/sink.ts';

// A canary in the webhook path: the URL is a secret and must never reach a log line.
describeDelivery('a local Slack sink', () =>
  startLocalSink('/slack/webhook/T00000000/B00000000/CANARYwebhook0123456789'),
);
