/**
 * The patch request: what the patch function's payload, the CLI and the slash command ask for.
 * Validated with zod at every edge; the published JSON Schema (docs/patch-payload.schema.json) is
 * generated from this schema. Pure.
 */
import * as z from 'zod';
import { formatIssues } from '../config.ts';
import { ValidationError } from '../errors.ts';

/**
 * EKS cluster and node group names: a letter or digit, then letters, digits, `-` and `_`. This
 * also keeps EC2 filter wildcards (`*`, `?`) out of every tag filter built from a name.
 */
export const EKS_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
/** EC2 instance IDs: `i-` and 8 or 17 lowercase hex digits. */
export const INSTANCE_ID = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
/** Request IDs: shown in SSM's Comment, so short and plain. */
export const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** At most this many explicit instance IDs per request. */
export const MAX_REQUEST_INSTANCE_IDS = 1000;

export const patchRequestSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
    cluster: z
      .string()
      .regex(EKS_NAME, 'expected an EKS cluster name (letters, digits, - and _)')
      .describe('EKS cluster to patch; it must be selected by the config.'),
    region: z
      .string()
      .regex(REGION, 'expected an AWS region name such as us-east-1')
      .optional()
      .describe('Region of the cluster; default: the config region that has it.'),
    nodegroups: z
      .array(z.string().regex(EKS_NAME, 'expected an EKS node group name (letters, digits, - and _)'))
      .min(1, 'omit nodegroups to patch every node group')
      .max(100)
      .optional()
      .describe('Node groups to patch; default: every node group of the cluster.'),
    instanceIds: z
      .array(z.string().regex(INSTANCE_ID, 'expected an EC2 instance ID such as i-0123456789abcdef0'))
      .min(1, 'omit instanceIds to patch every managed instance')
      .max(MAX_REQUEST_INSTANCE_IDS)
      .optional()
      .describe('Only these instances; each must belong to a selected node group of the cluster.'),
    operation: z
      .enum(['Scan', 'Install'])
      .default('Scan')
      .describe('AWS-RunPatchBaseline Operation: Scan reports missing patches, Install installs them.'),
    reboot: z
      .boolean()
      .default(false)
      .describe(
        'Install only: RebootOption RebootIfNeeded instead of NoReboot. SSM reboots WITHOUT draining Kubernetes pods.',
      ),
    requestId: z
      .string()
      .regex(REQUEST_ID, 'expected 1-64 letters, digits, ".", "_", ":" or "-"')
      .optional()
      .describe('Caller-chosen request ID; default: a new one.'),
    requestedBy: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Who asked, e.g. slack:U012ABCDEF or an IAM principal.'),
  })
  .superRefine((request, ctx) => {
    if (request.reboot && request.operation !== 'Install') {
      ctx.addIssue({
        code: 'custom',
        path: ['reboot'],
        message: 'reboot applies to operation Install only',
      });
    }
  });

/** A validated patch request with defaults applied. */
export type PatchRequest = z.output<typeof patchRequestSchema>;
/** What a caller may send (defaults optional). */
export type PatchRequestInput = z.input<typeof patchRequestSchema>;

/**
 * Validates a patch payload and applies defaults; duplicate node groups and instance IDs are
 * removed. Throws ValidationError listing every bad field. Pure.
 */
export function parsePatchRequest(raw: unknown): PatchRequest {
  const result = patchRequestSchema.safeParse(raw);
  if (!result.success) {
    throw new ValidationError('invalid patch request', formatIssues(result.error.issues), {
      cause: result.error,
    });
  }
  const request = result.data;
  const out: PatchRequest = { ...request };
  if (request.nodegroups) out.nodegroups = [...new Set(request.nodegroups)];
  if (request.instanceIds) out.instanceIds = [...new Set(request.instanceIds)];
  return out;
}

/** The JSON Schema of the patch payload (input side). Pure; deterministic. */
export function patchRequestJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(patchRequestSchema, { io: 'input', target: 'draft-2020-12' }) as Record<
      string,
      unknown
    >),
    title: 'nodekeeper patch request',
    description:
      'Payload of the nodekeeper patch function (Lambda invoke) and of `nodekeeper patch --invoke`.',
  };
}
