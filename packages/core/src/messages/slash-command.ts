/** The `/nodekeeper` slash command: parsing its text into a command. Pure; never throws. */

export type SlashCommand =
  | { kind: 'plan'; cluster?: string }
  | { kind: 'status' }
  | { kind: 'history'; cluster?: string }
  | { kind: 'patch'; cluster: string; nodegroup?: string; install: boolean; reboot: boolean }
  | { kind: 'pause'; reason?: string }
  | { kind: 'resume' }
  | { kind: 'approve'; release: string; wave?: string; family?: string }
  | { kind: 'recall'; release: string; family?: string; reason: string }
  | { kind: 'unrecall'; release: string; family?: string; reason?: string }
  | { kind: 'usage'; error?: string };

/** Slack command text longer than this is refused outright. */
export const MAX_SLASH_TEXT = 1000;
const MAX_REASON = 200;
/** EKS names: a letter or digit, then letters, digits, `-` and `_` (clusters ≤100, node groups ≤63). */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const NODEGROUP_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$/;
/** `plan` and `history` also accept the config's glob patterns (`prod-*`). */
const CLUSTER_PATTERN = /^[0-9A-Za-z*?][A-Za-z0-9_*?-]{0,99}$/;

/** The help text shown for `help`, an empty command, or anything not understood. */
export function slashUsageText(): string {
  return [
    'Usage: `/nodekeeper <subcommand>`',
    '• `plan [cluster]`: what a rollout would do now',
    '• `status`: rollouts and patches in progress',
    '• `history [cluster]`: recent rollouts and patches',
    '• `patch <cluster> [nodegroup] [--install] [--reboot]`: patch nodes in place with SSM (scan only unless `--install`)',
    '• `pause [reason]`: stop starting new rollouts',
    '• `resume`: start rollouts again',
    '• `approve <release> [--wave W] [--family F]`: approve a release the breaker halted or a wave holds',
    '• `recall <release|ami-id> [--family F] <reason>`: nothing rolls to it until `unrecall`',
    '• `unrecall <release|ami-id> [--family F] [reason]`: lift a recall',
    '`patch`, `pause`, `resume`, `approve`, `recall` and `unrecall` need your Slack user to be on the allowlist.',
  ].join('\n');
}

function usage(error: string): SlashCommand {
  return { kind: 'usage', error };
}

function shown(token: string): string {
  // Errors quote user input back; keep it short and free of characters that could format.
  return token.slice(0, 40).replace(/[^A-Za-z0-9_*?.=-]/g, '?');
}

function decodeEntities(text: string): string {
  // Slack sends `&`, `<`, `>` in command text as entities.
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function optionalCluster(kind: 'plan' | 'history', args: string[]): SlashCommand {
  if (args.length > 1) return usage(`\`${kind}\` takes at most one cluster`);
  const cluster = args[0];
  if (cluster === undefined) return { kind };
  if (!CLUSTER_PATTERN.test(cluster)) return usage(`not a cluster name or pattern: ${shown(cluster)}`);
  return { kind, cluster };
}

function parsePatch(args: string[]): SlashCommand {
  let install = false;
  let reboot = false;
  const positional: string[] = [];
  for (const arg of args) {
    if (arg === '--install') install = true;
    else if (arg === '--reboot') reboot = true;
    else if (arg.startsWith('-')) return usage(`unknown option for \`patch\`: ${shown(arg)}`);
    else positional.push(arg);
  }
  const [cluster, nodegroup, extra] = positional;
  if (cluster === undefined) return usage('`patch` needs a cluster');
  if (extra !== undefined) return usage('`patch` takes a cluster and at most one node group');
  if (!CLUSTER_NAME.test(cluster)) return usage(`not a cluster name: ${shown(cluster)}`);
  if (nodegroup !== undefined && !NODEGROUP_NAME.test(nodegroup)) {
    return usage(`not a node group name: ${shown(nodegroup)}`);
  }
  if (reboot && !install) return usage('`--reboot` only makes sense with `--install`');
  return nodegroup === undefined
    ? { kind: 'patch', cluster, install, reboot }
    : { kind: 'patch', cluster, nodegroup, install, reboot };
}

/** A release as typed: a version, build date, Bottlerocket version or AMI ID (checked again when routed). */
const RELEASE_TOKEN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** A release line: an AMI family name or `golden:<parameter>`. */
const FAMILY_TOKEN = /^(?:[a-z0-9-]{2,30}|golden:\/[A-Za-z0-9_.\-/]{1,1000})$/;
/** A wave name as typed (config allows up to 63 characters; one word here). */
const WAVE_TOKEN = /^[^\s`<>&*]{1,63}$/;

function parseApprove(args: string[]): SlashCommand {
  const positional: string[] = [];
  let wave: string | undefined;
  let family: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--wave' || arg === '--family') {
      const value = args[i + 1];
      if (value === undefined) return usage(`\`${arg}\` needs a value`);
      i++;
      if (arg === '--wave') {
        if (!WAVE_TOKEN.test(value)) return usage(`not a wave name: ${shown(value)}`);
        wave = value;
      } else {
        if (!FAMILY_TOKEN.test(value)) return usage(`not a release line: ${shown(value)}`);
        family = value;
      }
    } else if (arg.startsWith('-')) return usage(`unknown option for \`approve\`: ${shown(arg)}`);
    else positional.push(arg);
  }
  const [release, extra] = positional;
  if (release === undefined)
    return usage('`approve` needs a release, e.g. `approve 1.33.5-20261110 --wave prod`');
  if (extra !== undefined) return usage('`approve` takes one release');
  if (!RELEASE_TOKEN.test(release)) return usage(`not a release: ${shown(release)}`);
  return {
    kind: 'approve',
    release,
    ...(wave === undefined ? {} : { wave }),
    ...(family === undefined ? {} : { family }),
  };
}

/**
 * `recall <release> [--family F] <reason…>` and `unrecall <release> [--family F] [reason…]`: the
 * words after the release (and the line) are the reason, required for `recall`.
 */
function parseRecall(kind: 'recall' | 'unrecall', args: string[]): SlashCommand {
  let release: string | undefined;
  let family: string | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--family') {
      const value = args[i + 1];
      if (value === undefined) return usage('`--family` needs a value');
      if (!FAMILY_TOKEN.test(value)) return usage(`not a release line: ${shown(value)}`);
      family = value;
      i++;
    } else if (release === undefined && !arg.startsWith('-')) {
      if (!RELEASE_TOKEN.test(arg)) return usage(`not a release: ${shown(arg)}`);
      release = arg;
    } else break;
  }
  if (release === undefined) {
    return usage(
      `\`${kind}\` needs a release or AMI ID, e.g. \`${kind} 1.33.5-20261110 GPU nodes fail to join\``,
    );
  }
  const reason = args
    .slice(i)
    .join(' ')
    .replace(/\p{Cc}+/gu, ' ')
    .trim();
  if (reason.length > MAX_REASON) return usage(`the ${kind} reason is longer than ${MAX_REASON} characters`);
  if (kind === 'recall') {
    if (reason === '') return usage('`recall` needs a reason after the release: say why');
    return { kind, release, reason, ...(family === undefined ? {} : { family }) };
  }
  return {
    kind,
    release,
    ...(family === undefined ? {} : { family }),
    ...(reason === '' ? {} : { reason }),
  };
}

/**
 * Parses the `text` of a `/nodekeeper` slash command. Unknown or malformed input yields
 * `{kind:'usage', error}`; an empty text or `help` yields `{kind:'usage'}`. Pure; never throws.
 */
export function parseSlashCommand(text: string): SlashCommand {
  if (typeof text !== 'string') return usage('no command text');
  if (text.length > MAX_SLASH_TEXT) return usage('command text is too long');
  const decoded = decodeEntities(text).trim();
  if (decoded === '') return { kind: 'usage' };
  const [first = '', ...args] = decoded.split(/\s+/);
  const sub = first.toLowerCase();
  switch (sub) {
    case 'help':
      return { kind: 'usage' };
    case 'plan':
    case 'history':
      return optionalCluster(sub, args);
    case 'status':
    case 'resume':
      return args.length > 0 ? usage(`\`${sub}\` takes no arguments`) : { kind: sub };
    case 'patch':
      return parsePatch(args);
    case 'approve':
      return parseApprove(args);
    case 'recall':
    case 'unrecall':
      return parseRecall(sub, args);
    case 'pause': {
      const reason = decoded
        .slice(first.length)
        .replace(/\p{Cc}+/gu, ' ')
        .trim();
      if (reason === '') return { kind: 'pause' };
      if (reason.length > MAX_REASON)
        return usage(`the pause reason is longer than ${MAX_REASON} characters`);
      return { kind: 'pause', reason };
    }
    default:
      return usage(`unknown subcommand: ${shown(first)}`);
  }
}

/**
 * True for subcommands that change something (`patch`, `pause`, `resume`, `approve`, `recall`,
 * `unrecall`): these need the allowlist. Pure.
 */
export function isMutating(command: SlashCommand): boolean {
  return (
    command.kind === 'patch' ||
    command.kind === 'pause' ||
    command.kind === 'resume' ||
    command.kind === 'approve' ||
    command.kind === 'recall' ||
    command.kind === 'unrecall'
  );
}
