/**
 * Older releases of a node group's target, as AWS (or the operator) publishes them. Read only when
 * the newest image is younger than the node group's `minAmiAgeDays` (see docs/rollouts.md, "Age
 * selection"); the planner then picks the newest one that is old enough.
 */

/** How older releases of a target are found. */
export const ReleaseHistoryKind = {
  /** SSM `GetParametersByPath` under the family's parameter root: release-named (Amazon Linux) or versioned (Bottlerocket) parameters. */
  ssmPath: 'ssm-path',
  /** SSM `GetParameterHistory` of the operator's own parameter (golden AMIs). */
  parameterHistory: 'parameter-history',
  /** EC2 `DescribeImages` by name and owner (Windows: AWS publishes only the latest parameter). */
  imagesByName: 'images-by-name',
} as const;
export type ReleaseHistoryKind = (typeof ReleaseHistoryKind)[keyof typeof ReleaseHistoryKind];

/** One release published for a target. */
export interface PublishedRelease {
  imageId: string;
  /**
   * The release version as published (`1.33.5-20261110`, `1.50.0-abcdef12`, `1.33-2026.11.12`);
   * null when none is published for it (golden AMIs, or a release whose parameters lack one).
   */
  releaseVersion: string | null;
  /**
   * Its name where it was found: the release-named parameter (`amazon-eks-node-al2023-x86_64-standard-1.33-v20261110`),
   * the Bottlerocket version (`1.50.0`), the AMI name (Windows), or `version 7` of a golden parameter.
   */
  name: string;
  /** The golden parameter's version that held this AMI (the newest one when several did); null otherwise. */
  parameterVersion: number | null;
  /** ISO 8601: when the parameter was last modified (or the image created, for images found by name); null when unknown. */
  publishedAt: string | null;
}

/** What one read of older releases found. */
export interface ReleaseHistory {
  kind: ReleaseHistoryKind;
  /** The path, parameter name or image name pattern read. */
  location: string;
  /** In no particular order; the planner orders them per release line. */
  releases: PublishedRelease[];
  /** False when nodekeeper stopped at its bound before the end (older releases may be missing). */
  complete: boolean;
  /** Why the read failed (then `releases` is empty); null when it succeeded. */
  error: string | null;
}
