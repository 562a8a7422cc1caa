/** Readers for the AWS Query / EC2 Query wire format (form-encoded `Name.1`, `Filter.1.Value.1`, ...). */

export type QueryParams = Map<string, string>;

export function parseQueryBody(body: string): QueryParams {
  return new Map(new URLSearchParams(body));
}

/** Values of `prefix.1`, `prefix.2`, ... in index order. */
export function queryList(params: QueryParams, prefix: string): string[] {
  const out: Array<[number, string]> = [];
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  for (const [k, v] of params) {
    const m = re.exec(k);
    if (m?.[1]) out.push([Number(m[1]), v]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

export interface QueryFilter {
  name: string;
  values: string[];
}

/** `Filter.N.Name` / `Filter.N.Value.M`. */
export function queryFilters(params: QueryParams): QueryFilter[] {
  const indexes = new Set<number>();
  for (const k of params.keys()) {
    const m = /^Filter\.(\d+)\.Name$/.exec(k);
    if (m?.[1]) indexes.add(Number(m[1]));
  }
  return [...indexes]
    .sort((a, b) => a - b)
    .map((i) => ({
      name: params.get(`Filter.${i}.Name`) ?? '',
      values: queryList(params, `Filter.${i}.Value`),
    }));
}

type Tree = { [key: string]: Tree | string };

/**
 * Rebuilds the nested structure under `prefix.` (e.g. `LaunchTemplateData.`): numeric segments
 * become array indexes; `rename(parentPath, key)` maps serialized list names back to model names.
 */
export function queryTree(
  params: QueryParams,
  prefix: string,
  rename: (parent: string, key: string) => string,
): Record<string, unknown> {
  const root: Tree = {};
  for (const [k, v] of params) {
    if (!k.startsWith(`${prefix}.`)) continue;
    const parts = k.slice(prefix.length + 1).split('.');
    let node: Tree = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = v;
      else {
        const next = node[part];
        if (typeof next === 'object') node = next;
        else {
          const created: Tree = {};
          node[part] = created;
          node = created;
        }
      }
    });
  }
  return normalize(root, '', rename) as Record<string, unknown>;
}

function normalize(
  node: Tree | string,
  path: string,
  rename: (parent: string, key: string) => string,
): unknown {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => {
        const child = node[String(i)];
        return child === undefined ? undefined : normalize(child, `${path}[]`, rename);
      });
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const child = node[k];
    if (child === undefined) continue;
    const isListKey = typeof child === 'object' && Object.keys(child).every((c) => /^\d+$/.test(c));
    const name = isListKey ? rename(path, k) : k;
    out[name] = normalize(child, path === '' ? name : `${path}.${name}`, rename);
  }
  return out;
}
