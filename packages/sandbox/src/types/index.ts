import type { FleetFile, FleetPartition } from '../fleet.ts';
import type { RequestViolation } from '../protocol/validate.ts';
import type { SandboxEvent } from '../services/events.ts';

export type { SandboxEvent } from '../services/events.ts';

/** AWS services the sandbox answers, plus the Slack sink. */
export const SandboxServices = ['eks', 'ec2', 'ssm', 'sts', 'dynamodb'] as const;
export type AwsService = (typeof SandboxServices)[number];

/** One injected fault or delay; see SANDBOX-API.md. Rules apply in order; every matching rule applies. */
export interface FaultRule {
  service: AwsService | 'slack' | '*';
  /** e.g. `DescribeNodegroup`, `webhook`, `chat.postMessage`; omitted = every operation. */
  operation?: string;
  latencyMs?: number;
  /**
   * Spreads `latencyMs` uniformly over ±`ms` (never below 0), from a PRNG seeded by `seed` (default 1),
   * so that answers to calls sent together do not arrive in lockstep. Same seed, same sequence.
   */
  jitter?: { ms: number; seed?: number };
  /** A token bucket; `per: 'account-region'` keeps one per caller account and region, as AWS meters. */
  throttle?: { burst: number; ratePerSecond: number; per?: 'sandbox' | 'account-region' };
  error?: { status: number; code?: string; message?: string; retryAfterSeconds?: number };
  reset?: true;
  slowMs?: number;
  times?: number;
}

/** One AWS request the sandbox answered (status 0 = connection reset). */
export interface CallRecord {
  service: AwsService | 'unknown';
  operation: string;
  region: string;
  /** The account of the caller's credentials (the hub's for plain keys). */
  accountId: string;
  status: number;
  at: string;
}

/** One Slack post the sink received (`response`: on a click's response URL; `ts` is the clicked message). */
export interface SlackPost {
  kind: 'webhook' | 'chat.postMessage' | 'chat.update' | 'response';
  at: string;
  body: Record<string, unknown>;
  token: string | null;
  ts: string | null;
}

/** A message the Web API posted, as it is now, with its earlier states (chat.update keeps them). */
export interface SlackMessageState {
  /** The channel ID. */
  channel: string;
  ts: string;
  /** The parent's ts for a reply in a thread. */
  threadTs: string | null;
  text: string;
  blocks: unknown[];
  /** Slack message metadata, as posted (or last edited). */
  metadata: { event_type: string; event_payload: Record<string, unknown> } | null;
  /** A thread reply also shown in the channel (`reply_broadcast`). */
  broadcast: boolean;
  postedAt: string;
  /** Each earlier state, oldest first, with when it was replaced. */
  edits: Array<{ at: string; text: string; blocks: unknown[] }>;
}

/** A click on a button of a message in the sink, sent as Slack sends it. */
export interface SlackClick {
  /** The message: its channel (ID or the `#name` it was posted to) and ts. */
  channel: string;
  ts: string;
  /** The button: its `action_id` (and `value`, when several buttons share the ID). */
  actionId: string;
  value?: string;
  /** Who clicks (a Slack user ID). */
  userId: string;
  /** The app's interactivity Request URL (the Function URL and its path). */
  url: string;
  /** The app's signing secret: the request is signed with it as Slack signs. */
  signingSecret: string;
  /** Default: now on the sandbox clock (seconds since the epoch, as X-Slack-Request-Timestamp). */
  timestamp?: number;
}

/** What the interactivity URL answered, and the request Slack sent. */
export interface SlackClickResult {
  status: number;
  body: string;
  /** Time from sending to the whole answer (Slack waits at most 3 s). */
  elapsedMs: number;
  /** The signed request exactly as sent, for a replay. */
  request: { headers: Record<string, string>; body: string };
}

/** The sandbox clock: real time by default; pinned or running from a given instant (see createClock). */
export interface SandboxClock {
  now(): Date;
  set(iso: string): void;
  advance(seconds: number): void;
}

export interface SandboxOptions {
  /** The fleet to serve; default: the demo fleet. */
  fleet?: FleetFile;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Pin the clock at start (ISO 8601); default: real time. */
  now?: string;
  /**
   * With `now`: the clock starts there and runs with the monotonic clock instead of staying pinned
   * (tests that inject a time but let updates take real seconds). Default false.
   */
  running?: boolean;
  /** Ledger tables to create on start besides `nodekeeper-ledger` (NODEKEEPER_LEDGER_TABLE names). */
  ledgerTables?: readonly string[];
}

/** A running sandbox. */
export interface Sandbox {
  readonly endpoint: string;
  readonly port: number;
  readonly slackWebhookUrl: string;
  readonly slackApiUrl: string;
  readonly clock: SandboxClock;
  /** One (account, region) as it is now; default: the hub (the fleet file's top level). */
  state(accountId?: string, region?: string): FleetPartition;
  /** How many credentials STS AssumeRole issued for a role. */
  issuedCredentials(roleArn: string): number;
  /**
   * The events on the default event bus of one (account, region), oldest first; default: the hub.
   * Only that (account, region)'s SSM puts events there (EventBridge is regional).
   */
  events(accountId?: string, region?: string): SandboxEvent[];
  slackPosts(): SlackPost[];
  /** Every Web API message as it is now, with its edit history. */
  slackMessages(): SlackMessageState[];
  /** The conversations.history / conversations.replies reads the sink answered, oldest first. */
  slackReads(): Array<{ method: string; at: string; params: Record<string, string> }>;
  /**
   * Clicks a button of a message the sink holds: builds the `block_actions` payload Slack would
   * (form-encoded `payload=`, response URL on the sink), signs it with the signing secret and
   * POSTs it to `url`. Throws when the message or the button is not there.
   */
  slackClick(click: SlackClick): Promise<SlackClickResult>;
  calls(): CallRecord[];
  /**
   * Drains the requests that broke their operation's AWS service model (see docs/sandbox.md).
   * The test guard fails any test that leaves one behind; a test that sends one on purpose takes it.
   */
  takeViolations(): RequestViolation[];
  resetCalls(): void;
  setFaults(rules: FaultRule[]): void;
  close(): Promise<void>;
}
