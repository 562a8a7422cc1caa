/** A tiny XML writer for the EC2 and STS query protocols. */

const LIST = Symbol('xml-list');

/** A list whose members are written as `<itemName>` (default `item`). */
export interface XmlList {
  [LIST]: true;
  itemName: string;
  items: XmlValue[];
}

export type XmlValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | Date
  | XmlValue[]
  | XmlList
  | { [key: string]: XmlValue };

export function xmlList(itemName: string, items: XmlValue[]): XmlList {
  return { [LIST]: true, itemName, items };
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === "'" ? '&apos;' : '&quot;',
  );
}

function isList(v: unknown): v is XmlList {
  return typeof v === 'object' && v !== null && LIST in v;
}

function renderChildren(value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => element('item', v)).join('');
  if (isList(value)) return value.items.map((v) => element(value.itemName, v)).join('');
  return Object.entries(value)
    .map(([k, v]) => element(k, v))
    .join('');
}

/** `<name>…</name>`; null/undefined children produce nothing at all. */
export function element(name: string, value: XmlValue): string {
  if (value === null || value === undefined) return '';
  return `<${name}>${renderChildren(value)}</${name}>`;
}

/** A full EC2-style response document. */
export function xmlDocument(root: string, namespace: string, children: Record<string, XmlValue>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${namespace}">${renderChildren(children)}</${root}>`;
}
