// A test-only model of EventBridge routing between default buses, driven by the rules and targets
// the stacks render under Pulumi mocks. Not production code: nodekeeper never matches patterns
// itself, EventBridge does.
//
// The matcher implements the subset of EventBridge content filtering the rendered patterns may use
// (EventBridge user guide, "Creating event patterns" and "Content filtering in Amazon EventBridge
// event patterns"): exact values (strings, numbers, booleans, null), `prefix`, `suffix`, `wildcard`,
// `anything-but` (values or a prefix), `exists`, nested objects, and array-valued event fields
// (a match on any element). Anything else throws, so a pattern that outgrows it fails the tests
// instead of matching wrongly.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Pattern = { [key: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One pattern array element against one scalar event value (present). */
function matchesValue(rule: Json, value: Json): boolean {
  if (!isObject(rule)) return rule === value;
  const [op, ...rest] = Object.keys(rule);
  if (op === undefined || rest.length > 0)
    throw new Error(`unsupported pattern element ${JSON.stringify(rule)}`);
  const arg = rule[op];
  switch (op) {
    case 'prefix':
      if (typeof arg !== 'string') throw new Error('prefix takes a string');
      return typeof value === 'string' && value.startsWith(arg);
    case 'suffix':
      if (typeof arg !== 'string') throw new Error('suffix takes a string');
      return typeof value === 'string' && value.endsWith(arg);
    case 'wildcard': {
      // `*` matches zero or more characters; EventBridge's `\*` escape is not modelled.
      if (typeof arg !== 'string' || arg.includes('\\'))
        throw new Error('wildcard takes a string without escapes');
      const literal = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return (
        typeof value === 'string' &&
        new RegExp(`^${arg.split('*').map(literal).join('.*')}$`, 's').test(value)
      );
    }
    case 'anything-but': {
      if (isObject(arg)) return !matchesValue(arg, value);
      const excluded = Array.isArray(arg) ? arg : [arg as Json];
      return !excluded.some((x) => x === value);
    }
    default:
      throw new Error(`unsupported pattern operator ${op}`);
  }
}

/** One pattern field (an array of alternatives) against the event's field, which may be absent. */
function matchesField(alternatives: Json[], present: boolean, value: Json | undefined): boolean {
  return alternatives.some((rule) => {
    if (isObject(rule) && 'exists' in rule) {
      if (Object.keys(rule).length !== 1 || typeof rule.exists !== 'boolean') {
        throw new Error(`unsupported pattern element ${JSON.stringify(rule)}`);
      }
      return rule.exists === present;
    }
    if (!present || value === undefined) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => matchesValue(rule, v));
  });
}

/** True when `event` matches the EventBridge `pattern` (the subset described above). Pure. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new Error('an event pattern is a JSON object');
  const fields = isObject(event) ? event : {};
  return Object.entries(pattern as Pattern).every(([key, rule]) => {
    if (key.startsWith('$')) throw new Error(`unsupported pattern key ${key}`);
    const present = Object.hasOwn(fields, key);
    const value = fields[key];
    if (Array.isArray(rule)) return matchesField(rule, present, value);
    if (isObject(rule)) return matchesEventPattern(rule, present && isObject(value) ? value : {});
    throw new Error(`pattern field ${key} must be an array or an object`);
  });
}

/** A rule as rendered: on the default bus of `region`. */
export type RenderedRule = { name: string; region: string; pattern: unknown };
/** A target as rendered: of the rule named `rule` in `region`. */
export type RenderedTarget = { rule: string; region: string; arn: string };
/** What reached a non-bus target (a function), and through which rules. */
export type Delivery = { arn: string; event: unknown; via: string[] };

type MockResource = { type: string; name: string; inputs: Record<string, unknown>; provider?: string };

/** The region a rendered resource lives in: its explicit provider's, else `home`. */
export function regionOf(resources: readonly MockResource[], r: MockResource, home: string): string {
  if (r.provider === undefined) return home;
  const id = r.provider.split('::').pop();
  const provider = resources.find((p) => p.type === 'pulumi:providers:aws' && `${p.name}-id` === id);
  const region = provider?.inputs.region;
  if (typeof region !== 'string') throw new Error(`no region for provider ${r.provider}`);
  return region;
}

/** The default-bus rules and their targets from the resources the stacks rendered. */
export function renderedRouting(
  resources: readonly MockResource[],
  home: string,
): { rules: RenderedRule[]; targets: RenderedTarget[] } {
  const rules = resources
    .filter((r) => r.type === 'aws:cloudwatch/eventRule:EventRule' && r.inputs.eventPattern !== undefined)
    .map((r) => {
      if (r.inputs.eventBusName !== undefined) throw new Error(`${r.name} is not on the default bus`);
      return {
        name: String(r.inputs.name),
        region: regionOf(resources, r, home),
        pattern: JSON.parse(String(r.inputs.eventPattern)),
      };
    });
  const targets = resources
    .filter((r) => r.type === 'aws:cloudwatch/eventTarget:EventTarget')
    .map((r) => ({
      rule: String(r.inputs.rule),
      region: regionOf(resources, r, home),
      arn: String(r.inputs.arn),
    }));
  return { rules, targets };
}

const BUS_ARN = /^arn:[a-z-]+:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/;

/**
 * Puts `event` on the default bus of `region` and follows the rules: a rule that matches sends it
 * to each of its targets; an event bus target puts it on that bus unchanged (one hop only, as
 * EventBridge never routes an event received from another bus to a third bus). Returns what
 * reached the other targets. Pure.
 */
export function routeEvent(
  routing: { rules: RenderedRule[]; targets: RenderedTarget[] },
  event: unknown,
  region: string,
): Delivery[] {
  const deliveries: Delivery[] = [];
  const put = (busRegion: string, via: string[], forwarded: boolean) => {
    for (const rule of routing.rules.filter((r) => r.region === busRegion)) {
      if (!matchesEventPattern(rule.pattern, event)) continue;
      const path = [...via, `${busRegion}:${rule.name}`];
      for (const target of routing.targets.filter((t) => t.region === busRegion && t.rule === rule.name)) {
        const bus = BUS_ARN.exec(target.arn);
        if (bus === null) deliveries.push({ arn: target.arn, event, via: path });
        else if (!forwarded && bus[3] === 'default') put(bus[1] ?? '', path, true);
      }
    }
  };
  put(region, [], false);
  return deliveries;
}
