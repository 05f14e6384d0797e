import type { StoredEvent } from '../event/types.ts';

/**
 * Templates over an event's fields, for delivery targets: `audit.{tenant}.{type}` (a NATS subject),
 * `config:company:{data.company_id}` (a Redis key). A placeholder is a dotted path into the stored event; `{{` and
 * `}}` stand for literal braces (Redis cluster hash tags use them). Parsed once when the target is given, rendered per
 * event.
 */

export const TEMPLATE_MAX_CHARS = 512;

export type TemplatePart = string | { path: readonly string[] };

export interface Template {
  source: string;
  parts: readonly TemplatePart[];
}

export type TemplateParse = { ok: true; template: Template } | { ok: false; problems: string[] };

/** Event fields a placeholder may start with: a value (`'scalar'`), an object with the listed fields, or free-form JSON below (`'any'`). */
const FIELDS: Record<string, readonly string[] | 'scalar' | 'any'> = {
  id: 'scalar', tenant: 'scalar', position: 'scalar', stream: 'scalar', streamVersion: 'scalar', type: 'scalar',
  action: 'scalar', severity: 'scalar', outcome: 'scalar', source: 'scalar', correlationId: 'scalar',
  causationId: 'scalar', occurredAt: 'scalar', recordedAt: 'scalar',
  actor: ['type', 'id', 'name', 'email'],
  entity: ['type', 'id', 'name'],
  data: 'any',
  context: 'any',
  changes: 'any',
  tags: 'any',
};

const SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_DEPTH = 16;

function checkPath(text: string, at: number, problems: string[]): string[] | null {
  const where = `at character ${at + 1}`;
  if (text === '') {
    problems.push(`${where}: an empty placeholder {}; name an event field such as {type} or {data.company_id}`);
    return null;
  }
  const path = text.split('.');
  if (path.length > MAX_DEPTH) {
    problems.push(`${where}: the placeholder {${text.slice(0, 64)}} is deeper than ${MAX_DEPTH} fields`);
    return null;
  }
  const bad = path.find((s) => !SEGMENT.test(s));
  if (bad !== undefined) {
    problems.push(`${where}: {${text.slice(0, 64)}} is not a dotted path of field names (letters, digits, _ and -)`);
    return null;
  }
  const head = path[0]!;
  const kind = Object.hasOwn(FIELDS, head) ? FIELDS[head] : undefined;
  if (kind === undefined) {
    problems.push(`${where}: {${text.slice(0, 64)}} names no event field (known: ${Object.keys(FIELDS).join(', ')})`);
    return null;
  }
  if (kind === 'scalar' && path.length > 1) {
    problems.push(`${where}: {${text.slice(0, 64)}}: ${head} has no fields below it`);
    return null;
  }
  if (kind !== 'scalar' && path.length === 1) {
    problems.push(`${where}: {${head}} is an object or list, not a value; name a field below it, such as {${head}.${kind === 'any' ? 'x' : kind[0]}}`);
    return null;
  }
  if (Array.isArray(kind) && (path.length !== 2 || !kind.includes(path[1]!))) {
    problems.push(`${where}: {${text.slice(0, 64)}}: ${head} has the fields ${kind.join(', ')}`);
    return null;
  }
  return path;
}

/** Checks a template and splits it into literal text and placeholders; every problem is reported with its position. */
export function parseTemplate(source: string): TemplateParse {
  const problems: string[] = [];
  if (source.length > TEMPLATE_MAX_CHARS) return { ok: false, problems: [`is longer than ${TEMPLATE_MAX_CHARS} characters`] };
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '{' && source[i + 1] === '{') {
      literal += '{';
      i += 2;
    } else if (c === '}' && source[i + 1] === '}') {
      literal += '}';
      i += 2;
    } else if (c === '}') {
      problems.push(`at character ${i + 1}: a lone "}" (write "}}" for a literal brace)`);
      i++;
    } else if (c === '{') {
      const end = source.indexOf('}', i + 1);
      const nextOpen = source.indexOf('{', i + 1);
      if (end === -1 || (nextOpen !== -1 && nextOpen < end)) {
        problems.push(`at character ${i + 1}: "{" is not closed by "}" (write "{{" for a literal brace)`);
        i++;
        continue;
      }
      const path = checkPath(source.slice(i + 1, end), i, problems);
      if (path !== null) {
        if (literal !== '') parts.push(literal);
        literal = '';
        parts.push({ path });
      }
      i = end + 1;
    } else {
      literal += c;
      i++;
    }
  }
  if (literal !== '') parts.push(literal);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, template: { source, parts } };
}

/** The value a path names in the event, when it is a string, a finite number or a boolean; null otherwise. */
export function templateValue(event: StoredEvent, path: readonly string[]): string | null {
  let value: unknown = event;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return null;
    if (Array.isArray(value)) {
      if (!/^\d{1,9}$/.test(segment)) return null;
      value = value[Number(segment)];
    } else {
      if (!Object.hasOwn(value, segment)) return null;
      value = (value as Record<string, unknown>)[segment];
    }
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'boolean') return String(value);
  return null;
}

/**
 * The template filled in from the event, each value passed through `escape` (a NATS subject makes values
 * token-safe); null when a placeholder's field is absent, or is an object, a list or null — the caller skips it.
 */
export function renderTemplate(template: Template, event: StoredEvent, escape: (value: string) => string = (v) => v): string | null {
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = templateValue(event, part.path);
    if (value === null) return null;
    out += escape(value);
  }
  return out;
}

/** True when the template has no placeholder (renders the same for every event). */
export const isConstantTemplate = (template: Template): boolean => template.parts.every((p) => typeof p === 'string');
