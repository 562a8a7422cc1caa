/**
 * Name globs for cluster selection: `*` matches any run of characters (also none), `?` exactly one,
 * everything else itself (case-sensitive, as EKS names are). No character classes.
 */

/** True when `name` matches the glob `pattern` as a whole. Pure; O(name × pattern) at worst. */
export function matchesGlob(name: string, pattern: string): boolean {
  // Iterative wildcard matching with backtracking to the last `*` only: O(n·m) worst case, no regex.
  let n = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    const c = pattern[p];
    if (c === '?' || (c !== undefined && c !== '*' && c === name[n])) {
      n++;
      p++;
    } else if (c === '*') {
      star = p++;
      mark = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** True when `name` matches at least one of `patterns` (names or globs). Pure. */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => matchesGlob(name, pattern));
}
