/** Bits returned by `scanString`. */
export const STRING_HAS_CONTROL = 1; // a C0 control other than tab, LF, CR; or DEL
export const STRING_HAS_LINE_CONTROL = 2; // tab, LF or CR: fine in free text, not in identifiers
export const STRING_HAS_LONE_SURROGATE = 4;

/**
 * One pass over a string, reporting the character classes validation cares about. Lone surrogates matter
 * because such a string has no UTF-8 form: it cannot be canonicalised, hashed or stored faithfully.
 */
export function scanString(s: string): number {
  let flags = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) continue;
    if (c < 0x20) {
      flags |= c === 0x09 || c === 0x0a || c === 0x0d ? STRING_HAS_LINE_CONTROL : STRING_HAS_CONTROL;
    } else if (c === 0x7f) {
      flags |= STRING_HAS_CONTROL;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++;
          continue;
        }
      }
      flags |= STRING_HAS_LONE_SURROGATE;
    }
  }
  return flags;
}
