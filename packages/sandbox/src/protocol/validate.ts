import type { IncomingHttpHeaders } from 'node:http';
import { loadServiceModel, type ServiceModel, type Shape, type ShapeRef } from '../models/service-model.ts';
import type { AwsService } from '../types/index.ts';
import { ApiError } from './http.ts';

/**
 * Checks a request against the AWS service model of its operation (botocore's, trimmed; see
 * `models/service-model.ts`): required members, types, enums, length, range, pattern, list and
 * map sizes, unions. Each protocol's wire form is mapped back onto the input shape: REST-JSON
 * URI labels, query string and JSON body (EKS); JSON 1.x bodies (SSM, DynamoDB); EC2 Query
 * (`Name.N`, capitalized `locationName`s) and AWS Query (`Name.member.N`) form parameters.
 * Pure apart from reading the committed model once.
 */

export const ViolationRules = [
  'required',
  'type',
  'enum',
  'length',
  'range',
  'pattern',
  'union',
  'unknown-member',
  'model-missing',
] as const;
export type ViolationRule = (typeof ViolationRules)[number];

/** One way a request breaks its operation's model. */
export interface RequestViolation {
  service: AwsService;
  operation: string;
  /** The member in model terms (`Targets[0].Values`); empty for the request as a whole. */
  path: string;
  /** The name on the wire: `Filter.1.Value.1`, `maxResults`, `Targets.0.Values`. */
  wireName: string;
  /** The member as AWS's validation messages name it: `targets.1.member.values`. */
  awsPath: string;
  rule: ViolationRule;
  /** The model's constraint, in AWS's words (`Member must have length less than or equal to 50`). */
  constraint: string;
  /** The value received, as AWS would quote it; absent when missing or `sensitive`. */
  value?: string;
  /**
   * AWS answers the request with an error. False for what AWS ignores (a member it does not know,
   * outside EC2): the sandbox answers as AWS would, and the violation is still the caller's bug.
   */
  rejected: boolean;
}

/** What the validator reads of a request. */
export interface RequestParts {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Loc {
  path: string;
  aws: string;
  wire: string;
}

const lowerFirst = (s: string) => (s === '' ? s : `${s[0]?.toLowerCase()}${s.slice(1)}`);
const upperFirst = (s: string) => (s === '' ? s : `${s[0]?.toUpperCase()}${s.slice(1)}`);
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function memberLoc(parent: Loc, name: string, wire: string): Loc {
  return {
    path: parent.path === '' ? name : `${parent.path}.${name}`,
    aws: parent.aws === '' ? lowerFirst(name) : `${parent.aws}.${lowerFirst(name)}`,
    wire,
  };
}
const indexLoc = (parent: Loc, i: number, wire: string): Loc => ({
  path: `${parent.path}[${i}]`,
  aws: `${parent.aws}.${i + 1}.member`,
  wire,
});
const keyLoc = (parent: Loc, key: string, wire: string): Loc => ({
  path: `${parent.path}[${JSON.stringify(key)}]`,
  aws: `${parent.aws}.${key}`,
  wire,
});

const SHOW_MAX = 200;
function show(v: unknown): string {
  const s = Array.isArray(v) ? `[${v.map(show).join(', ')}]` : isObject(v) ? JSON.stringify(v) : String(v);
  return s.length > SHOW_MAX ? `${s.slice(0, SHOW_MAX)}…` : s;
}

// ---------------------------------------------------------------------------------------------
// Patterns: botocore's are Java regular expressions, matched against the whole value.

const compiledPatterns = new Map<string, RegExp | null>();

/**
 * Rewrites what Java accepts and JavaScript's `u` mode does not: `\A`, `\z`, `\Z`, possessive
 * quantifiers, `\Q…\E`, and escaped punctuation that needs no escape. Null when it cannot
 * (class intersections, inline flags, POSIX `\p{Alpha}` classes).
 */
export function javaPatternToJs(pattern: string): string | null {
  if (
    /&&|\(\?[a-zA-Z]|\\p\{(?:Alpha|Alnum|Punct|Graph|Print|Blank|Cntrl|XDigit|Space|Lower|Upper|ASCII|java|Is)/.test(
      pattern,
    )
  )
    return null;
  let out = '';
  let inClass = false;
  let afterQuantifier = false;
  const syntax = '^$\\.*+?()[]{}|/';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      i++;
      afterQuantifier = false;
      if (n === 'Q') {
        const end = pattern.indexOf('\\E', i + 1);
        const literal = pattern.slice(i + 1, end === -1 ? undefined : end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end === -1 ? pattern.length : end + 1;
        continue;
      }
      if (!inClass && n === 'A') out += '^';
      else if (!inClass && (n === 'z' || n === 'Z')) out += '$';
      else if (/[a-zA-Z0-9]/.test(n)) out += `\\${n}`;
      else if (syntax.includes(n) || (inClass && n === '-')) out += `\\${n}`;
      else out += n;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      afterQuantifier = false;
      continue;
    }
    if (c === '+' && afterQuantifier) {
      afterQuantifier = false; // possessive: JavaScript has none; greedy matches the same strings here
      continue;
    }
    afterQuantifier = c === '*' || c === '+' || c === '?' || c === '}';
    out += c;
  }
  return out;
}

/** The model pattern as a whole-value JavaScript RegExp, or null when JavaScript cannot parse it. */
export function modelPattern(pattern: string): RegExp | null {
  const cached = compiledPatterns.get(pattern);
  if (cached !== undefined) return cached;
  let re: RegExp | null = null;
  for (const source of [pattern, javaPatternToJs(pattern)]) {
    if (source === null) continue;
    try {
      re = new RegExp(`^(?:${source})$`, 'u');
      break;
    } catch {
      // try the rewritten form next
    }
  }
  compiledPatterns.set(pattern, re);
  return re;
}

/** The distinct patterns of `model` that are not checked because JavaScript cannot parse them. */
export function unsupportedPatterns(model: ServiceModel): string[] {
  const out = new Set<string>();
  for (const s of Object.values(model.shapes)) {
    if (s.pattern !== undefined && modelPattern(s.pattern) === null) out.add(s.pattern);
  }
  return [...out];
}

// ---------------------------------------------------------------------------------------------

class Checker {
  readonly out: RequestViolation[] = [];
  readonly model: ServiceModel;
  readonly service: AwsService;
  readonly operation: string;
  constructor(model: ServiceModel, service: AwsService, operation: string) {
    this.model = model;
    this.service = service;
    this.operation = operation;
  }

  shapeOf(ref: ShapeRef): Shape | undefined {
    return this.model.shapes[ref.shape];
  }

  add(
    loc: Loc,
    rule: ViolationRule,
    constraint: string,
    value: unknown,
    shape?: Shape,
    rejected = true,
  ): void {
    const v: RequestViolation = {
      service: this.service,
      operation: this.operation,
      path: loc.path,
      wireName: loc.wire,
      awsPath: loc.aws,
      rule,
      constraint,
      rejected,
    };
    if (value !== undefined && !shape?.sensitive) v.value = show(value);
    this.out.push(v);
  }

  count(shape: Shape, n: number, loc: Loc, value: unknown): void {
    if (shape.min !== undefined && n < shape.min)
      this.add(loc, 'length', `Member must have length greater than or equal to ${shape.min}`, value, shape);
    if (shape.max !== undefined && n > shape.max)
      this.add(loc, 'length', `Member must have length less than or equal to ${shape.max}`, value, shape);
  }

  /** Constraints on a value already of the right type. */
  scalar(shape: Shape, value: string | number | boolean, loc: Loc): void {
    if (shape.type === 'string' && typeof value === 'string') {
      if (shape.enum && !shape.enum.includes(value))
        this.add(loc, 'enum', `Member must satisfy enum value set: [${shape.enum.join(', ')}]`, value, shape);
      this.count(shape, value.length, loc, value);
      if (shape.pattern !== undefined) {
        const re = modelPattern(shape.pattern);
        if (re && !re.test(value))
          this.add(
            loc,
            'pattern',
            `Member must satisfy regular expression pattern: ${shape.pattern}`,
            value,
            shape,
          );
      }
    } else if (typeof value === 'number') {
      if (shape.min !== undefined && value < shape.min)
        this.add(loc, 'range', `Member must have value greater than or equal to ${shape.min}`, value, shape);
      if (shape.max !== undefined && value > shape.max)
        this.add(loc, 'range', `Member must have value less than or equal to ${shape.max}`, value, shape);
    } else if (shape.type === 'blob' && typeof value === 'string') {
      this.count(shape, Buffer.from(value, 'base64').length, loc, value);
    }
  }

  typeError(shape: Shape, value: unknown, loc: Loc): void {
    this.add(loc, 'type', `Member must be of type ${shape.type}`, value, shape);
  }

  // ---- JSON (JSON 1.x bodies, REST-JSON bodies) ----

  json(ref: ShapeRef, value: unknown, loc: Loc): void {
    if (value === null || value === undefined) return;
    const shape = this.shapeOf(ref);
    if (!shape || shape.document) return;
    if (shape.type === 'structure') {
      if (isObject(value)) this.jsonStructure(shape, value, loc);
      else this.typeError(shape, value, loc);
    } else if (shape.type === 'list') {
      if (!Array.isArray(value)) {
        this.typeError(shape, value, loc);
        return;
      }
      this.count(shape, value.length, loc, value);
      value.forEach((item, i) => {
        if (shape.member) this.json(shape.member, item, indexLoc(loc, i, `${loc.wire}.${i}`));
      });
    } else if (shape.type === 'map') {
      if (!isObject(value)) {
        this.typeError(shape, value, loc);
        return;
      }
      this.count(shape, Object.keys(value).length, loc, value);
      const keyShape = shape.key ? this.shapeOf(shape.key) : undefined;
      for (const [k, v] of Object.entries(value)) {
        const at = keyLoc(loc, k, `${loc.wire}.${k}`);
        if (keyShape) this.scalar(keyShape, k, at);
        if (shape.value) this.json(shape.value, v, at);
      }
    } else {
      const typed = jsonScalar(shape, value);
      if (typed === undefined) this.typeError(shape, value, loc);
      else if (typed !== null) this.scalar(shape, typed, loc);
    }
  }

  /** A JSON object against a structure whose members are keyed on the wire by `locationName ?? name`. */
  jsonStructure(shape: Shape, value: Record<string, unknown>, loc: Loc): void {
    const members = shape.members ?? {};
    const byWire = new Map<string, [string, ShapeRef]>();
    for (const [name, ref] of Object.entries(members)) byWire.set(ref.locationName ?? name, [name, ref]);
    let set = 0;
    for (const [wire, v] of Object.entries(value)) {
      const at = loc.wire === '' ? wire : `${loc.wire}.${wire}`;
      const m = byWire.get(wire);
      if (!m) {
        this.add(
          memberLoc(loc, wire, at),
          'unknown-member',
          'Member is not in the model',
          v,
          undefined,
          false,
        );
        continue;
      }
      if (v !== null && v !== undefined) set++;
      this.json(m[1], v, memberLoc(loc, m[0], at));
    }
    for (const name of shape.required ?? []) {
      const ref = members[name];
      const wire = ref?.locationName ?? name;
      if (value[wire] === undefined || value[wire] === null)
        this.add(
          memberLoc(loc, name, loc.wire === '' ? wire : `${loc.wire}.${wire}`),
          'required',
          'Member must not be null',
          undefined,
        );
    }
    if (shape.union && set !== 1)
      this.add(loc, 'union', 'Member must have exactly one member set', value, shape);
  }

  // ---- text (query strings, URI labels, headers, form parameters) ----

  text(shape: Shape, text: string, loc: Loc): void {
    const typed = textScalar(shape, text);
    if (typed === undefined) this.typeError(shape, text, loc);
    else if (typed !== null) this.scalar(shape, typed, loc);
  }
}

/** A JSON scalar as its model type: the value to check constraints on, null (no constraints), undefined (wrong type). */
function jsonScalar(shape: Shape, value: unknown): string | number | null | undefined {
  switch (shape.type) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'integer':
    case 'long':
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
    case 'float':
    case 'double':
      if (typeof value === 'number') return value;
      return value === 'NaN' || value === 'Infinity' || value === '-Infinity' ? null : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? null : undefined;
    case 'timestamp':
      if (typeof value === 'number' && Number.isFinite(value)) return null;
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? null : undefined;
    case 'blob':
      return typeof value === 'string' && BASE64.test(value) ? value : undefined;
    default:
      return undefined;
  }
}

/** A form, query-string, label or header value as its model type (see jsonScalar). */
function textScalar(shape: Shape, text: string): string | number | null | undefined {
  switch (shape.type) {
    case 'string':
      return text;
    case 'integer':
    case 'long':
      return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
    case 'float':
    case 'double': {
      if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return null;
      const n = Number(text);
      return text.trim() === '' || Number.isNaN(n) ? undefined : n;
    }
    case 'boolean':
      return text === 'true' || text === 'false' ? null : undefined;
    case 'timestamp':
      return /^\d+(\.\d+)?$/.test(text) || !Number.isNaN(Date.parse(text)) ? null : undefined;
    case 'blob':
      return BASE64.test(text) ? text : undefined;
    default:
      return undefined;
  }
}

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

// ---------------------------------------------------------------------------------------------
// Query protocols: the model decides which form parameters make up each member.

const PROTOCOL_PARAMS = new Set(['Action', 'Version']);

class QueryReader {
  readonly consumed = new Set<string>();
  readonly c: Checker;
  readonly params: Map<string, string>;
  readonly ec2: boolean;
  constructor(c: Checker, params: Map<string, string>, ec2: boolean) {
    this.c = c;
    this.params = params;
    this.ec2 = ec2;
  }

  private name(ref: ShapeRef, shape: Shape, member: string): string {
    if (this.ec2) {
      if (ref.queryName !== undefined) return ref.queryName;
      const loc = ref.locationName ?? shape.locationName;
      return loc === undefined ? member : upperFirst(loc);
    }
    return ref.locationName ?? shape.locationName ?? member;
  }

  private indexes(itemPrefix: string): number[] {
    const found = new Set<number>();
    const head = `${itemPrefix}.`;
    for (const k of this.params.keys()) {
      if (!k.startsWith(head)) continue;
      const m = /^(\d+)(?:\.|$)/.exec(k.slice(head.length));
      if (m?.[1]) found.add(Number(m[1]));
    }
    return [...found].sort((a, b) => a - b);
  }

  /** Checks the member at `prefix`; true when the request carries it. */
  read(ref: ShapeRef, prefix: string, loc: Loc, top = false): boolean {
    const shape = this.c.shapeOf(ref);
    if (!shape) return false;
    switch (shape.type) {
      case 'structure': {
        const members = shape.members ?? {};
        const present = new Set<string>();
        for (const [name, mref] of Object.entries(members)) {
          const mshape = this.c.shapeOf(mref);
          if (!mshape) continue;
          const key = this.name(mref, mshape, name);
          const wire = prefix === '' ? key : `${prefix}.${key}`;
          if (this.read(mref, wire, memberLoc(loc, name, wire))) present.add(name);
        }
        if (present.size === 0 && !top) return false;
        for (const name of shape.required ?? []) {
          if (present.has(name)) continue;
          const mref = members[name];
          const mshape = mref ? this.c.shapeOf(mref) : undefined;
          const key = mref && mshape ? this.name(mref, mshape, name) : name;
          this.c.add(
            memberLoc(loc, name, prefix === '' ? key : `${prefix}.${key}`),
            'required',
            'Member must not be null',
            undefined,
          );
        }
        if (shape.union && present.size !== 1)
          this.c.add(loc, 'union', 'Member must have exactly one member set', undefined, shape);
        return true;
      }
      case 'list': {
        if (this.params.get(prefix) === '') {
          this.consumed.add(prefix);
          this.c.count(shape, 0, loc, []);
          return true;
        }
        const member = shape.member;
        if (!member) return false;
        const flattened = ref.flattened ?? shape.flattened ?? false;
        let itemPrefix = prefix;
        if (!this.ec2) {
          if (flattened) {
            if (member.locationName !== undefined)
              itemPrefix = [...prefix.split('.').slice(0, -1), member.locationName].join('.');
          } else itemPrefix = `${prefix}.${member.locationName ?? 'member'}`;
        }
        const indexes = this.indexes(itemPrefix);
        if (indexes.length === 0) return false;
        this.c.count(
          shape,
          indexes.length,
          loc,
          indexes.map((n) => this.params.get(`${itemPrefix}.${n}`) ?? '…'),
        );
        indexes.forEach((n, i) => {
          const wire = `${itemPrefix}.${n}`;
          this.read(member, wire, indexLoc(loc, i, wire));
        });
        return true;
      }
      case 'map': {
        const flattened = ref.flattened ?? shape.flattened ?? false;
        const entryPrefix = flattened ? prefix : `${prefix}.entry`;
        const keyName = shape.key?.locationName ?? 'key';
        const valueName = shape.value?.locationName ?? 'value';
        const indexes = this.indexes(entryPrefix);
        if (indexes.length === 0) return false;
        this.c.count(shape, indexes.length, loc, undefined);
        for (const n of indexes) {
          const keyWire = `${entryPrefix}.${n}.${keyName}`;
          const k = this.params.get(keyWire) ?? '';
          this.consumed.add(keyWire);
          const at = keyLoc(loc, k, keyWire);
          const keyShape = shape.key ? this.c.shapeOf(shape.key) : undefined;
          if (keyShape) this.c.text(keyShape, k, at);
          if (shape.value) this.read(shape.value, `${entryPrefix}.${n}.${valueName}`, at);
        }
        return true;
      }
      default: {
        const text = this.params.get(prefix);
        if (text === undefined) return false;
        this.consumed.add(prefix);
        this.c.text(shape, text, loc);
        return true;
      }
    }
  }

  unknown(): void {
    for (const k of this.params.keys()) {
      if (this.consumed.has(k) || PROTOCOL_PARAMS.has(k) || k.startsWith('X-Amz-')) continue;
      // EC2 answers UnknownParameter; AWS Query services ignore what they do not know.
      this.c.add(
        { path: k, aws: k, wire: k },
        'unknown-member',
        'Member is not in the model',
        undefined,
        undefined,
        this.ec2,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------

function uriLabels(template: string, path: string): Map<string, string> | null {
  // Empty segments stay: `/clusters/a/node-groups//update-version` has an empty label.
  const t = (template.split('?')[0] ?? '').split('/').slice(1);
  const p = path.split('/').slice(1);
  const out = new Map<string, string>();
  for (let i = 0; i < t.length; i++) {
    const seg = t[i] as string;
    const label = /^\{([^}]+?)(\+)?\}$/.exec(seg);
    if (label?.[1]) {
      if (label[2]) {
        out.set(label[1], p.slice(i).map(decodeURIComponent).join('/'));
        return out;
      }
      const got = p[i];
      if (got === undefined) return out;
      out.set(label[1], decodeURIComponent(got));
    } else if (p[i] !== seg) return null;
  }
  return out;
}

function parseBody(c: Checker, body: Buffer): Record<string, unknown> | null {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    c.add({ path: '', aws: '', wire: '' }, 'type', 'Request body must be a JSON object', undefined);
    return null;
  }
  if (!isObject(parsed)) {
    c.add({ path: '', aws: '', wire: '' }, 'type', 'Request body must be a JSON object', parsed);
    return null;
  }
  return parsed;
}

function checkRestJson(c: Checker, input: Shape, uri: string, req: RequestParts): void {
  const root: Loc = { path: '', aws: '', wire: '' };
  const labels = uriLabels(uri, req.path) ?? new Map<string, string>();
  const bodyMembers: Record<string, ShapeRef> = {};
  const boundQuery = new Set<string>();
  const members = input.members ?? {};
  const present = new Set<string>();
  for (const [name, ref] of Object.entries(members)) {
    const shape = c.shapeOf(ref);
    if (!shape) continue;
    const wire = ref.locationName ?? name;
    const at = memberLoc(root, name, wire);
    if (ref.location === 'uri') {
      const v = labels.get(wire);
      if (v !== undefined && v !== '') {
        present.add(name);
        c.text(shape, v, at);
      }
    } else if (ref.location === 'querystring') {
      if (shape.type === 'map') continue;
      boundQuery.add(wire);
      const values = req.query.getAll(wire);
      if (values.length === 0) continue;
      present.add(name);
      if (shape.type === 'list') {
        c.count(shape, values.length, at, values);
        const itemShape = shape.member ? c.shapeOf(shape.member) : undefined;
        values.forEach((v, i) => {
          if (itemShape) c.text(itemShape, v, indexLoc(at, i, wire));
        });
      } else c.text(shape, values[0] as string, at);
    } else if (ref.location === 'header') {
      const v = req.headers[wire.toLowerCase()];
      if (v === undefined) continue;
      present.add(name);
      c.text(shape, Array.isArray(v) ? v.join(',') : v, at);
    } else if (ref.location === undefined) bodyMembers[name] = ref;
  }
  for (const name of input.required ?? []) {
    const ref = members[name];
    if (!ref || ref.location === undefined || present.has(name)) continue;
    c.add(memberLoc(root, name, ref.locationName ?? name), 'required', 'Member must not be null', undefined);
  }
  for (const k of new Set(req.query.keys())) {
    if (boundQuery.has(k) || k.startsWith('X-Amz-')) continue;
    c.add(
      { path: k, aws: k, wire: k },
      'unknown-member',
      'Member is not in the model',
      undefined,
      undefined,
      false,
    );
  }
  const hasBodyMembers = Object.keys(bodyMembers).length > 0;
  if (!hasBodyMembers && req.body.length === 0) return;
  const body = parseBody(c, req.body);
  if (body === null) return;
  const required = (input.required ?? []).filter((n) => bodyMembers[n] !== undefined);
  c.jsonStructure({ type: 'structure', members: bodyMembers, required }, body, root);
}

/**
 * Every way `req` breaks the model of `operation` on `service` (empty when it conforms).
 * An operation the committed model lacks is one `model-missing` violation.
 */
export function validateRequest(
  service: AwsService,
  operation: string,
  req: RequestParts,
  model: ServiceModel = loadServiceModel(service),
): RequestViolation[] {
  const c = new Checker(model, service, operation);
  const op = model.operations[operation];
  if (!op) {
    c.add(
      { path: '', aws: '', wire: '' },
      'model-missing',
      `${operation} is not in packages/sandbox/models/${service}.generated.json: add it to MODELED_OPERATIONS and run npm run models:sync`,
      undefined,
      undefined,
      false,
    );
    return c.out;
  }
  const input = op.input ? c.shapeOf(op.input) : undefined;
  const root: Loc = { path: '', aws: '', wire: '' };
  switch (model.metadata.protocol) {
    case 'rest-json':
      if (input) checkRestJson(c, input, op.http.requestUri, req);
      break;
    case 'json': {
      const body = parseBody(c, req.body);
      if (body !== null && input) c.jsonStructure(input, body, root);
      break;
    }
    case 'query':
    case 'ec2': {
      const form = req.body.length > 0 ? new URLSearchParams(req.body.toString('utf8')) : req.query;
      const reader = new QueryReader(c, new Map(form), model.metadata.protocol === 'ec2');
      if (op.input) reader.read(op.input, '', root, true);
      reader.unknown();
      break;
    }
  }
  return c.out;
}

function awsSentence(v: RequestViolation): string {
  const at = v.awsPath;
  const value = v.rule === 'required' ? 'Value null' : v.value === undefined ? 'Value' : `Value '${v.value}'`;
  return `${value} at '${at}' failed to satisfy constraint: ${v.constraint}`;
}

/** AWS's own validation message for a set of violations (`2 validation errors detected: …`). */
export function awsValidationMessage(violations: readonly RequestViolation[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.map(awsSentence).join('; ')}`;
}

/**
 * The error AWS answers for the rejected violations among `violations`, in the service's terms,
 * or null when AWS would accept the request. EC2 reports the first problem only, as EC2 does.
 */
export function rejectionOf(service: AwsService, violations: readonly RequestViolation[]): ApiError | null {
  const rejected = violations.filter((v) => v.rejected);
  const first = rejected[0];
  if (!first) return null;
  switch (service) {
    case 'ec2':
      if (first.rule === 'required')
        return new ApiError(
          400,
          'MissingParameter',
          `The request must contain the parameter ${first.wireName}`,
        );
      if (first.rule === 'unknown-member')
        return new ApiError(400, 'UnknownParameter', `The parameter ${first.wireName} is not recognized`);
      return new ApiError(
        400,
        'InvalidParameterValue',
        `Value (${first.value ?? ''}) for parameter ${first.wireName} is invalid. ${first.constraint}`,
      );
    case 'eks':
      return new ApiError(400, 'InvalidParameterException', awsValidationMessage(rejected));
    case 'sts':
      return new ApiError(400, 'ValidationError', awsValidationMessage(rejected));
    case 'ssm':
    case 'dynamodb': {
      const badType = rejected.find((v) => v.rule === 'type');
      if (badType)
        return new ApiError(
          400,
          'SerializationException',
          `Cannot read the value at '${badType.path || 'request body'}': ${badType.constraint}`,
        );
      return new ApiError(400, 'ValidationException', awsValidationMessage(rejected));
    }
  }
}
