/** Short texts for a node group's update config and end of life, shared by the report's renderings. Pure. */
import type { UpdateConfig } from '../types/fleet.ts';
import type { EndOfLife } from '../types/plan.ts';

/** `max 1 node` / `max 25%`; null when EKS said neither. */
export function maxUnavailableText(u: UpdateConfig): string | null {
  if (u.maxUnavailable !== null) return `max ${u.maxUnavailable} node${u.maxUnavailable === 1 ? '' : 's'}`;
  if (u.maxUnavailablePercentage !== null) return `max ${u.maxUnavailablePercentage}%`;
  return null;
}

/** `MINIMAL, max 1 node` (the strategy only when EKS reports one); `-` without an update config. */
export function updateConfigText(u: UpdateConfig | null): string {
  if (u === null) return '-';
  return [u.updateStrategy, maxUnavailableText(u)].filter((p) => p !== null).join(', ') || '-';
}

/** `deprecates in 13 d`, `deprecation today`, `deprecated 21 d ago`; null without a DeprecationTime. */
export function deprecationText(e: EndOfLife | null): string | null {
  const days = e?.image?.daysToDeprecation ?? null;
  if (days === null || !e?.image?.deprecationTime) return null;
  if (days > 0) return `deprecates in ${days} d`;
  if (days < 0) return `deprecated ${-days} d ago`;
  return 'deprecation today';
}

/** `al2 EOL 2025-11-26; deprecates in 13 d` (compact, for a table cell); `-` when nothing is known. */
export function endOfLifeText(e: EndOfLife | null): string {
  if (e === null) return '-';
  const family = e.familyEndOfLife
    ? `${e.familyEndOfLife.family} EOL ${e.familyEndOfLife.endOfSupport}`
    : null;
  return [family, deprecationText(e)].filter((p) => p !== null).join('; ') || '-';
}
