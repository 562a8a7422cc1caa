// `npm run demo`: the main job against the built-in sandbox fleet, end to end, with no AWS account.
// Starts `nodekeeper sandbox` (a child process: the durable workflows' local runner fakes timers in
// this one), points the AWS SDK at it through AWS_ENDPOINT_URL, and runs nodekeeper's own code.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// Library logs stay quiet unless asked for (NODEKEEPER_LOG_LEVEL=INFO npm run demo).
process.env.POWERTOOLS_LOG_LEVEL = process.env.NODEKEEPER_LOG_LEVEL ?? 'WARN';
// CloudWatch EMF metrics are for Lambda's log stream, not this terminal.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const { main, writeHtmlReport } = await import('@nodekeeper/cli');
const { runScheduledRollouts } = await import('./demo-roll.ts');
const { renderChannel, renderSlackPost } = await import('./demo-render.ts');
const { clickInSlack, slackMessages } = await import('./demo-click.ts');
type SlackPostLike = import('./demo-render.ts').SlackPostLike;

const root = fileURLToPath(new URL('../', import.meta.url));
const bin = fileURLToPath(new URL('../packages/cli/bin/nodekeeper.js', import.meta.url));
const config = 'examples/demo/nodekeeper.config.json';
/** The sandbox accepts any xoxb- token; this one only ever reaches 127.0.0.1. */
const DEMO_BOT_TOKEN = 'xoxb-0000-sandbox-demo';
const DEMO_CHANNEL = '#platform-ops';

function heading(text: string): void {
  process.stdout.write(`\n━━ ${text} ${'━'.repeat(Math.max(0, 72 - text.length))}\n\n`);
}

async function startSandboxProcess(): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = spawn(process.execPath, [bin, 'sandbox'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const env: Record<string, string> = {};
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the sandbox did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`the sandbox exited early with code ${code}`)));
    lines.on('line', (line) => {
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      if (match?.[1] && match[2]) env[match[1]] = match[2];
      if (env.AWS_ENDPOINT_URL && env.SLACK_API_URL) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, env };
}

async function run(): Promise<number> {
  heading('Starting the sandbox: local AWS on 127.0.0.1 with the demo fleet');
  const { child, env } = await startSandboxProcess();
  process.stdout.write(`AWS_ENDPOINT_URL=${env.AWS_ENDPOINT_URL}\n`);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    // The sandbox's Slack sink is on loopback; only this explicit flag lets the notifier post there.
    NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
    // Bot mode against the sandbox's Web API (a sandbox token, not a real one): threads and edits.
    NODEKEEPER_SLACK_BOT_TOKEN: DEMO_BOT_TOKEN,
    NODEKEEPER_SLACK_CHANNEL: DEMO_CHANNEL,
    NODEKEEPER_SLACK_API_URL: env.SLACK_API_URL,
  });
  try {
    const endpoint = env.AWS_ENDPOINT_URL ?? '';
    heading('What nodekeeper would do: nodekeeper plan');
    const planCode = await main(['plan', '--config', config]);
    if (planCode !== 0) return planCode;

    const world = {
      endpoint,
      slackBotToken: DEMO_BOT_TOKEN,
      slackChannel: DEMO_CHANNEL,
      region: 'us-east-1',
      configFile: config,
      ledgerTable: 'nodekeeper-ledger',
      advanceClock: async (seconds: number) => {
        await fetch(`${endpoint}/_sandbox/clock`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ advanceSeconds: seconds }),
        });
      },
      log: (line: string) => process.stdout.write(`${line}\n`),
    };
    const rawConfig = JSON.parse(await readFile(config, 'utf8'));
    const summarize = (records: Array<{ outcome: string }>) =>
      `${records.length} rollouts in the ledger: ${records.filter((r) => r.outcome === 'succeeded').length} succeeded, ${records.filter((r) => r.outcome === 'failed').length} failed.`;

    heading('Tuesday 03:00, the scheduled scan: the dev wave rolls, prod waits for it');
    process.stdout.write('(sandbox time runs 10x faster than the clock on the wall)\n');
    const first = await runScheduledRollouts(world, rawConfig);
    process.stdout.write(`\n${summarize(first)}\n`);

    heading(
      'dev-a/lagging failed on release 20261110: the circuit breaker halts it everywhere (nodekeeper plan)',
    );
    await main(['plan', '--config', config, '--now', new Date(Date.now() + 2 * 86_400_000).toISOString()]);

    heading('An hour later the scan tells Slack the release is halted: the notice, with its buttons');
    await runScheduledRollouts(world, rawConfig, new Date(Date.now() + 3_600_000));
    const isHalt = (m: { blocks: Array<{ type: string; elements?: Array<{ action_id?: string }> }> }) =>
      m.blocks.some(
        (b) => b.type === 'actions' && b.elements?.some((e) => e.action_id?.startsWith('nodekeeper.approve')),
      );
    const halt = (await slackMessages(endpoint)).find(isHalt);
    if (!halt) throw new Error('the scan posted no halt notice');
    const show = (m: { ts: string; text: string; blocks: unknown[] }) =>
      renderSlackPost({
        kind: 'chat.postMessage',
        ts: m.ts,
        body: { text: m.text, blocks: m.blocks as never },
      });
    process.stdout.write(`${show(halt)}\n`);

    heading('The on-call engineer checks the failure and clicks "Approve 20261110 for wave prod" in Slack');
    const clicked = await clickInSlack({
      endpoint,
      configJson: JSON.stringify(rawConfig),
      channel: DEMO_CHANNEL,
      ts: halt.ts,
      label: 'Approve 20261110 for wave prod',
      userId: 'U0ONCALL01',
    });
    process.stdout.write(
      `Slack → POST /slack/interactions (a signed block_actions payload): HTTP ${clicked.status} in ${Math.round(clicked.elapsedMs)} ms (Slack allows 3,000).\n` +
        'The worker claimed the click once, recorded the approval in the ledger (what `nodekeeper approve 20261110 --wave prod` records) and edited the notice with chat.update:\n',
    );
    const decided = (await slackMessages(endpoint)).find((m) => m.ts === halt.ts);
    if (decided) process.stdout.write(`${show(decided)}\n`);

    heading('The next plan reflects the approval: prod takes 20261110 two days later (nodekeeper plan)');
    await main(['plan', '--config', config, '--now', new Date(Date.now() + 2 * 86_400_000).toISOString()]);

    heading('Two days later, the next scan: prod rolls, and prod-a/gpu fails on PodEvictionFailure');
    const second = await runScheduledRollouts(world, rawConfig, new Date(Date.now() + 2 * 86_400_000));
    process.stdout.write(`\n${summarize(second)}\n`);

    heading('The ledger: nodekeeper history');
    await main(['history']);

    heading('Urgent patch: nodekeeper patch --operation Install --wait');
    process.stdout.write(
      '(RebootOption NoReboot: SSM would reboot without draining pods, so that needs --reboot)\n\n',
    );
    const ticker = setInterval(() => {
      void fetch(`${endpoint}/_sandbox/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advanceSeconds: 10 }),
      });
    }, 300);
    try {
      const patchCode = await main([
        'patch',
        '--config',
        config,
        '--cluster',
        'prod-a',
        '--nodegroup',
        'general',
        '--operation',
        'Install',
        '--wait',
      ]);
      process.stdout.write(`(exit code ${patchCode}: 0 all patched, 3 some instances failed)\n`);
      heading('Bottlerocket is patched by image replacement, not SSM: the refusal');
      await main(['patch', '--config', config, '--cluster', 'prod-b', '--nodegroup', 'bottlerocket']);
    } finally {
      clearInterval(ticker);
    }

    heading('What Slack received');
    const posts = (await (await fetch(`${endpoint}/_sandbox/slack`)).json()) as SlackPostLike[];
    process.stdout.write(`${renderChannel(posts)}\n`);
    const edits = posts.filter((p) => p.kind === 'chat.update').length;
    process.stdout.write(
      `${posts.length - edits} Slack messages and ${edits} edits (bot mode, #platform-ops).\n`,
    );

    heading('Fleet freshness report');
    const reportFile = await writeHtmlReport({
      configFile: config,
      outFile: '.nodekeeper/demo-report.html',
      cwd: root,
    });
    process.stdout.write(`Fleet report (open it in a browser): ${reportFile}\n`);
    return 0;
  } finally {
    child.kill('SIGTERM');
  }
}

process.exitCode = await run();
