import type { CommandRecord, SandboxState } from '../state.ts';
import { stableHex } from '../state.ts';
import { type CommandStatus, commandStatusAt, invocationStatusAt } from './ssm.ts';

/**
 * A minimal EventBridge: the default event bus of one (account, region), holding the events that
 * (account, region)'s SSM produces, and nothing from anywhere else (EventBridge is regional). Rules
 * and targets are not modelled; tests route these events themselves.
 *
 * - Run Command: `EC2 Command Status-change Notification` and `EC2 Command Invocation
 *   Status-change Notification` for every status a command and each of its invocations takes,
 *   at the instant it takes it (derived from the command's schedule and the sandbox clock).
 * - Parameter Store: `Parameter Store Change` (`Create` / `Update`) for every PutParameter.
 *
 * Shapes follow shared/realcases/eventbridge_ssm_*.json and the Systems Manager user guide's
 * "Amazon EventBridge event examples for Systems Manager".
 */

/** One event as EventBridge delivers it to a target. */
export interface SandboxEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO 8601 to the second, as EventBridge writes it (`2016-07-10T21:51:32Z`). */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** What SSM tells its bus directly (commands are read from the state instead). */
export interface EventSink {
  parameterChanged(
    parameter: { name: string; type: string; arn: string },
    operation: 'Create' | 'Update',
  ): void;
}

export const CommandStatusDetailType = 'EC2 Command Status-change Notification';
export const InvocationStatusDetailType = 'EC2 Command Invocation Status-change Notification';
export const ParameterChangeDetailType = 'Parameter Store Change';

/** EventBridge's `time`: seconds precision. */
function eventTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A stable UUID-shaped event ID, so reading the bus twice gives the same events. */
function eventId(seed: string): string {
  const h = stableHex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The default event bus of one (account, region) of the sandbox. */
export class DefaultEventBus implements EventSink {
  private readonly parameterEvents: Array<{ at: Date; event: SandboxEvent }> = [];

  private readonly state: SandboxState;

  constructor(state: SandboxState) {
    this.state = state;
  }

  private get account(): string {
    return this.state.fleet.accountId;
  }

  private get region(): string {
    return this.state.fleet.region;
  }

  private instanceArn(instanceId: string): string {
    return `arn:aws:ec2:${this.region}:${this.account}:instance/${instanceId}`;
  }

  private envelope(
    detailType: string,
    at: Date,
    seed: string,
    resources: string[],
    detail: Record<string, unknown>,
  ): SandboxEvent {
    return {
      version: '0',
      id: eventId(`${this.account}|${this.region}|${seed}`),
      'detail-type': detailType,
      source: 'aws.ssm',
      account: this.account,
      time: eventTime(at),
      region: this.region,
      resources,
      detail,
    };
  }

  parameterChanged(
    parameter: { name: string; type: string; arn: string },
    operation: 'Create' | 'Update',
  ): void {
    const at = this.state.now();
    const seed = `parameter|${parameter.name}|${this.parameterEvents.length}`;
    this.parameterEvents.push({
      at,
      event: this.envelope(ParameterChangeDetailType, at, seed, [parameter.arn], {
        operation,
        name: parameter.name,
        type: parameter.type,
      }),
    });
  }

  /** The status changes of one command up to `now`: each invocation's, then the command's, per instant. */
  private commandEvents(c: CommandRecord, now: number): Array<{ at: Date; event: SandboxEvent }> {
    const instants = [
      ...new Set([
        c.requestedAt.getTime(),
        ...c.invocations.flatMap((i) => [i.startAt.getTime(), i.endAt.getTime()]),
      ]),
    ]
      .filter((t) => t <= now)
      .sort((a, b) => a - b);
    const out: Array<{ at: Date; event: SandboxEvent }> = [];
    const lastOf = new Map<string, CommandStatus>();
    const common = {
      'command-id': c.commandId,
      'document-name': c.documentName,
    };
    for (const t of instants) {
      const at = new Date(t);
      for (const inv of c.invocations) {
        const status = invocationStatusAt(inv, t);
        if (lastOf.get(inv.instanceId) === status) continue;
        lastOf.set(inv.instanceId, status);
        out.push({
          at,
          event: this.envelope(
            InvocationStatusDetailType,
            at,
            `${c.commandId}|${inv.instanceId}|${status}`,
            [this.instanceArn(inv.instanceId)],
            {
              ...common,
              'instance-id': inv.instanceId,
              'requested-date-time': c.requestedAt.toISOString(),
              status,
            },
          ),
        });
      }
      const status = commandStatusAt(c, t);
      if (lastOf.get('') === status) continue;
      lastOf.set('', status);
      out.push({
        at,
        event: this.envelope(
          CommandStatusDetailType,
          at,
          `${c.commandId}|${status}`,
          c.invocations.map((i) => this.instanceArn(i.instanceId)),
          {
            ...common,
            'expire-after': c.expiresAfter.toISOString(),
            parameters: structuredClone(c.parameters),
            'requested-date-time': c.requestedAt.toISOString(),
            status,
          },
        ),
      });
    }
    return out;
  }

  /** Every event on this bus up to the sandbox's now, oldest first (a copy). */
  events(): SandboxEvent[] {
    const now = this.state.now().getTime();
    const all = [
      ...this.state.commands.flatMap((c) => this.commandEvents(c, now)),
      ...this.parameterEvents.filter((p) => p.at.getTime() <= now),
    ];
    // Stable: at one instant, invocations come before their command.
    return all.sort((a, b) => a.at.getTime() - b.at.getTime()).map((e) => structuredClone(e.event));
  }
}
