// `npm run demo`: the main job against the built-in sandbox fleet, end to end, with no AWS account.
// Starts `nodekeeper sandbox` (a child process: the durable workflows' local runner fakes timers in
// this one), points the AWS SDK at it through AWS_ENDPOINT_URL, and runs nodekeeper's own code.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// Library logs stay quiet unless asked for (NODEKEEPER_LOG_LEVEL=INFO npm run demo).
process.env.POWERTOOLS_LOG_LEVEL = process.env.NODEKEEPER_LOG_LEVEL ?? 'WARN';
const { main } = await import('@nodekeeper/cli');

const root = fileURLToPath(new URL('../', import.meta.url));
const bin = fileURLToPath(new URL('../packages/cli/bin/nodekeeper.js', import.meta.url));
const config = 'examples/demo/nodekeeper.config.json';

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
      if (env.AWS_ENDPOINT_URL && env.SLACK_WEBHOOK_URL) {
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
  });
  try {
    heading('What nodekeeper would do: nodekeeper plan');
    const planCode = await main(['plan', '--config', config]);
    if (planCode !== 0) return planCode;
    return 0;
  } finally {
    child.kill('SIGTERM');
  }
}

process.exitCode = await run();
