// Both specs use "the standard Base 64 encoding specified in RFC 4648, Section 4" (c2sp.org/signed-note,
// c2sp.org/tlog-checkpoint): alphabet A–Z a–z 0–9 + /, '=' padding. Buffer.from(s, 'base64') is far more forgiving
// (URL-safe letters, missing padding, junk skipped), so hostile text is checked against the exact grammar first.
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Strict standard base64 with padding; undefined for anything else. Also refuses non-zero bits in the unused tail of
 * the last group (RFC 4648 §3.5 lets decoders reject them), so every byte string has exactly one accepted spelling.
 */
export function decodeBase64Strict(text: string, maxChars = 1 << 16): Buffer | undefined {
  if (text.length === 0 || text.length > maxChars || !STANDARD_BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
