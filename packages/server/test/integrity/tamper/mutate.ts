import { canonicalJson, hashEvent, type StoredEvent } from '@vellum/core';
import type { Rng } from './random.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** Every path into the event (objects, arrays and leaves), the root excluded. */
function paths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push([...prefix, i]);
      paths(item, [...prefix, i], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push([...prefix, key]);
      paths(value[key] as Json, [...prefix, key], out);
    }
  }
  return out;
}

function get(root: Json, path: Path): Json {
  let at: Json = root;
  for (const step of path) at = (at as Record<string | number, Json>)[step] as Json;
  return at;
}

const pointer = (path: Path): string => '/' + path.map(String).join('/');

/** A different string: one character changed, added or removed, or an unrelated one. */
function otherString(s: string, rng: Rng): string {
  const choice = rng.int(0, 4);
  if (choice === 0 && s.length > 0) {
    const i = rng.int(0, s.length - 1);
    const code = s.charCodeAt(i);
    // Flip one low bit: the smallest edit there is ('a' → 'c', '5' → '4'), kept a well-formed string.
    const flipped = code >= 0xd800 && code <= 0xdfff ? 0x41 : code ^ (1 << rng.int(0, 2));
    return s.slice(0, i) + String.fromCharCode(flipped) + s.slice(i + 1);
  }
  if (choice === 1) return s + rng.pick([' ', 'x', '\u0000', '\u200b', 'é']);
  if (choice === 2 && s.length > 0) return s.slice(1);
  if (choice === 3) return s.toUpperCase() === s ? s + 'A' : s.toUpperCase();
  return rng.pick(['', 'forged', 'admin', s + s]);
}

/** A replacement for a value: same kind, a little different, or a different kind altogether. */
function otherValue(value: Json, rng: Rng): Json {
  if (rng.chance(0.15)) return rng.pick<Json>([null, 0, '', false, [], {}, 'forged']);
  if (typeof value === 'string') return otherString(value, rng);
  if (typeof value === 'number') return rng.pick([value + 1, value - 1, -value || 1, value * 2 || 3, String(value) as Json]);
  if (typeof value === 'boolean') return !value;
  if (value === null) return rng.pick<Json>([0, 'null', false]);
  if (Array.isArray(value)) {
    if (value.length > 1 && rng.chance(0.4)) return [...value].reverse();
    if (value.length > 0 && rng.chance(0.5)) return value.slice(0, -1);
    return [...value, 'forged'];
  }
  const copy = { ...value };
  const keys = Object.keys(copy);
  if (keys.length > 0 && rng.chance(0.5)) delete copy[rng.pick(keys)];
  else copy[rng.pick(['extra', 'approvedBy', '__proto__x'])] = 'forged';
  return copy;
}

export interface FieldEdit {
  event: StoredEvent;
  /** JSON pointer of what changed, e.g. `/actor/id`. */
  path: string;
  what: string;
}

/**
 * One edit of one field of an event: a value changed (same or another kind), a member removed or added, an array
 * reordered or cut. Retried until the canonical JSON really differs (an edit JCS cannot see is no edit). The
 * `hash` member is left as it was unless `includeHash` allows it to be the target.
 */
export function editField(original: StoredEvent, rng: Rng, options: { includeHash: boolean }): FieldEdit {
  const before = canonicalJson(original);
  for (let attempt = 0; attempt < 100; attempt++) {
    const event = structuredClone(original) as unknown as { [key: string]: Json };
    const candidates = paths(event).filter((p) => options.includeHash || p[0] !== 'hash');
    const path = rng.pick(candidates);
    const parentPath = path.slice(0, -1);
    const last = path[path.length - 1] as string | number;
    const parent = (parentPath.length === 0 ? event : get(event, parentPath)) as Record<string | number, Json>;
    let what: string;
    if (!Array.isArray(parent) && rng.chance(0.1)) {
      delete parent[last];
      what = `removed ${pointer(path)}`;
    } else {
      const old = parent[last] as Json;
      parent[last] = otherValue(old, rng);
      what = `${pointer(path)}: ${JSON.stringify(old)?.slice(0, 40)} → ${JSON.stringify(parent[last])?.slice(0, 40)}`;
    }
    if (canonicalJson(event) !== before) return { event: event as unknown as StoredEvent, path: pointer(path), what };
  }
  throw new Error('no effective edit found in 100 attempts');
}

/** The event with its hash recomputed over its (possibly forged) content: what an attacker with the code does. */
export function rehash(event: StoredEvent): StoredEvent {
  return { ...event, hash: hashEvent(event) };
}
