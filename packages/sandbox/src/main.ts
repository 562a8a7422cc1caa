import { parseArgs } from 'node:util';
import { FleetValidationError } from './errors.ts';
import { type FleetFile, loadFleetFile } from './fleet.ts';
import { startSandbox } from './server.ts';

/** Streams and an optional stop signal for runSandboxCli (tests stop it with `signal`). */
export interface SandboxCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Stops the sandbox like SIGINT does. */
  signal?: AbortSignal;
}

const USAGE = `Usage: nodekeeper sandbox [--fleet FILE] [--port N] [--ledger-table NAME ...]

Serves a local AWS on 127.0.0.1 (EKS REST-JSON, EC2 Query/XML, SSM JSON 1.1, DynamoDB via dynalite)
and a Slack sink, seeded from a fleet file (default: the built-in demo fleet). When ready it prints
AWS_ENDPOINT_URL=... and SLACK_WEBHOOK_URL=... and runs until SIGINT or SIGTERM.

Options:
  --fleet FILE   fleet file; an invalid file exits 2 naming the field
  --port N       port to listen on (default: any free port)
  --ledger-table NAME
                 also create this ledger table (repeatable; nodekeeper-ledger always exists)
  -h, --help     show this help
`;

const defaultIo: SandboxCliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/**
 * `nodekeeper sandbox [--fleet FILE] [--port N]`. Resolves with the exit code once the sandbox has
 * been signalled and closed: 0 after a clean stop, 2 for bad arguments or an invalid fleet file.
 */
export async function runSandboxCli(argv: string[], io: SandboxCliIo = defaultIo): Promise<number> {
  const args = argv[0] === 'sandbox' ? argv.slice(1) : argv;
  let values: { fleet?: string; port?: string; 'ledger-table'?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        fleet: { type: 'string' },
        port: { type: 'string' },
        'ledger-table': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr(`nodekeeper sandbox: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  let port = 0;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) {
      io.stderr(`nodekeeper sandbox: --port: expected a port number 0-65535, got '${values.port}'\n`);
      return 2;
    }
  }
  let fleet: FleetFile | undefined;
  if (values.fleet !== undefined) {
    try {
      fleet = await loadFleetFile(values.fleet);
    } catch (err) {
      if (err instanceof FleetValidationError) {
        io.stderr(`nodekeeper sandbox: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  }
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox({
      ...(fleet ? { fleet } : {}),
      port,
      ...(values['ledger-table'] ? { ledgerTables: values['ledger-table'] } : {}),
    });
  } catch (err) {
    io.stderr(`nodekeeper sandbox: cannot start: ${(err as Error).message}\n`);
    return (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 2 : 1;
  }
  io.stdout(
    `AWS_ENDPOINT_URL=${sandbox.endpoint}\nSLACK_WEBHOOK_URL=${sandbox.slackWebhookUrl}\nSLACK_API_URL=${sandbox.slackApiUrl}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop);
  });
  await sandbox.close();
  return 0;
}
