/**
 * Fault matrix for SSM commands (patching): SendCommand, DescribeInstanceInformation and
 * ListCommandInvocations under throttling, 5xx, resets and slow answers, the patch request
 * redelivered as Lambda's async invoke does after an error, and every final status event
 * delivered twice at once.
 */
import {
  type AwsClients,
  createClients,
  createLedgerTable,
  createPatchLedger,
  createPatchPort,
  type PatchLedger,
} from '@nodekeeper/aws';
import { parseConfig } from '@nodekeeper/core/config';
import { demoFleet, type FaultRule, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { createNotifier } from '@nodekeeper/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../functions/lib/logger.ts';
import { handlePatch, type PatchFunctionDeps, patchNotifyFrom } from '../../functions/patch.ts';
import { handlePatchStatus } from '../../functions/patch-status.ts';
import { Canary, canaryHits, canaryWebhookUrl, captureOutput } from '../helpers/canary.ts';
import { FaultKind } from './support/matrix.ts';
import { faultRuns, faultSummary } from './support/summary.ts';

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDFAULTS', secretAccessKey: 'faults-secret' };
const OPERATIONS = ['SendCommand', 'DescribeInstanceInformation', 'ListCommandInvocations'];
const SLOW_MS = 500;
const summary = faultSummary('ssm-commands');
let sb: Sandbox;
let tables = 0;

beforeAll(async () => {
  const f = structuredClone(demoFleet());
  f.clusters = f.clusters.filter((c) => c.name === 'prod-a');
  f.instances = f.instances.filter((i) => i.cluster === 'prod-a');
  for (const i of f.instances) i.patchSeconds = 1;
  sb = await startSandbox({ fleet: f, port: 0 });
});
afterAll(async () => {
  summary.write();
  await sb.close();
});

function rules(kind: FaultKind, times: number): FaultRule[] {
  return OPERATIONS.map((operation) => {
    const base: FaultRule = { service: 'ssm', operation, times };
    if (kind === 'throttle') return { ...base, throttle: { burst: 0, ratePerSecond: 0 } };
    if (kind === '5xx') return { ...base, error: { status: 500, code: 'InternalServerError' } };
    if (kind === 'reset') return { ...base, reset: true };
    return { ...base, slowMs: SLOW_MS };
  });
}

async function deps(clients: AwsClients): Promise<PatchFunctionDeps & { ledger: PatchLedger }> {
  tables += 1;
  const table = `faults-patch-${tables}`;
  await createLedgerTable(clients.dynamodb, table);
  let n = 0;
  return {
    config: parseConfig({ regions: [region], clusters: ['prod-*'] }),
    aws: createPatchPort(() => clients),
    ledger: createPatchLedger(clients.dynamodb, { tableName: table }),
    notify: patchNotifyFrom(
      createNotifier({
        webhookUrl: canaryWebhookUrl(sb.endpoint),
        allowInsecureLocalUrls: true,
        logger,
        timeoutMs: 400,
        baseBackoffMs: 20,
      }),
    ),
    findRegion: async () => region,
    now: () => sb.clock.now(),
    newId: () => {
      n += 1;
      return `00000000-0000-4000-8000-${String(tables * 1000 + n).padStart(12, '0')}`;
    },
  };
}

function statusEvent(commandId: string, status: string) {
  return {
    version: '0',
    id: `evt-${commandId}-${status}`,
    'detail-type': 'EC2 Command Status-change Notification',
    source: 'aws.ssm',
    account: '111122223333',
    time: sb.clock.now().toISOString(),
    region,
    resources: [],
    detail: {
      'command-id': commandId,
      'document-name': 'AWS-RunPatchBaseline',
      'expire-after': new Date(sb.clock.now().getTime() + 3_600_000).toISOString(),
      parameters: {},
      'requested-date-time': sb.clock.now().toISOString(),
      status,
    },
  };
}

const summaries = () => sb.slackPosts().filter((p) => JSON.stringify(p.body).includes('Patch '));

describe('fault matrix: ssm-commands', () => {
  for (const kind of Object.values(FaultKind)) {
    for (const severity of ['burst', 'storm'] as const) {
      for (let rep = 1; rep <= faultRuns(); rep += 1) {
        describe(`when ${kind} hits SSM commands in a ${severity} (run ${rep})`, () => {
          it('sends at most one command per node group and posts each summary once', async () => {
            const out = captureOutput();
            const clients = createClients({
              region,
              endpoint: sb.endpoint,
              credentials,
              requestTimeoutMs: 400,
              connectTimeoutMs: 400,
            });
            const checks: Record<string, string[]> = {
              'at-most-once': [],
              recorded: [],
              'slack-once': [],
              'no-secret': [],
            };
            try {
              const d = await deps(clients);
              sb.resetCalls();
              const postsBefore = summaries().length;
              const times = severity === 'burst' ? 2 : 100_000;
              sb.setFaults(rules(kind, times));
              const requestId = `req-${kind}-${severity}-${rep}`;
              const payload = { cluster: 'prod-a', nodegroups: ['general'], operation: 'Install', requestId };
              // Lambda's asynchronous invoke retries a failed invocation with the same payload.
              const results: unknown[] = [];
              const errors: unknown[] = [];
              for (let attempt = 1; attempt <= 3; attempt += 1) {
                try {
                  results.push(await handlePatch(payload, d));
                  break;
                } catch (error) {
                  errors.push(error);
                }
              }
              if (kind === 'slow') await new Promise((resolve) => setTimeout(resolve, SLOW_MS + 200));
              const faulted = sb.calls();
              sb.setFaults([]);
              const sent = faulted.filter((c) => c.operation === 'SendCommand' && c.status === 200).length;
              if (sent > 1)
                checks['at-most-once']?.push(`${sent} SendCommand for one request and node group`);

              const started = results.find(
                (r): r is { ok: true; kind: 'started'; commandIds: string[] } =>
                  typeof r === 'object' && r !== null && (r as { kind?: string }).kind === 'started',
              );
              if (!started && errors.length === 0 && results.length === 0)
                checks.recorded?.push('no result and no error: the request vanished');
              // Every request ends recorded: accepted (commands sent) or failed before sending.
              const stored = await d.ledger.getRequest(requestId);
              if (stored === null) checks.recorded?.push(`request ${requestId} has no ledger record`);
              else if (!started && stored.status !== 'failed')
                checks.recorded?.push(`request ${requestId} sent nothing but is recorded ${stored.status}`);
              sb.clock.advance(600);
              for (const commandId of started?.commandIds ?? []) {
                const event = statusEvent(commandId, 'Failed');
                await Promise.all([
                  handlePatchStatus(event, { ...d, owner: `a-${commandId}` }),
                  handlePatchStatus(event, { ...d, owner: `b-${commandId}` }),
                ]);
              }
              const posted = summaries().slice(postsBefore);
              const completed = posted.filter((p) =>
                /Patch (completed|finished)/.test(JSON.stringify(p.body)),
              );
              if (completed.length > (started?.commandIds.length ?? 0))
                checks['slack-once']?.push(
                  `${completed.length} summaries for ${started?.commandIds.length ?? 0} commands`,
                );
              for (const h of canaryHits([...out.lines(), ...errors, ...results]))
                checks['no-secret']?.push(h.excerpt);
              const injected = OPERATIONS.reduce(
                (sum, op) => sum + Math.min(times, faulted.filter((c) => c.operation === op).length),
                0,
              );
              summary.add({
                fault: kind,
                faultsInjected: injected,
                checks,
              });
              out.restore();
              // SendCommand has no idempotency token: an unanswered attempt is looked up (by its
              // Comment and instances) before it is retried, so a command that took effect is
              // never sent twice.
              expect(checks).toEqual({
                'at-most-once': [],
                recorded: [],
                'slack-once': [],
                'no-secret': [],
              });
              expect(Canary.webhookPath.length).toBeGreaterThan(0);
            } finally {
              out.restore();
              sb.setFaults([]);
              clients.destroy();
            }
          });
        });
      }
    }
  }
});
