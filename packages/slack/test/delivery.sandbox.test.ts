import { startSandbox } from '@nodekeeper/sandbox';
import { describeDelivery } from './support/delivery-cases.ts';

// The same cases as delivery.local.test.ts, against the sandbox's Slack sink and fault rules.
describeDelivery('the sandbox Slack sink', async () => {
  const sb = await startSandbox({ port: 0 });
  return {
    webhookUrl: sb.slackWebhookUrl,
    apiUrl: sb.slackApiUrl,
    setFaults: (rules) => sb.setFaults(rules),
    posts: () => sb.slackPosts(),
    close: () => sb.close(),
  };
});
