import type { ErrorDetail } from '../errors/registry.ts';
import { DetailCollector } from './DetailCollector.ts';
import { FIELD_LIMITS } from './fieldLimits.ts';
import { quoteKey } from './jsonPointer.ts';
import { scanString, STRING_HAS_CONTROL, STRING_HAS_LINE_CONTROL, STRING_HAS_LONE_SURROGATE } from './scanString.ts';
import { ValueChecker } from './ValueChecker.ts';

export const LONE_SURROGATE_MESSAGE =
  'contains a lone UTF-16 surrogate, which has no UTF-8 form; send well-formed Unicode text';

/** Plain data objects only: what JSON.parse makes, or an object literal. Class instances, Dates, Maps are not JSON. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** UTF-8 upper bound of a JSON string literal whose characters passed `scanString` (no 6-byte \u escapes). */
export const stringBytesBound = (s: string): number => 2 + 3 * s.length;

/**
 * Checks a key inside free-form JSON (data, context, change values): no control characters, no lone
 * surrogates, and no `__proto__`, which turns into a prototype assignment wherever code copies objects
 * by assignment and so cannot travel safely through the pipeline.
 */
export function checkFreeKey(key: string, c: ValueChecker): void {
  if (key === '__proto__') {
    c.reportAt(key, 'the key "__proto__" is not allowed; rename it');
    return;
  }
  const flags = scanString(key);
  if (flags === 0) return;
  if (flags & STRING_HAS_LONE_SURROGATE) c.reportAt(key, `key ${LONE_SURROGATE_MESSAGE}`);
  if (flags & (STRING_HAS_CONTROL | STRING_HAS_LINE_CONTROL)) {
    c.reportAt(key, `key ${quoteKey(key)} must not contain control characters`);
  }
}

/**
 * Validates free-form JSON (the values of `data`, `context`, `changes[].old/new`): JSON types only, finite
 * numbers, free-text strings (tab, LF, CR allowed; other controls and lone surrogates not), safe keys, and
 * at most `FIELD_LIMITS.nestingDepth` levels of containers. `depth` is the level `value` would have if it is
 * a container (1 for the outermost). Never descends past the limit, so hostile nesting costs nothing more.
 */
export function validateJsonValue(value: unknown, c: ValueChecker, depth: number): void {
  switch (typeof value) {
    case 'string': {
      const flags = scanString(value);
      if (flags & STRING_HAS_LONE_SURROGATE) c.report(LONE_SURROGATE_MESSAGE);
      if (flags & STRING_HAS_CONTROL) {
        c.report('must not contain control characters other than tab, line feed and carriage return');
      }
      c.bytes += stringBytesBound(value);
      return;
    }
    case 'number':
      if (!Number.isFinite(value)) c.report('must be a finite number (JSON has no NaN or Infinity)');
      c.bytes += 25; // longest JSON number text, e.g. -1.2345678901234567e-308
      return;
    case 'boolean':
      c.bytes += 5;
      return;
    case 'object': {
      if (value === null) {
        c.bytes += 4;
        return;
      }
      if (depth > FIELD_LIMITS.nestingDepth) {
        c.report(`is nested too deeply: at most ${FIELD_LIMITS.nestingDepth} levels of objects and arrays are allowed`);
        return;
      }
      if (Array.isArray(value)) {
        c.bytes += 2;
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          c.path.push(i);
          if (item === undefined) c.report('must be a JSON value; undefined is not one (use null)');
          else validateJsonValue(item, c, depth + 1);
          c.path.pop();
          c.bytes += 1;
        }
        return;
      }
      if (!isPlainObject(value)) {
        c.report('must be plain JSON: an object, array, string, number, boolean or null');
        return;
      }
      c.bytes += 2;
      for (const key of Object.keys(value)) {
        checkFreeKey(key, c);
        const item = value[key];
        c.path.push(key);
        if (item === undefined) c.report('must be a JSON value; undefined is not one (use null or leave the key out)');
        else validateJsonValue(item, c, depth + 1);
        c.path.pop();
        c.bytes += stringBytesBound(key) + 2;
      }
      return;
    }
    case 'undefined':
      c.report('must be a JSON value; undefined is not one');
      return;
    default:
      c.report(`must be a JSON value; a ${typeof value} is not one`);
  }
}

/**
 * Free-form JSON checked on its own (subscription filters, templates, any client JSON stored verbatim):
 * every problem with its pointer under `path`, bounded like request errors.
 */
export function validateJson(value: unknown, path = ''): ErrorDetail[] {
  const out = new DetailCollector();
  const c = new ValueChecker(out, path);
  try {
    validateJsonValue(value, c, 1);
  } catch {
    c.report('could not be read as plain JSON');
  }
  return out.finish();
}
