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
