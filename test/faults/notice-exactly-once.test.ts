/**
 * A notice is posted exactly once even when the process dies between posting it and recording
 * it: a real child process runs the notify step, posts to the sandbox's Slack sink and is killed
 * with SIGKILL before it marks the notice sent; the replay (same claim owner, as a durable replay
 * is) finds the message by its metadata key and posts nothing new.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClients, createLedger, createLedgerTable, createRunLedger } from '@nodekeeper/aws';
import { type RolloutDeps, type RolloutRequest, rolloutKey } from '@nodekeeper/core/rollout';
import { newRun, openRunThread } from '@nodekeeper/core/runs';
import { type Sandbox, type SlackPost, startSandbox } from '@nodekeeper/sandbox';
import { createNotifier, noticeFinderFrom, notifyPortFrom, runThreadDeps } from '@nodekeeper/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// The notify step itself (core's rollout entry exports the program, not its steps).
import { notifyStep, rolloutNotice } from '../../packages/core/src/rollout/steps.ts';

const childScript = fileURLToPath(new URL('./support/notice-child.ts', import.meta.url));
const CHANNEL = 'C0NODEKEEP';
const TABLE = 'notice-exactly-once';
const OWNER = 'nk_faults_prod-a_gpu_exactly-once';
const credentials = { accessKeyId: 'AKIDPARENT', secretAccessKey: 'parent' };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function request(runId?: string): RolloutRequest {
  return {
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'gpu',
    strategy: 'release-version',
    current: { releaseVersion: '1.33.4-20261001', imageId: null },
    target: { releaseVersion: '1.33.5-20261110', imageId: null },
    launchTemplate: null,
    wave: null,
    attempt: 1,
    ...(runId ? { runId } : {}),
  };
}

/** Runs the child until it says it posted, then kills it with SIGKILL; answers how it ended. */
async function postThenKill(sb: Sandbox, req: RolloutRequest): Promise<NodeJS.Signals | null> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      childScript,
      JSON.stringify({ endpoint: sb.endpoint, table: TABLE, owner: OWNER, channel: CHANNEL, request: req }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the child never posted')), 30_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line === 'POSTED') {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => reject(new Error('the child exited before posting')));
  });
  child.kill('SIGKILL');
  return exited;
}

/** The posts of this notice the sink received (chat.postMessage carrying its metadata key). */
function noticePosts(posts: SlackPost[], key: string): SlackPost[] {
  return posts.filter(
    (p) =>
      p.kind === 'chat.postMessage' &&
      (p.body.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key === key,
  );
}

describe('a notice whose process is killed between posting and marking it sent', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox({ ledgerTables: [TABLE] });
    const home = createClients({ region: 'us-east-1', endpoint: sb.endpoint, credentials });
    await createLedgerTable(home.dynamodb, TABLE);
    home.destroy();
  });
  afterEach(async () => {
    await sb.close();
  });

  /** The replay's adapters: a new process, the same claim owner. */
  function deps(options: { lookUp: boolean }) {
    const clients = createClients({ region: 'us-east-1', endpoint: sb.endpoint, credentials });
    const notifier = createNotifier({
      botToken: 'xoxb-0000-notice-parent',
      channel: CHANNEL,
      apiBaseUrl: sb.slackApiUrl,
      allowInsecureLocalUrls: true,
      logger: quiet,
    });
    const runs = runThreadDeps(notifier, createRunLedger(clients.dynamodb, { tableName: TABLE }));
    const notices = options.lookUp ? noticeFinderFrom(notifier) : undefined;
    return {
      deps: {
        ledger: createLedger(clients.dynamodb, { tableName: TABLE }),
        notify: notifyPortFrom(notifier),
        ...(notices ? { notices } : {}),
        ...(runs ? { runs } : {}),
        now: () => new Date(),
      } as unknown as RolloutDeps,
      runs,
      close: () => clients.destroy(),
    };
  }

  const replayNotice = (req: RolloutRequest) =>
    rolloutNotice(req, 'failed', { updateId: 'upd-gpu-1', message: 'failed', status: 'Failed' });

  for (const where of ['in the run thread', 'at the top of the channel'] as const) {
    describe(`when the notice goes ${where}`, () => {
      it('is found by its metadata key on the replay, which posts nothing new', async () => {
        const threaded = where === 'in the run thread';
        const parent = deps({ lookUp: true });
        try {
          let req = request();
          if (threaded) {
            req = request('scan-exactly-once');
            const opened = await openRunThread(
              newRun('scan-exactly-once', 'rollout', new Date().toISOString(), [req]),
              parent.runs ?? (undefined as never),
            );
            expect(opened.kind).toBe('posted');
          }
          const key = `${rolloutKey(req)}/failed`;

          expect(await postThenKill(sb, req)).toBe('SIGKILL');
          expect(noticePosts(sb.slackPosts(), key)).toHaveLength(1);

          const replay = await notifyStep(replayNotice(req), OWNER, parent.deps);
          expect(replay).toMatchObject({ kind: 'sent', recovered: true });
          expect(noticePosts(sb.slackPosts(), key)).toHaveLength(1);
          // It was read back, not posted: the thread's replies or the channel's history, with metadata.
          expect(sb.slackReads().map((r) => [r.method, r.params.include_all_metadata])).toEqual([
            [threaded ? 'conversations.replies' : 'conversations.history', 'true'],
          ]);
          // Marked sent now: a third run does nothing at all.
          expect(await notifyStep(replayNotice(req), OWNER, parent.deps)).toEqual({
            kind: 'skipped',
            why: 'already-sent',
          });
          if (threaded) {
            const reply = noticePosts(sb.slackPosts(), key)[0];
            expect(reply?.body.thread_ts).toBe(sb.slackMessages().find((m) => m.threadTs === null)?.ts);
          }
        } finally {
          parent.close();
        }
      });
    });
  }

  describe('when the replay cannot look the notice up (a webhook, or no history scope)', () => {
    it('posts it again: the look-up is what keeps it to one', async () => {
      const req = request();
      const key = `${rolloutKey(req)}/failed`;
      expect(await postThenKill(sb, req)).toBe('SIGKILL');
      const blind = deps({ lookUp: false });
      try {
        expect(await notifyStep(replayNotice(req), OWNER, blind.deps)).toEqual({
          kind: 'sent',
          ts: expect.any(String),
        });
        expect(noticePosts(sb.slackPosts(), key)).toHaveLength(2);
      } finally {
        blind.close();
      }
    });
  });
});
