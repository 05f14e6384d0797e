/** RFC 8785 (JCS) canonical JSON of a JSON value. Throws on values JSON cannot represent. */
export function canonicalJson(value: unknown): string {
  void value;
  throw new Error('not implemented');
}
