/**
 * Recorded AWS answers, replayed with no SDK and no HTTP: the zero-CPU transport of the scan
 * bench's structural measurement. `recordAnswers` taps the clients of a live run (after the SDK
 * parsed each answer); `replayClients` serves the same answers to the inspector after a latency
 * (seeded jitter), costing no CPU beyond the inspector's own. Answers to batched calls
 * (GetParameters, DescribeImages, DescribeLaunchTemplateVersions) are replayed per item, because a
 * batch's keys depend on timing; every other call is replayed exactly.
 */
import type { AwsClients } from '@nodekeeper/aws';
import { mulberry32 } from '@nodekeeper/sandbox';

interface Tagged {
  Name?: string;
  Value?: string;
}

/** The part of an SDK client the recorder needs (its middleware stack). */
interface Tappable {
  middlewareStack: { add(middleware: never, options: never): void };
}

/** What a live run's clients answered. */
export interface Recording {
  /** `Command|input JSON` → parsed output. */
  exact: Map<string, unknown>;
  parameters: Map<string, Tagged>;
  images: Map<string, { ImageId?: string; Name?: string }>;
  /** `templateId|version` → the version's description. */
  templateVersions: Map<string, Record<string, unknown>>;
  /** Answers recorded. */
  answers: number;
}

export function emptyRecording(): Recording {
  return {
    exact: new Map(),
    parameters: new Map(),
    images: new Map(),
    templateVersions: new Map(),
    answers: 0,
  };
}

const keyOf = (command: string, input: unknown) => `${command}|${JSON.stringify(input)}`;

function remember(rec: Recording, command: string, input: Record<string, unknown>, output: unknown): void {
  rec.answers += 1;
  const out = output as Record<string, unknown>;
  switch (command) {
    case 'GetParametersCommand':
      for (const p of (out.Parameters as Tagged[] | undefined) ?? [])
        if (p.Name) rec.parameters.set(p.Name, p);
      return;
    case 'DescribeImagesCommand':
      for (const i of (out.Images as Array<{ ImageId?: string }> | undefined) ?? [])
        if (i.ImageId) rec.images.set(i.ImageId, i);
      return;
    case 'DescribeLaunchTemplateVersionsCommand':
      for (const v of (out.LaunchTemplateVersions as Array<Record<string, unknown>> | undefined) ?? [])
        rec.templateVersions.set(`${String(v.LaunchTemplateId)}|${String(v.VersionNumber)}`, v);
      return;
    default:
      rec.exact.set(keyOf(command, input), out);
  }
}

/** Adds a middleware to each client that records every parsed answer into `rec`. */
export function recordAnswers(clients: Pick<AwsClients, 'eks' | 'ec2' | 'ssm'>, rec: Recording): void {
  for (const client of [clients.eks, clients.ec2, clients.ssm] as Tappable[]) {
    const tap =
      (next: (args: unknown) => Promise<{ output: unknown }>, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        const result = await next(args);
        remember(rec, context.commandName ?? 'Unknown', args.input, result.output);
        return result;
      };
    client.middlewareStack.add(tap as never, { step: 'initialize', name: 'benchRecord' } as never);
  }
}

function answer(rec: Recording, command: string, input: Record<string, unknown>): unknown {
  switch (command) {
    case 'GetParametersCommand': {
      const names = (input.Names as string[]) ?? [];
      return {
        Parameters: names.flatMap((n) => (rec.parameters.has(n) ? [rec.parameters.get(n)] : [])),
        InvalidParameters: names.filter((n) => !rec.parameters.has(n)),
      };
    }
    case 'DescribeImagesCommand': {
      const filter = (input.Filters as Array<{ Name: string; Values: string[] }>)[0];
      const values = new Set(filter?.Values ?? []);
      const all = [...rec.images.values()];
      if (filter?.Name === 'image-id') return { Images: all.filter((i) => values.has(i.ImageId ?? '')) };
      if (filter?.Name === 'name') return { Images: all.filter((i) => values.has(i.Name ?? '')) };
      throw new Error(`replay: no recorded answer for DescribeImages filtered by ${filter?.Name}`);
    }
    case 'DescribeLaunchTemplateVersionsCommand': {
      const id = String(input.LaunchTemplateId);
      const versions = (input.Versions as string[]) ?? [];
      return {
        LaunchTemplateVersions: versions.map((v) => {
          const found = rec.templateVersions.get(`${id}|${v}`);
          if (!found) throw new Error(`replay: no recorded version ${v} of ${id}`);
          return found;
        }),
      };
    }
    default: {
      const key = keyOf(command, input);
      if (!rec.exact.has(key)) throw new Error(`replay: no recorded answer for ${key}`);
      return rec.exact.get(key);
    }
  }
}

/**
 * Clients that answer from `rec` after `latencyMs` ± `jitterMs` (seeded), with no SDK, signing,
 * serialisation or sockets. `calls` counts the calls made.
 */
export function replayClients(
  rec: Recording,
  options: { latencyMs: number; jitterMs: number; seed: number },
): { clients: Pick<AwsClients, 'eks' | 'ec2' | 'ssm'>; calls: () => number } {
  const random = mulberry32(options.seed);
  let calls = 0;
  const client = {
    send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      calls += 1;
      const delay = Math.max(0, options.latencyMs + (random() * 2 - 1) * options.jitterMs);
      return new Promise((resolve, reject) => {
        setTimeout(() => {
          try {
            resolve(structuredClone(answer(rec, command.constructor.name, command.input)));
          } catch (err) {
            reject(err);
          }
        }, delay);
      });
    },
  };
  const clients = { eks: client, ec2: client, ssm: client } as unknown as Pick<
    AwsClients,
    'eks' | 'ec2' | 'ssm'
  >;
  return { clients, calls: () => calls };
}
