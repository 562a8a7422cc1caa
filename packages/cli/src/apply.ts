import {
  createLedger,
  createPausePort,
  createRecallStore,
  createRolloutPort,
  createRunLedger,
  pauseParameterName,
  quietLogger,
  type TargetClientCache,
} from '@nodekeeper/aws';
import type { Config } from '@nodekeeper/core/config';
import {
  type PollScheduleConfig,
  type RolloutDeps,
  type RolloutProgress,
  type RolloutRequest,
  type RolloutSummary,
  runRollout,
} from '@nodekeeper/core/rollout';
import { noticeFinderFrom, notifierFromEnv, notifyPortFrom, runThreadDeps } from '@nodekeeper/slack';
import type { RolloutTracker } from './interrupt.ts';
import type { CommandContext } from './types/index.ts';

/** What `roll --apply` and `rollback --apply` run rollouts with: the same engine as the workflow. */
export interface ApplyDeps {
  deps: RolloutDeps;
  /** Bot mode: this run's Slack thread (parent edited as node groups finish); else undefined. */
  runs: RolloutDeps['runs'];
}

/**
 * The rollout engine's ports for a command line run: each node group's own account and region
 * (through `clients`, built with the write role), the ledger, pause flag and recalls in the home
 * region, and Slack from the environment. Rerun after a crash, bot mode finds the notices it
 * already posted.
 */
export function applyDeps(options: {
  env: CommandContext['env'];
  config: Config;
  clients: TargetClientCache;
  homeRegion: string;
  table: string;
}): ApplyDeps {
  const { env, config, clients, table } = options;
  const home = clients(null, options.homeRegion);
  const notifier = notifierFromEnv(env, {
    logger: quietLogger(),
    mentionOnFailure: config.slack.mentionOnFailure,
  });
  const runs = runThreadDeps(notifier, createRunLedger(home.dynamodb, { tableName: table }));
  const notices = noticeFinderFrom(notifier);
  const deps: RolloutDeps = {
    aws: createRolloutPort((ref) => clients(ref.accountId, ref.region)),
    ledger: createLedger(home.dynamodb, { tableName: table }),
    pause: createPausePort(home.ssm, pauseParameterName(env)),
    recalls: createRecallStore(home.dynamodb, { tableName: table }),
    notify: notifyPortFrom(notifier),
    now: () => new Date(),
    ...(runs ? { runs } : {}),
    ...(notices ? { notices } : {}),
  };
  return { deps, runs };
}

/**
 * Runs one rollout request through the engine (guard, start, and with `wait` the follow-through),
 * tracked for Ctrl-C and printing progress lines unless `json`. A ledger that refuses a record
 * after retries (already reported through progress and Slack) is logged, counted through
 * `onUnfinished`, and gives null.
 */
export function rolloutRunner(options: {
  deps: RolloutDeps;
  tracker: RolloutTracker;
  owner: string;
  wait: boolean;
  schedule: PollScheduleConfig;
  json: boolean;
  log: (line: string) => void;
  progressLine: (p: RolloutProgress) => string | null;
  onUnfinished: () => void;
}): (request: RolloutRequest) => Promise<RolloutSummary | null> {
  const { deps, tracker, log } = options;
  return async (request) => {
    tracker.begin(request);
    try {
      return await runRollout(request, deps, {
        owner: options.owner,
        wait: options.wait,
        schedule: options.schedule,
        sleep: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
        onProgress: (p) => {
          tracker.observe(p);
          const line = options.json ? null : options.progressLine(p);
          if (line !== null) log(line);
        },
      });
    } catch (error) {
      options.onUnfinished();
      log(
        `${request.cluster}/${request.nodegroup}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return null;
    } finally {
      tracker.end(request);
    }
  };
}
