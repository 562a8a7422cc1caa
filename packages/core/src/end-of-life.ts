/**
 * End of life of what node groups run: AMI families whose EKS-optimized AMIs AWS has stopped (or
 * announced it will stop) publishing, and the EC2 `DeprecationTime` of each node group's running
 * image. The family table is data with its sources; everything here is pure (time is passed in).
 */
import { AmiFamily, amiFamily, identifyAmiByName } from './catalog.ts';
import { currentCustomImageId, isCustom } from './targets.ts';
import type { CatalogSnapshot, Fleet, ImageFacts, NodegroupFacts } from './types/fleet.ts';
import {
  Decision,
  type EndOfLife,
  type FamilyEndOfLife,
  type PlanItem,
  type PlanWarning,
  PlanWarningCode,
} from './types/plan.ts';

const DAY_MS = 86_400_000;

/**
 * A running image whose `DeprecationTime` is at most this many whole days away gets an
 * `image-deprecating` warning (one already past gets `image-deprecated`).
 */
export const DEPRECATION_WARNING_DAYS = 30;

/** An announced end, with the short name messages use. */
export interface FamilyEndOfLifeEntry extends FamilyEndOfLife {
  /** How messages name the family, e.g. `AL2`. */
  label: string;
}

/**
 * AMI families with an announced end of EKS-optimized AMIs. Only what AWS announced:
 *
 * - AL2 (`AL2_x86_64`, `AL2_x86_64_GPU`, `AL2_ARM_64`): "AWS will end support for EKS
 *   AL2-optimized and AL2-accelerated AMIs, effective November 26, 2025 … EKS will no longer
 *   release any new Kubernetes versions or updates to AL2 AMIs"; "Kubernetes version 1.32 is the
 *   last version for which Amazon EKS will release AL2 AMIs"; "We recommend upgrading to Amazon
 *   Linux 2023 (AL2023) or Bottlerocket AMIs" (EKS user guide, AL2 AMI deprecation).
 *
 * Not listed: Windows Server 2019, 2022 and 2025, whose EKS end-of-support dates are blank in the
 * EKS user guide's Windows release calendar; AL2023 and Bottlerocket (no announced end).
 */
export const AMI_FAMILY_END_OF_LIFE: readonly FamilyEndOfLifeEntry[] = [
  {
    family: AmiFamily.al2,
    label: 'AL2',
    endOfSupport: '2025-11-26',
    lastKubernetesVersion: '1.32',
    advice: 'move to AL2023 or Bottlerocket',
    source: 'https://docs.aws.amazon.com/eks/latest/userguide/eks-ami-deprecation-faqs.html',
  },
];

/** The announced end of `family`, or null. Pure. */
export function familyEndOfLife(family: string | null): FamilyEndOfLifeEntry | null {
  return AMI_FAMILY_END_OF_LIFE.find((e) => e.family === family) ?? null;
}

/** The AMI `ng` runs: a CUSTOM group's launch template image, else the image its release names. Pure. */
function runningImageId(ng: NodegroupFacts): string | null {
  return isCustom(ng) ? currentCustomImageId(ng) : (ng.currentImageId ?? null);
}

/** Whole days from `now` to `iso`, truncated toward zero (negative once past). Pure. */
function wholeDaysUntil(iso: string, now: Date): number {
  const ms = Date.parse(iso) - now.getTime();
  const days = Math.floor(Math.abs(ms) / DAY_MS);
  return ms < 0 && days > 0 ? -days : days;
}

/**
 * The end of life of what `ng` runs as of `now`: its family (from the amiType, or for a CUSTOM
 * group from its image's EKS-optimized name), the family's announced end, and its running image
 * with the days left to its `DeprecationTime`. Pure.
 */
export function endOfLifeOf(ng: NodegroupFacts, catalog: CatalogSnapshot, now: Date): EndOfLife {
  const id = runningImageId(ng);
  const image: ImageFacts | undefined = id === null ? undefined : catalog.images[ng.region]?.[id];
  const identified = isCustom(ng) && image ? identifyAmiByName(image.name) : null;
  const family = isCustom(ng) ? (identified ? amiFamily(identified.amiType) : null) : amiFamily(ng.amiType);
  const eol = familyEndOfLife(family);
  return {
    family,
    familyEndOfLife: eol
      ? {
          family: eol.family,
          endOfSupport: eol.endOfSupport,
          lastKubernetesVersion: eol.lastKubernetesVersion,
          advice: eol.advice,
          source: eol.source,
        }
      : null,
    image: image
      ? {
          imageId: image.imageId,
          name: image.name,
          deprecationTime: image.deprecationTime,
          daysToDeprecation:
            image.deprecationTime === null ? null : wholeDaysUntil(image.deprecationTime, now),
        }
      : null,
  };
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * The warnings `endOfLife` calls for, as of `now`: `ami-family-end-of-life` for a family with an
 * announced end (before and after the date), `image-deprecated` once the running image is past its
 * `DeprecationTime`, `image-deprecating` when that is at most {@link DEPRECATION_WARNING_DAYS}
 * whole days away. A `roll` item says that rolling replaces the image. Pure.
 */
export function endOfLifeWarnings(endOfLife: EndOfLife, decision: Decision, now: Date): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  const eol = familyEndOfLife(endOfLife.familyEndOfLife?.family ?? null);
  if (eol) {
    const days = wholeDaysUntil(`${eol.endOfSupport}T00:00:00.000Z`, now);
    const last = eol.lastKubernetesVersion ? `Kubernetes ${eol.lastKubernetesVersion} was the last` : null;
    const when =
      Date.parse(`${eol.endOfSupport}T00:00:00.000Z`) <= now.getTime()
        ? `EKS publishes no new ${eol.label} AMIs since ${eol.endOfSupport}`
        : `EKS stops publishing ${eol.label} AMIs on ${eol.endOfSupport} (in ${plural(days, 'day')})`;
    warnings.push({
      code: PlanWarningCode.amiFamilyEndOfLife,
      message: `${when}${last ? ` (${last})` : ''}: ${eol.advice}`,
    });
  }
  const image = endOfLife.image;
  if (image?.deprecationTime != null && image.daysToDeprecation !== null) {
    const date = image.deprecationTime.slice(0, 10);
    const rolling = decision === Decision.roll ? '; this rollout replaces it' : '';
    const days = image.daysToDeprecation;
    if (Date.parse(image.deprecationTime) <= now.getTime()) {
      const ago = days === 0 ? 'today' : `${plural(-days, 'day')} ago`;
      warnings.push({
        code: PlanWarningCode.imageDeprecated,
        message: `running image ${image.imageId} was deprecated on ${date} (${ago})${rolling}`,
      });
    } else if (days <= DEPRECATION_WARNING_DAYS) {
      const left = days === 0 ? 'within a day' : `in ${plural(days, 'day')}`;
      warnings.push({
        code: PlanWarningCode.imageDeprecating,
        message: `running image ${image.imageId} is deprecated on ${date} (${left})${rolling}`,
      });
    }
  }
  return warnings;
}

function factsKey(x: {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
}): string {
  return [x.accountId ?? '', x.region, x.cluster, x.nodegroup].join('\u0000');
}

/**
 * Adds to each item planned from a node group its `updateConfig`, its `endOfLife` and the
 * end-of-life warnings; items without facts (`error` items) are returned unchanged. Changes no
 * decision. Pure.
 */
export function withEndOfLife(
  fleet: Fleet,
  catalog: CatalogSnapshot,
  now: Date,
): (item: PlanItem) => PlanItem {
  const facts = new Map(fleet.nodegroups.map((ng) => [factsKey(ng), ng]));
  return (item) => {
    const ng = facts.get(factsKey(item));
    if (ng === undefined || (item.decision === Decision.skip && item.reason === 'error')) return item;
    const endOfLife = endOfLifeOf(ng, catalog, now);
    const warnings = endOfLifeWarnings(endOfLife, item.decision, now);
    return {
      ...item,
      updateConfig: ng.updateConfig ?? null,
      endOfLife,
      ...(warnings.length > 0 ? { warnings: [...(item.warnings ?? []), ...warnings] } : {}),
    };
  };
}
