import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '@nodekeeper/core/plan';
import { demoFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxEnv } from '../helpers/cli.ts';
import { runCliInProcess } from '../helpers/simulation.ts';

/**
 * `nodekeeper recall` and `unrecall` over real HTTP against the sandbox (STS for who, DynamoDB for
 * the ledger), run in-process through the CLI's `main`; `plan` reads what they wrote. One clock: the
 * sandbox, the recall's time and every plan run on the process clock.
 */

const savedEnv = { ...process.env };

const runCli = runCliInProcess;

const config = join(tmpdir(), `nodekeeper-recall-${process.pid}.json`);

describe('nodekeeper recall and unrecall against the sandbox', () => {
  let sb: Sandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    writeFileSync(
      config,
      JSON.stringify({ regions: ['us-east-1'], clusters: ['prod-a'], maxConcurrentPerCluster: 5 }),
    );
    sb = await startSandbox({ fleet: demoFleet(), ledgerTables: ['recall-cli'] });
    env = sandboxEnv(sb.endpoint, { NODEKEEPER_LEDGER_TABLE: 'recall-cli', USER: 'tester' });
    Object.assign(process.env, env);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await sb.close();
  });

  const planAt = async () => {
    const result = await runCli(['plan', '--config', config, '--json'], env);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as Plan;
  };
  const general = (p: Plan) => p.items.find((i) => i.cluster === 'prod-a' && i.nodegroup === 'general');
  const writes = () =>
    sb.calls().filter((c) => c.operation === 'PutItem' || c.operation === 'UpdateItem').length;

  describe('when the input is bad', () => {
    it('refuses without writing anything: no reason, no release, an unknown scheme, a line beside an AMI ID', async () => {
      const before = writes();
      const cases: Array<[string[], string]> = [
        [['recall', '1.33.5-20261110'], '--reason is required'],
        [['recall', '1.33.5-20261110', '--reason', '  '], '--reason is required'],
        [['recall', '--reason', 'bad'], 'expected the release or AMI ID to recall'],
        [['recall', 'next-tuesday', '--reason', 'bad'], "'next-tuesday' is not a release version"],
        [['recall', 'ami-0abc', '--family', 'al2023', '--reason', 'bad'], 'drop --family al2023'],
        [['recall', '20261110', '--family', 'al2024', '--reason', 'bad'], '--family must be one of'],
        [['recall', '20261110', '--list'], '--list takes no release'],
        [['unrecall'], 'expected the release or AMI ID to unrecall'],
      ];
      for (const [args, message] of cases) {
        const result = await runCli(args, env);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr, args.join(' ')).toContain(message);
        expect(result.stderr).toContain(`Run \`nodekeeper ${args[0]} --help\``);
      }
      expect(writes()).toBe(before);
    });

    it('documents both commands and their exit codes', async () => {
      for (const name of ['recall', 'unrecall']) {
        const help = await runCli([name, '--help'], env);
        expect(help.code).toBe(0);
        expect(help.stdout).toContain(`Usage: nodekeeper ${name} <release|ami-id>`);
        expect(help.stdout).toContain('Exit codes: 0 ');
      }
      const top = await runCli(['--help'], env);
      expect(top.stdout).toMatch(/recall +Recall a bad release or image fleet-wide, now/);
      expect(top.stdout).toMatch(/unrecall +Lift a recall/);
    });
  });

  describe('when a release is recalled and the recall lifted', () => {
    it('holds its rollouts with who, when and why until unrecall, keeping the trail', async () => {
      expect(general(await planAt())).toMatchObject({ decision: 'roll' });

      const recalled = await runCli(
        ['recall', '1.33.5-20261110', '--reason', 'GPU nodes fail to join', '--json'],
        env,
      );
      expect(recalled.code).toBe(0);
      const out = JSON.parse(recalled.stdout) as { result: string; visible: boolean; recall: { by: string } };
      expect(out).toMatchObject({
        result: 'recorded',
        visible: true,
        recall: { release: '20261110', family: null, reason: 'GPU nodes fail to join', active: true },
      });
      // Who: the caller's STS identity, as for approve and pause.
      expect(out.recall.by).toMatch(/^arn:aws:(iam|sts)::\d{12}:/);

      const held = general(await planAt());
      expect(held).toMatchObject({ decision: 'skip', reason: 'recalled' });
      expect(held?.message).toContain(`recalled by ${out.recall.by}`);
      expect(held?.message).toContain('GPU nodes fail to join');
      expect(held?.message).toContain('`nodekeeper unrecall 20261110`');

      const again = await runCli(['recall', '20261110', '--reason', 'twice'], env);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('already recalled 20261110 by');
      expect(again.stdout).toContain(': GPU nodes fail to join');

      const listed = await runCli(['recall', '--list', '--json'], env);
      expect(JSON.parse(listed.stdout)).toMatchObject({ recalls: [{ release: '20261110', active: true }] });
      const table = await runCli(['recall', '--list'], env);
      expect(table.stdout).toMatch(/20261110 +\(every line\) +active/);

      const wrongLine = await runCli(['unrecall', '20261110', '--family', 'al2023'], env);
      expect(wrongLine.code).toBe(2);
      expect(wrongLine.stderr).toContain(
        '20261110 (al2023) was never recalled; active: `nodekeeper unrecall 20261110`',
      );

      const lifted = await runCli(
        ['unrecall', '1.33.5-20261110', '--reason', 'fixed upstream', '--json'],
        env,
      );
      expect(lifted.code).toBe(0);
      expect(JSON.parse(lifted.stdout)).toMatchObject({
        result: 'lifted',
        recall: { release: '20261110', active: false, lifted: { reason: 'fixed upstream' } },
      });
      expect(general(await planAt())).toMatchObject({ decision: 'roll' });

      const twice = await runCli(['unrecall', '20261110'], env);
      expect(twice.code).toBe(0);
      expect(twice.stdout).toContain('20261110 is not recalled: lifted by');

      expect((await runCli(['recall', '--list'], env)).stdout).toBe('no active recalls\n');
      const all = await runCli(['recall', '--list', '--all'], env);
      expect(all.stdout).toMatch(/20261110 +\(every line\) +lifted /);
      expect(all.stdout).toContain('lifted by');
      expect(all.stdout).toContain(': fixed upstream');
    });
  });
});
