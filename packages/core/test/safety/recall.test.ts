import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { buildPlanSummaryMessage } from '../../src/messages/plan-summary.ts';
import { buildRecallNoticeMessage } from '../../src/messages/recall.ts';
import { planFleet } from '../../src/plan-pipeline.ts';
import { plan } from '../../src/planner.ts';
import { buildReport } from '../../src/report/build.ts';
import { renderReportHtml } from '../../src/report/html.ts';
import { renderReportTable } from '../../src/report/table.ts';
import { isRetryable, nextAttempt, recordsByKey } from '../../src/rollout/attempt.ts';
import { guardRollout } from '../../src/rollout/guard.ts';
import { rolloutKey } from '../../src/rollout/key.ts';
import { requestWithAttempt } from '../../src/rollout/scan.ts';
import { guardStep, rolloutRecord } from '../../src/rollout/steps.ts';
import type { LedgerPort, RolloutDeps } from '../../src/rollout/types.ts';
import { findRecall, type RecallNotice, recallCovers, recallNotices } from '../../src/safety/recall.ts';
import type { Recall } from '../../src/types/policy.ts';
import {
  aCatalog,
  aCustomNodegroup,
  aFleet,
  aNodegroup,
  anImage,
  aPolicy,
  NEW_AMI,
  NOW,
  OLD_AMI,
} from '../builders.ts';
import { nodegroupState, releaseRequest, scriptedPort, templateRequest } from '../rollout/builders.ts';

const BY = 'arn:aws:iam::111122223333:user/ana';

/** A recall of AL2023-era release 20261110 on every line, by ana on 2026-11-19. */
function aRecall(overrides: Partial<Recall> = {}): Recall {
  return {
    release: '20261110',
    family: null,
    reason: 'GPU nodes fail to join (awslabs/amazon-eks-ami#1744)',
    by: BY,
    at: '2026-11-19T12:00:00.000Z',
    ...overrides,
  };
}

const itemOf = (p: ReturnType<typeof plan>, nodegroup = 'general') =>
  p.items.find((i) => i.nodegroup === nodegroup);

describe('recallCovers', () => {
  describe('when the recall names a release', () => {
    it('covers that identity on every line, or on its own line only', () => {
      const subject = { family: 'al2023', release: '20261110', imageId: NEW_AMI };
      expect(recallCovers(aRecall(), subject)).toBe(true);
      expect(recallCovers(aRecall({ family: 'al2023' }), subject)).toBe(true);
      expect(recallCovers(aRecall({ family: 'al2' }), subject)).toBe(false);
      expect(recallCovers(aRecall({ release: '20261124' }), subject)).toBe(false);
    });

    it('covers a subject whose line is unknown (refusing is the safe side)', () => {
      expect(
        recallCovers(aRecall({ family: 'al2' }), { family: null, release: '20261110', imageId: null }),
      ).toBe(true);
    });
  });

  describe('when the recall names an image', () => {
    it('covers that AMI ID only', () => {
      const recall = aRecall({ release: NEW_AMI });
      expect(recallCovers(recall, { family: 'al2023', release: '20261110', imageId: NEW_AMI })).toBe(true);
      expect(recallCovers(recall, { family: 'al2023', release: '20261110', imageId: OLD_AMI })).toBe(false);
    });
  });

  it('finds the newest covering recall', () => {
    const older = aRecall({ at: '2026-11-18T00:00:00.000Z' });
    const newer = aRecall({ family: 'al2023', at: '2026-11-19T13:00:00.000Z' });
    expect(findRecall([older, newer], { family: 'al2023', release: '20261110', imageId: null })).toBe(newer);
  });
});

describe('plan', () => {
  describe('when the target release is recalled', () => {
    it('skips with recalled, naming the recall, who, when, why and how to lift it', () => {
      const p = plan(aFleet([aNodegroup()]), aCatalog(), aPolicy({ recalls: [aRecall()] }), NOW);
      const item = itemOf(p);
      expect(item).toMatchObject({ decision: 'skip', reason: 'recalled' });
      expect(item?.message).toBe(
        `1.33.5-20261110 is recalled by ${BY} at 2026-11-19 12:00 UTC: GPU nodes fail to join (awslabs/amazon-eks-ami#1744) (recall of 20261110); lift with \`nodekeeper unrecall 20261110\``,
      );
      expect(item?.target).toEqual({ releaseVersion: '1.33.5-20261110', imageId: NEW_AMI });
    });

    it('rolls when the recall names another line', () => {
      const p = plan(
        aFleet([aNodegroup()]),
        aCatalog(),
        aPolicy({ recalls: [aRecall({ family: 'al2' })] }),
        NOW,
      );
      expect(itemOf(p)?.decision).toBe('roll');
    });

    it('names the line in the lift command of a line-scoped recall', () => {
      const p = plan(
        aFleet([aNodegroup()]),
        aCatalog(),
        aPolicy({ recalls: [aRecall({ family: 'al2023' })] }),
        NOW,
      );
      expect(itemOf(p)?.message).toContain('`nodekeeper unrecall 20261110 --family al2023`');
    });

    it('holds even a paused plan with recalled (the recall is the reason to fix first)', () => {
      const p = plan(
        aFleet([aNodegroup()]),
        aCatalog(),
        aPolicy({ recalls: [aRecall()], paused: { reason: 'freeze', by: null, at: null } }),
        NOW,
      );
      expect(itemOf(p)?.reason).toBe('recalled');
    });
  });

  describe('when the target image is recalled by AMI ID', () => {
    it('skips a custom-AMI group rolling to it', () => {
      const ng = aCustomNodegroup(OLD_AMI);
      const p = plan(aFleet([ng]), aCatalog(), aPolicy({ recalls: [aRecall({ release: NEW_AMI })] }), NOW);
      expect(itemOf(p, 'custom')).toMatchObject({ decision: 'skip', reason: 'recalled' });
      expect(itemOf(p, 'custom')?.message).toMatch(new RegExp(`^${NEW_AMI} is recalled by `));
    });
  });

  describe('when a node group already runs a recalled release', () => {
    it('warns on a current group that there is nothing to roll forward to', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.5-20261110' });
      const p = plan(aFleet([ng]), aCatalog(), aPolicy({ recalls: [aRecall()] }), NOW);
      const item = itemOf(p);
      expect(item?.decision).toBe('current');
      expect(item?.warnings).toEqual([
        {
          code: 'running-recalled',
          message: `runs 1.33.5-20261110, recalled by ${BY} at 2026-11-19 12:00 UTC: GPU nodes fail to join (awslabs/amazon-eks-ami#1744) (recall of 20261110); no newer release to roll forward to: wait for a fixed release, or replace the node group with one on an earlier release (EKS cannot roll a node group back to an earlier AMI version, so \`nodekeeper rollback\` refuses EKS AMI node groups)`,
        },
      ]);
    });

    it('says it rolls forward when a newer release rolls now', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.4-20261001' });
      const p = plan(aFleet([ng]), aCatalog(), aPolicy({ recalls: [aRecall({ release: '20261001' })] }), NOW);
      expect(itemOf(p)?.decision).toBe('roll');
      expect(itemOf(p)?.warnings?.[0]?.message).toMatch(/; rolls forward to 1\.33\.5-20261110 in this run$/);
    });

    it('says a newer release waits behind a hold', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.4-20261001' });
      const p = plan(
        aFleet([ng]),
        aCatalog(),
        aPolicy({
          recalls: [aRecall({ release: '20261001' })],
          paused: { reason: null, by: null, at: null },
        }),
        NOW,
      );
      expect(itemOf(p)?.warnings?.[0]?.message).toMatch(
        /; roll forward: 1\.33\.5-20261110 is newer, held now by paused$/,
      );
    });

    it('warns a custom-AMI group on a recalled image, by AMI ID or by the release in its name', () => {
      const ng = aCustomNodegroup(NEW_AMI);
      for (const recall of [aRecall({ release: NEW_AMI }), aRecall({ family: 'al2023' })]) {
        const p = plan(aFleet([ng]), aCatalog(), aPolicy({ recalls: [recall] }), NOW);
        expect(
          itemOf(p, 'custom')?.warnings?.map((w) => w.code),
          recall.release,
        ).toEqual(['running-recalled']);
        expect(itemOf(p, 'custom')?.warnings?.[0]?.message).toMatch(
          new RegExp(
            `^runs ${NEW_AMI}, recalled by .*; no newer image to roll forward to: roll back to the image it ran before with \`nodekeeper rollback [^\`]+\``,
          ),
        );
      }
    });

    it('warns an EKS-AMI group on a recalled image, found by the name its release implies', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.4-20261001', currentImageId: OLD_AMI });
      const p = plan(aFleet([ng]), aCatalog(), aPolicy({ recalls: [aRecall({ release: OLD_AMI })] }), NOW);
      expect(itemOf(p)?.decision).toBe('roll');
      expect(itemOf(p)?.warnings?.[0]?.message).toMatch(
        new RegExp(`^runs 1\\.33\\.4-20261001, recalled by .* \\(recall of ${OLD_AMI}\\); rolls forward to`),
      );
    });

    it('warns nothing when no recall covers what it runs', () => {
      const ng = aNodegroup({ releaseVersion: '1.33.5-20261110' });
      const p = plan(
        aFleet([ng]),
        aCatalog(),
        aPolicy({ recalls: [aRecall({ family: 'bottlerocket' })] }),
        NOW,
      );
      expect(itemOf(p)?.warnings).toBeUndefined();
    });
  });
});

describe('guardRollout', () => {
  describe('when the target was recalled after planning', () => {
    it('refuses with recalled, naming the recall', () => {
      const decision = guardRollout(
        releaseRequest({ family: 'al2023' }),
        nodegroupState(),
        { paused: false, reason: null },
        [aRecall()],
      );
      expect(decision).toEqual({
        kind: 'not-started',
        reason: 'recalled',
        message: `prod-a/general: 1.33.5-20261110 is recalled by ${BY} at 2026-11-19 12:00 UTC: GPU nodes fail to join (awslabs/amazon-eks-ami#1744) (recall of 20261110); lift with \`nodekeeper unrecall 20261110\``,
      });
    });

    it('proceeds when the recall names another line', () => {
      const decision = guardRollout(
        releaseRequest({ family: 'al2023' }),
        nodegroupState(),
        { paused: false, reason: null },
        [aRecall({ family: 'al2' })],
      );
      expect(decision).toEqual({ kind: 'proceed' });
    });

    it('refuses a request planned without its line when a recall of its release names any line', () => {
      const decision = guardRollout(releaseRequest(), nodegroupState(), { paused: false, reason: null }, [
        aRecall({ family: 'al2' }),
      ]);
      expect(decision).toMatchObject({ kind: 'not-started', reason: 'recalled' });
    });

    it('refuses a launch-template rollout to a recalled AMI', () => {
      const decision = guardRollout(
        templateRequest({ family: 'al2023' }),
        nodegroupState({
          releaseVersion: 'ami-0old',
          launchTemplate: { id: 'lt-01', name: 'custom', version: '4' },
        }),
        { paused: false, reason: null },
        [aRecall({ release: 'ami-0new' })],
      );
      expect(decision).toMatchObject({ kind: 'not-started', reason: 'recalled' });
    });
  });
});

describe('guardStep', () => {
  it('reads the recalls on every guard and records nothing itself', async () => {
    let reads = 0;
    const ledger = { get: async () => null } as unknown as LedgerPort;
    const deps: RolloutDeps = {
      aws: scriptedPort({}).port,
      ledger,
      pause: { read: async () => ({ paused: false, reason: null }) },
      recalls: {
        list: async () => {
          reads += 1;
          return [aRecall()];
        },
      },
      notify: async () => ({ ok: true, ts: null }),
      now: () => NOW,
    };
    const decision = await guardStep(releaseRequest({ family: 'al2023' }), deps);
    expect(decision).toMatchObject({ kind: 'not-started', reason: 'recalled' });
    expect(reads).toBe(1);
  });

  it('throws when the recalls cannot be read (the program records GuardFailed)', async () => {
    const deps = {
      aws: scriptedPort({}).port,
      ledger: { get: async () => null } as unknown as LedgerPort,
      pause: { read: async () => ({ paused: false, reason: null }) },
      recalls: {
        list: async () => {
          throw new Error('AccessDeniedException');
        },
      },
      notify: async () => ({ ok: true as const, ts: null }),
      now: () => NOW,
    } satisfies RolloutDeps;
    await expect(guardStep(releaseRequest(), deps)).rejects.toThrow('AccessDeniedException');
  });
});

describe('attempts after a recall', () => {
  it('treats not-started recalled as "not now", so the next scan after unrecall starts attempt 2', () => {
    const request = releaseRequest();
    const record = rolloutRecord(request, {
      outcome: 'not-started',
      reason: 'recalled',
      createdAt: NOW.toISOString(),
      finishedAt: NOW.toISOString(),
    });
    expect(isRetryable(record)).toBe(true);
    const { attempt: _attempt, ...rest } = request;
    expect(nextAttempt(recordsByKey([record]), rest)).toBe(2);
    expect(rolloutKey({ ...request, attempt: 2 })).not.toBe(record.key);
  });
});

describe('requestWithAttempt', () => {
  it('carries the target line the planner read, for the guard', () => {
    const p = plan(aFleet([aNodegroup()]), aCatalog(), aPolicy(), NOW);
    const item = itemOf(p);
    if (!item) throw new Error('no item');
    expect(requestWithAttempt(item, null, { familyOf: () => 'al2023' })?.family).toBe('al2023');
    expect(requestWithAttempt(item, null, {})).not.toHaveProperty('family');
  });
});

describe('planFleet', () => {
  const config = parseConfig({ regions: ['us-east-1'], clusters: ['prod-*'] });
  const ports = (recalls: { list(): Promise<Recall[]> }, isLedgerMissing = () => false) => ({
    inspect: async () => ({ fleet: aFleet([aNodegroup()]), catalog: aCatalog() }),
    pause: { read: async () => ({ paused: false, reason: null }) },
    ledger: { listHistory: async () => [] },
    approvals: { list: async () => [] },
    recalls,
    isLedgerMissing,
  });

  it('plans with the active recalls', async () => {
    const planned = await planFleet(ports({ list: async () => [aRecall()] }), { config, now: NOW });
    expect(planned.plan.items[0]).toMatchObject({ decision: 'skip', reason: 'recalled' });
    expect(planned.policy.recalls).toEqual([aRecall()]);
    const [request] = (await import('../../src/plan-pipeline.ts')).plannedRolloutRequests(
      await planFleet(ports({ list: async () => [] }), { config, now: NOW }),
      { runId: 'run-1', config },
    );
    expect(request?.request.family).toBe('al2023');
  });

  it('holds every roll with state-unreadable when the recalls cannot be read', async () => {
    const planned = await planFleet(
      ports({
        list: async () => {
          throw new Error('ThrottlingException');
        },
      }),
      { config, now: NOW },
    );
    expect(planned.plan.items[0]).toMatchObject({ decision: 'skip', reason: 'state-unreadable' });
    expect(planned.warnings.map((w) => w.code)).toEqual(['ledger-unreadable']);
    expect(planned.warnings[0]?.message).toContain('ThrottlingException');
  });

  it('plans without recalls when the ledger table does not exist', async () => {
    const missing = Object.assign(new Error('no table'), { code: 'ResourceNotFoundException' });
    const planned = await planFleet(
      {
        ...ports(
          {
            list: async () => {
              throw missing;
            },
          },
          () => true,
        ),
        ledger: {
          listHistory: async () => {
            throw missing;
          },
        },
        approvals: {
          list: async () => {
            throw missing;
          },
        },
      },
      { config, now: NOW },
    );
    expect(planned.plan.items[0]?.decision).toBe('roll');
    expect(planned.ledger.kind).toBe('missing');
  });
});

describe('the report and the plan summary', () => {
  const recall = aRecall();
  const fleet = aFleet([
    aNodegroup({ nodegroup: 'general', releaseVersion: '1.33.5-20261110' }),
    aNodegroup({ nodegroup: 'gpu', releaseVersion: '1.33.4-20261001' }),
  ]);
  const catalog = aCatalog({ images: [anImage(), anImage({ imageId: OLD_AMI })] });
  const policy = aPolicy({ recalls: [recall] });
  const p = plan(fleet, catalog, policy, NOW);

  it('lists the active recalls and the node groups running them, and explains the hold', () => {
    const report = buildReport({
      fleet,
      catalog,
      plan: p,
      policy,
      history: [],
      ledger: { kind: 'ok', table: 't', records: 0 },
    });
    expect(report.recalls.active).toEqual([recall]);
    expect(report.recalls.running).toEqual([
      expect.objectContaining({
        cluster: 'prod-a',
        nodegroup: 'general',
        running: '1.33.5-20261110',
        recall,
      }),
    ]);
    expect(report.holds.find((h) => h.reason === 'recalled')).toMatchObject({
      title: 'Recalled',
      items: [expect.objectContaining({ nodegroup: 'gpu' })],
    });
    expect(report.clusters[0]?.nodegroups.find((n) => n.nodegroup === 'gpu')?.nextRoll.kind).toBe('blocked');

    const table = renderReportTable(report);
    expect(table).toContain(
      `Recalls:\n  20261110 recalled by ${BY} at 2026-11-19T12:00:00.000Z: ${recall.reason} (\`nodekeeper unrecall 20261110\` lifts it)\n  prod-a/general: runs 1.33.5-20261110, recalled by`,
    );
    const html = renderReportHtml(report);
    expect(html).toContain('<section id="recalls"');
    expect(html).toContain('data-recalled="prod-a/general"');
  });

  it('has no recalls section when nothing is recalled', () => {
    const none = buildReport({
      fleet,
      catalog,
      plan: plan(fleet, catalog, aPolicy(), NOW),
      policy: aPolicy(),
      history: [],
      ledger: { kind: 'ok', table: 't', records: 0 },
    });
    expect(none.recalls).toEqual({ active: [], running: [] });
    expect(renderReportTable(none)).not.toContain('Recalls:');
    expect(renderReportHtml(none)).not.toContain('id="recalls"');
  });

  it('makes one notice per recall: who runs it, with the advice, and how many rollouts it holds', () => {
    const other = aRecall({ release: '1.50.0', family: 'bottlerocket', at: '2026-11-19T13:00:00.000Z' });
    const notices = recallNotices({ fleet, catalog, plan: p, policy: { recalls: [recall, other] } });
    expect(notices.map((n) => [n.noticeKey, n.running.map((r) => r.group), n.held])).toEqual([
      ['recalled/*/20261110/2026-11-19T12:00:00.000Z', ['prod-a/general'], 1],
      ['recalled/bottlerocket/1.50.0/2026-11-19T13:00:00.000Z', [], 0],
    ]);
    const message = buildRecallNoticeMessage(notices[0] as RecallNotice);
    const text = JSON.stringify(message);
    expect(message.text).toBe(`Release 20261110 recalled by ${BY}: ${recall.reason}; 1 node group runs it`);
    expect(text).toContain('Release 20261110 recalled');
    expect(text).toContain('1 planned rollout held');
    expect(text).toContain('`prod-a/general` runs 1.33.5-20261110, recalled by');
    expect(text).toContain('`nodekeeper unrecall 20261110`');
    expect(JSON.stringify(buildRecallNoticeMessage(notices[1] as RecallNotice))).toContain(
      'No node group runs it.',
    );
  });

  it('has a section in the Slack plan summary', () => {
    const text = JSON.stringify(buildPlanSummaryMessage(p));
    expect(text).toContain('Running a recalled image* (1)');
    expect(text).toContain('`prod-a/general` runs 1.33.5-20261110, recalled by');
  });
});
