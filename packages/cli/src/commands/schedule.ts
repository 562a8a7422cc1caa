import { describeMoment, formatLocalTime, nextWindows, parseCron } from '@nodekeeper/core/safety';
import { parseFlags, parseIsoFlag } from '../args.ts';
import { loadConfig } from '../config.ts';
import { UsageError } from '../errors.ts';
import { renderTable, toJson } from '../output.ts';
import { type Command, ExitCode } from '../types/index.ts';

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'Print the next maintenance windows in local time and UTC',
  usage: `Usage: nodekeeper schedule [--config FILE] [--count N] [--from ISO] [--json]

Evaluates the config's schedule.cron (EventBridge Scheduler rules: 6 fields
"minutes hours day-of-month month day-of-week year", day-of-week 1-7 = SUN-SAT, L W #) in
schedule.timezone and prints the next maintenance windows. Each cron fire starts a scan and keeps
the window open for windowMinutes; fires that overlap or touch merge into one window.

Daylight saving time: a local time that does not exist (spring forward) does not fire; a local
time that happens twice (fall back) fires once, the first time, as EventBridge Scheduler does.

Budgets rely on repeated scans: maxConcurrentPerCluster (default 1) lets one update per cluster
start per scan, and node groups held back with 'budget' start at a later scan in the same window.
So scan repeatedly inside the window, e.g.
  "schedule": { "cron": "cron(0/30 3-6 ? * TUE-THU *)", "timezone": "Europe/Berlin", "windowMinutes": 30 }
scans every 30 minutes from 03:00 to 06:30 on Tuesday to Thursday (window 03:00-07:00 Berlin time).
A single daily fire (cron(0 3 ? * TUE-THU *) with windowMinutes 240) starts at most one update per
cluster per day.

Options:
  --config FILE  config file (default: ./nodekeeper.config.json)
  --count N      how many windows (default 5, at most 100)
  --from ISO     list windows open at or after this time (default: now)
  --json         print {cron, timezone, windowMinutes, windows:[{opensAt, closesAt, scans, local…}]}
  -h, --help     show this help

Exit codes: 0 ok; 2 bad input, or the config has no schedule.
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, {
      config: { type: 'string' },
      count: { type: 'string' },
      from: { type: 'string' },
      json: { type: 'boolean' },
    });
    const count = values.count === undefined ? 5 : Number(values.count);
    if (!Number.isInteger(count) || count < 1 || count > 100)
      throw new UsageError('--count must be a whole number from 1 to 100');
    const from = parseIsoFlag('from', values.from) ?? new Date();
    const config = loadConfig(ctx, values.config);
    const schedule = config.schedule;
    if (!schedule) {
      ctx.stderr(
        'nodekeeper schedule: the config has no "schedule"; without one every scan is inside the window.\n',
      );
      return ExitCode.badInput;
    }
    const parsed = parseCron(schedule.cron);
    if (parsed.kind === 'invalid') throw new UsageError(`schedule.cron: ${parsed.problems.join('; ')}`);
    const windows = nextWindows(schedule, from, count);
    const tz = schedule.timezone;
    if (values.json) {
      ctx.stdout(
        toJson({
          cron: schedule.cron,
          timezone: tz,
          windowMinutes: schedule.windowMinutes,
          windows: windows.map((w) => ({
            opensAt: w.opensAt.toISOString(),
            closesAt: w.closesAt.toISOString(),
            scans: w.scans,
            opensLocal: formatLocalTime(w.opensAt, tz),
            closesLocal: formatLocalTime(w.closesAt, tz),
          })),
        }),
      );
      return ExitCode.ok;
    }
    const lines = [`${schedule.cron} in ${tz}, ${schedule.windowMinutes} min per scan`, ''];
    if (windows.length === 0) {
      lines.push('The schedule never fires again.');
    } else {
      const rows = windows.map((w) => [
        `${formatLocalTime(w.opensAt, tz)} → ${formatLocalTime(w.closesAt, tz).slice(-5)}`,
        `${formatLocalTime(w.opensAt, 'UTC')} → ${formatLocalTime(w.closesAt, 'UTC').slice(-5)}`,
        String(w.scans),
      ]);
      lines.push(renderTable([`LOCAL (${tz})`, 'UTC', 'SCANS'], rows));
      const first = windows[0];
      if (first && first.opensAt.getTime() <= from.getTime()) {
        lines.push('', `The window is open now; it closes ${describeMoment(first.closesAt, tz)}.`);
      }
    }
    ctx.stdout(`${lines.join('\n')}\n`);
    return ExitCode.ok;
  },
};
