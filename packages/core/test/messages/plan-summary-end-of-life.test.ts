import { describe, expect, it } from 'vitest';
import { buildPlanSummaryMessage } from '../../src/messages/plan-summary.ts';
import { plan } from '../../src/planner.ts';
import { aCatalog, aFleet, aNodegroup, anImage, anOldImage, aPolicy, NOW, OLD_AMI } from '../builders.ts';

const DAY = 86_400_000;

describe('buildPlanSummaryMessage', () => {
  describe('when node groups are at their end of life', () => {
    it('adds an End of life section naming them, most urgent first, with the advice for a family', () => {
      const fleet = aFleet([
        aNodegroup({ currentImageId: OLD_AMI }),
        aNodegroup({
          nodegroup: 'legacy',
          amiType: 'AL2_x86_64',
          version: '1.32',
          releaseVersion: '1.32.9-20251209',
        }),
      ]);
      const catalog = aCatalog({
        images: [anImage(), anOldImage({ deprecationTime: new Date(NOW.getTime() - 2 * DAY).toISOString() })],
      });
      const text = JSON.stringify(buildPlanSummaryMessage(plan(fleet, catalog, aPolicy(), NOW)).blocks);
      const section = JSON.parse(text).find((b: { text?: { text?: string } }) =>
        b.text?.text?.startsWith('*End of life*'),
      )?.text?.text;
      expect(section).toBe(
        [
          '*End of life*',
          '• `image-deprecated` 1 node group, running a deprecated image: `prod-a/general`',
          '• `ami-family-end-of-life` 1 node group, AMI family without new images (move to AL2023 or Bottlerocket): `prod-a/legacy`',
        ].join('\n'),
      );
    });

    it('has no such section otherwise', () => {
      const message = buildPlanSummaryMessage(plan(aFleet([aNodegroup()]), aCatalog(), aPolicy(), NOW));
      expect(JSON.stringify(message.blocks)).not.toContain('End of life');
    });
  });
});
