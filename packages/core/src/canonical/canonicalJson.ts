/**
 * RFC 8785 (JCS) canonical JSON of a JSON value. Throws on values JSON cannot represent.
 *
 * Rules: object members sorted by the UTF-16 code units of their names (JavaScript's default string
 * order), numbers in ECMAScript `Number.prototype.toString` form (`-0` → `0`), strings with JSON's
 * minimal escaping, no whitespace. Object members whose value is `undefined` are skipped, as
 * `JSON.stringify` does; anything else JSON cannot carry (non-finite numbers, `undefined` in an array,
 * bigint, functions, symbols, lone surrogates) throws, because a hash over a lossy form would not verify.
 *
 * Hand-rolled rather than `JSON.stringify` + re-sorting because it runs for every event on the ingest path.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value);
}

// String.prototype.isWellFormed is native in Node 20 but not in the ES2023 lib typings.
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

// Characters that need escaping, plus surrogates (which need the well-formedness check). Most strings in
// events have none, and one regex scan is cheaper than the two native calls below.
const NEEDS_CARE = /[\u0000-\u001f"\\\ud800-\udfff]/;

function serializeString(s: string): string {
  if (!NEEDS_CARE.test(s)) return '"' + s + '"';
  // JSON.stringify escapes exactly as JCS requires for well-formed strings (", \, control characters,
  // with the short forms \b \t \n \f \r); for lone surrogates it emits \udXXX, which JCS forbids.
  if (!isWellFormed(s)) throw new TypeError('canonicalJson: a string contains a lone surrogate');
  return JSON.stringify(s);
}

function serialize(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
      // ES Number::toString is exactly JCS's number form; String(-0) is already "0".
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const n = value.length;
        if (n === 0) return '[]';
        let out = '[';
        for (let i = 0; i < n; i++) {
          const item: unknown = value[i];
          if (item === undefined) throw new TypeError('canonicalJson: an array contains undefined');
          out += (i === 0 ? '' : ',') + serialize(item);
        }
        return out + ']';
      }
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      // Dates and similar carry their JSON form; honour it so the hash matches what a store persists.
      if (typeof toJSON === 'function') return serialize(toJSON.call(value));
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = obj[key];
        if (member === undefined) continue;
        out += (first ? '' : ',') + serializeString(key) + ':' + serialize(member);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not a JSON value`);
  }
}
