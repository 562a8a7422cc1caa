import * as z from 'zod';
import { ValidationError } from '../errors.ts';
import type { PlanItem } from '../types/plan.ts';
import { LAUNCH_TEMPLATE_VERSIONS_QUOTA, MAX_RETENTION_USERS } from './retire.ts';
import type { RolloutRecord, RolloutRequest } from './types.ts';

const amiRef = z.strictObject({
  releaseVersion: z.string().min(1).max(256).nullable(),
  imageId: z.string().min(1).max(256).nullable(),
});

const name = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]*$/, 'must be an EKS name');

/** Schema of a rollout request (the durable workflow's input). */
export const rolloutRequestSchema = z
  .strictObject({
    kind: z.enum(['rollout', 'rollback']).optional(),
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit account ID')
      .nullable(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1'),
    cluster: name,
    nodegroup: name,
    strategy: z.enum(['release-version', 'launch-template']),
    current: amiRef,
    target: amiRef,
    launchTemplate: z
      .strictObject({
        id: z.string().regex(/^lt-[0-9a-zA-Z]+$/, 'must be a launch template ID'),
        version: z.string().regex(/^\d+$/, 'must be a version number'),
      })
      .nullable(),
    wave: z.string().max(100).nullable(),
    targetVersion: z
      .string()
      .regex(/^\d+\.\d+$/, 'must be a Kubernetes minor version such as 1.34')
      .optional(),
    // A release line: an AMI family, or `golden:` and an SSM parameter name (at most 2048 characters).
    family: z.string().min(1).max(2100).optional(),
    attempt: z.number().int().min(1).max(100),
    forceOnPodEvictionFailure: z.boolean().optional(),
    force: z.boolean().optional(),
    runId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be a run ID (letters, digits, . _ : -)')
      .optional(),
    continuation: z.boolean().optional(),
    versionRetention: z
      .strictObject({
        keep: z.int().min(1).max(LAUNCH_TEMPLATE_VERSIONS_QUOTA),
        users: z
          .array(
            z.strictObject({
              accountId: z
                .string()
                .regex(/^\d{12}$/, 'must be a 12-digit account ID')
                .nullable(),
              region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1'),
              cluster: name,
              nodegroup: name,
            }),
          )
          .max(MAX_RETENTION_USERS),
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    if (r.strategy === 'launch-template') {
      if (r.launchTemplate === null)
        ctx.addIssue({ code: 'custom', path: ['launchTemplate'], message: 'required for launch-template' });
      if (r.target.imageId === null || !/^ami-[0-9a-zA-Z]+$/.test(r.target.imageId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['target', 'imageId'],
          message: 'must be an AMI ID for launch-template',
        });
      }
    } else if (r.target.releaseVersion === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'releaseVersion'],
        message: 'required for release-version',
      });
    }
  });

/** Validates untrusted input as a rollout request; throws ValidationError naming each field. */
export function parseRolloutRequest(input: unknown): RolloutRequest {
  const parsed = rolloutRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid rollout request',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

/**
 * The rollout request for a `roll` plan item, or null for any other item. `launchTemplate` is the
 * node group's template reference from inspection (needed for launch-template). Pure.
 */
export function rolloutRequestFromPlanItem(
  item: PlanItem,
  launchTemplate: { id: string; version: string } | null,
  attempt = 1,
  forceOnPodEvictionFailure = false,
): RolloutRequest | null {
  if (item.decision !== 'roll' || item.strategy === null || item.target === null) return null;
  return {
    accountId: item.accountId,
    region: item.region,
    cluster: item.cluster,
    nodegroup: item.nodegroup,
    strategy: item.strategy,
    current: item.current,
    target: item.target,
    launchTemplate: launchTemplate ? { id: launchTemplate.id, version: launchTemplate.version } : null,
    wave: item.wave,
    ...(item.targetVersion !== undefined ? { targetVersion: item.targetVersion } : {}),
    attempt,
    ...(forceOnPodEvictionFailure ? { forceOnPodEvictionFailure: true } : {}),
  };
}

/**
 * The request a ledger record was written for, so a later run can follow its update to its end
 * (the guard resumes a `started` record by its update ID; nothing is started twice). The rollout key
 * is the record's. `launchTemplate` is the node group's template now (only a forced retry uses it);
 * `forceOnPodEvictionFailure` is its wave's opt-in. Pure.
 */
export function rolloutRequestFromRecord(
  record: RolloutRecord,
  context: {
    launchTemplate?: { id: string; version: string } | null;
    forceOnPodEvictionFailure?: boolean;
  } = {},
): RolloutRequest {
  return {
    ...(record.kind === 'rollback' ? { kind: record.kind } : {}),
    accountId: record.accountId,
    region: record.region,
    cluster: record.cluster,
    nodegroup: record.nodegroup,
    strategy: record.strategy,
    current: record.from,
    target: record.to,
    launchTemplate: context.launchTemplate ?? null,
    wave: record.wave,
    ...(record.targetVersion !== undefined ? { targetVersion: record.targetVersion } : {}),
    attempt: record.attempt,
    ...(context.forceOnPodEvictionFailure ? { forceOnPodEvictionFailure: true } : {}),
  };
}
