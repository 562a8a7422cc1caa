import { runSandboxCli } from '@nodekeeper/sandbox';
import type { Command } from '../types/index.ts';

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'Run the local AWS sandbox (EKS, EC2, SSM, DynamoDB, Slack sink) on loopback',
  usage: `Usage: nodekeeper sandbox [--fleet FILE] [--port N] [--ledger-table NAME ...]

Serves a local AWS on 127.0.0.1 that speaks the real EKS (REST-JSON), EC2 (Query/XML),
SSM (JSON 1.1) and DynamoDB protocols, plus a Slack sink, seeded from a fleet file
(default: the built-in demo fleet). When ready it prints:

  AWS_ENDPOINT_URL=http://127.0.0.1:PORT
  SLACK_WEBHOOK_URL=http://127.0.0.1:PORT/slack/webhook/...
  SLACK_API_URL=http://127.0.0.1:PORT/slack/api/     (chat.postMessage, chat.update: bot mode)

Export those and any AWS client (the SDK, the AWS CLI, nodekeeper) talks to the sandbox.
It runs until interrupted (Ctrl-C). State: GET /_sandbox/state; Slack posts: GET /_sandbox/slack.
It creates nodekeeper's ledger table (nodekeeper-ledger, and each --ledger-table) as a deployment
would; nodekeeper itself never creates it.

Options:
  --fleet FILE   fleet file (format: docs/sandbox.md); invalid files exit 2 naming the field
  --port N       port to listen on (default: any free port)
  --ledger-table NAME
                 also create this ledger table (repeatable), e.g. your NODEKEEPER_LEDGER_TABLE
  -h, --help     show this help
`,
  run: (args, ctx) => runSandboxCli(args, { stdout: ctx.stdout, stderr: ctx.stderr }),
};
