import { describe, expect, it } from 'vitest';
import { plan } from '../../src/planner.ts';
import { buildReport } from '../../src/report/build.ts';
import { renderReportHtml } from '../../src/report/html.ts';
import { renderReportTable } from '../../src/report/table.ts';
import { aCatalog, aNodegroup, anImage, anOldImage, aPolicy, NEW_AMI, NOW, OLD_AMI } from '../builders.ts';

const DAY = 86_400_000;
const AL2_IMAGE_PARAM = '/aws/service/eks/optimized-ami/1.32/amazon-linux-2/recommended/image_id';
const AL2_RELEASE_PARAM = '/aws/service/eks/optimized-ami/1.32/amazon-linux-2/recommended/release_version';
const AL2_LAST = 'ami-00000000000a12last';

/**
 * prod-a: `general` on AL2023 runs OLD_AMI, deprecated 3 days ago; `fresh` runs NEW_AMI, deprecated
 * in 12 days (MINIMAL, 1 node); `legacy` runs the last AL2 build (25%).
 */
function world() {
  const fleet = {
    nodegroups: [
      aNodegroup({
        currentImageId: OLD_AMI,
        updateConfig: { updateStrategy: 'DEFAULT', maxUnavailable: 2, maxUnavailablePercentage: null },
      }),
      aNodegroup({
        nodegroup: 'fresh',
        releaseVersion: '1.33.5-20261110',
        currentImageId: NEW_AMI,
        updateConfig: { updateStrategy: 'MINIMAL', maxUnavailable: 1, maxUnavailablePercentage: null },
      }),
      aNodegroup({
        nodegroup: 'legacy',
        // At its cluster's minor: a group behind it would hold with version-behind.
        clusterVersion: '1.32',
        amiType: 'AL2_x86_64',
        version: '1.32',
        releaseVersion: '1.32.9-20251209',
        currentImageId: AL2_LAST,
        updateConfig: { updateStrategy: null, maxUnavailable: null, maxUnavailablePercentage: 25 },
      }),
    ],
    errors: [],
  };
  const catalog = aCatalog({
    parameters: {
      '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id': NEW_AMI,
      '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/release_version':
        '1.33.5-20261110',
      [AL2_IMAGE_PARAM]: AL2_LAST,
      [AL2_RELEASE_PARAM]: '1.32.9-20251209',
    },
    images: [
      anImage({ deprecationTime: new Date(NOW.getTime() + 12 * DAY).toISOString() }),
      anOldImage({ deprecationTime: new Date(NOW.getTime() - 3 * DAY).toISOString() }),
      anImage({
        imageId: AL2_LAST,
        name: 'amazon-eks-node-1.32-v20251209',
        creationDate: '2025-12-09T05:12:44.000Z',
        deprecationTime: '2027-12-09T05:12:44.000Z',
      }),
    ],
  });
  const policy = aPolicy();
  return buildReport({
    fleet,
    catalog,
    plan: plan(fleet, catalog, policy, NOW),
    policy,
    history: [],
    ledger: { kind: 'ok', table: 't', records: 0 },
  });
}

describe('the report’s end of life', () => {
  const report = world();
  const byName = Object.fromEntries(report.clusters[0]?.nodegroups.map((n) => [n.nodegroup, n]) ?? []);

  it('lists deprecated images first, then deprecating ones, then families without new AMIs', () => {
    expect(report.endOfLife.map((n) => [n.nodegroup, n.code, n.daysToDeprecation])).toEqual([
      ['general', 'image-deprecated', -3],
      ['fresh', 'image-deprecating', 12],
      ['legacy', 'ami-family-end-of-life', null],
    ]);
    expect(report.summary.endOfLife).toEqual({ familyEndOfLife: 1, imageDeprecated: 1, imageDeprecating: 1 });
  });

  it('carries each node group’s update config and end of life', () => {
    expect(byName.fresh?.updateConfig).toEqual({
      updateStrategy: 'MINIMAL',
      maxUnavailable: 1,
      maxUnavailablePercentage: null,
    });
    expect(byName.legacy?.endOfLife?.familyEndOfLife?.endOfSupport).toBe('2025-11-26');
    expect(byName.general?.endOfLife?.image?.daysToDeprecation).toBe(-3);
  });

  it('shows both as columns and the notices under the tables in text', () => {
    const text = renderReportTable(report);
    expect(text).toContain(
      'end of life: 1 on a family without new AMIs, 1 on a deprecated image, 1 deprecating within 30 days',
    );
    expect(text).toMatch(/general .*deprecated 3 d ago\s+DEFAULT, max 2 nodes\s+roll/);
    expect(text).toMatch(/fresh .*deprecates in 12 d\s+MINIMAL, max 1 node\s+current/);
    expect(text).toMatch(/legacy .*al2 EOL 2025-11-26; deprecates in 384 d\s+max 25%\s+current/);
    expect(text).toContain(
      '  prod-a/legacy: EKS publishes no new AL2 AMIs since 2025-11-26 (Kubernetes 1.32 was the last): move to AL2023 or Bottlerocket (ami-family-end-of-life)',
    );
  });

  it('has an End of life section and columns in HTML', () => {
    const html = renderReportHtml(report);
    expect(html).toContain('<h2 id="end-of-life-h">End of life</h2>');
    expect(html).toContain('data-eol="image-deprecated"');
    expect(html).toContain('<th>End of life</th><th>Update</th>');
    expect(html).toContain('al2: no new AMIs since 2025-11-26');
    expect(html).toContain('MINIMAL<span class="s">max 1 node unavailable</span>');
  });

  it('says so when nothing is at its end', () => {
    const fleet = { nodegroups: [aNodegroup()], errors: [] };
    const catalog = aCatalog();
    const quiet = buildReport({
      fleet,
      catalog,
      plan: plan(fleet, catalog, aPolicy(), NOW),
      policy: aPolicy(),
      history: [],
      ledger: { kind: 'ok', table: 't', records: 0 },
    });
    expect(quiet.endOfLife).toEqual([]);
    expect(renderReportHtml(quiet)).toContain('No node group runs an AMI family without new images');
  });
});
