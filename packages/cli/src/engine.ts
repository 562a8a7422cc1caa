import {
  buildClients,
  createPlanPorts,
  DEFAULT_LEDGER_TABLE,
  homeRegion,
  pauseParameterName,
  quietLogger,
} from '@nodekeeper/aws';
import type { Config, FleetTarget } from '@nodekeeper/core/config';
import { PlanFactsWarningCode, type PlannedFleet, type PlanProgress, planFleet } from '@nodekeeper/core/plan';
import type { CommandContext } from './types/index.ts';

/** Region of the ledger table and the pause parameter: the composition root's one rule. Pure. */
export function homeRegionOf(env: CommandContext['env'], config: Config): string {
  return homeRegion(env, config);
}

export interface CliPlanOptions {
  config: Config;
  env: CommandContext['env'];
  /** Region of the ledger table and the pause flag. */
  homeRegion: string;
  now: Date;
  /** Regions to inspect; default: the config's. */
  regions?: readonly string[];
  /** `--ignore-window`. */
  ignoreWindow?: boolean;
  /** Also read the ledger records created since this time (the report's last rollouts and timeline). */
  historySince?: Date;
  /** Structured progress per target and cluster (a renderer decides what to show). */
  onProgress?: (progress: PlanProgress) => void;
  /** Progress lines (stderr in the CLI): one when each target starts and ends. */
  progress?: (line: string) => void;
  /** Facts that could not be read (the pause flag, the ledger): every rollout is then held. */
  warn: (line: string) => void;
  /** No ledger table: planned without history. */
  note: (line: string) => void;
}

function where(t: FleetTarget): string {
  return t.accountId ? `${t.accountId}/${t.region}` : t.region;
}

/**
 * The scan's plan pipeline (core `planFleet`) with the caller's credentials: every (account,
 * region) of the config through its read-only role, the pause flag and the ledger (table
 * NODEKEEPER_LEDGER_TABLE) in the home region. Read-only. Inspection failures become `error`
 * items; an unreadable pause flag or ledger holds every rollout and is reported through `warn`.
 */
export async function planForCli(options: CliPlanOptions): Promise<PlannedFleet> {
  const { config, env } = options;
  const clients = buildClients(config, { homeRegion: options.homeRegion });
  try {
    const ports = createPlanPorts({
      targets: clients,
      home: clients(null, options.homeRegion),
      ledgerTable: env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE,
      pauseParameter: pauseParameterName(env),
      // Inspection failures become `error` items; no JSON log lines on the terminal.
      logger: quietLogger(),
    });
    const planned = await planFleet(ports, {
      config,
      now: options.now,
      ...(options.regions ? { regions: options.regions } : {}),
      ...(options.ignoreWindow ? { ignoreWindow: true } : {}),
      ...(options.historySince ? { historySince: options.historySince } : {}),
      onProgress: (p) => {
        options.onProgress?.(p);
        if (p.phase === 'inspecting') options.progress?.(`inspecting ${where(p.target)}…`);
        if (p.phase === 'inspected') options.progress?.(`inspected ${where(p.target)}`);
      },
    });
    for (const w of planned.warnings) {
      if (w.code === PlanFactsWarningCode.ledgerMissing)
        options.note(
          `ledger table ${env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE} not found: planning without rollout history`,
        );
      else options.warn(w.message);
    }
    return planned;
  } finally {
    clients.destroy();
  }
}
