import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Every key Vellum issues starts with this, so secret scanners and people can tell one at a glance. */
export const API_KEY_PREFIX = 'vk_';
/** 30 base62 characters of randomness: about 178 bits, well past the 128 an unguessable key needs. */
const RANDOM_CHARS = 30;
/** CRC32 of the prefix and random part, as 6 base62 characters (62^6 > 2^32). */
const CHECKSUM_CHARS = 6;

/**
 * The key format, for secret scanners and for our own refusal of mistyped keys before any lookup:
 * `vk_`, 30 random base62 characters, then a 6-character base62 CRC32 checksum of everything before it.
 * The README documents this regular expression; a test keeps the two equal.
 */
export const API_KEY_PATTERN = /^vk_[0-9A-Za-z]{36}$/;

/** A new API key from the OS random source. The one place keys are minted. */
export function generateApiKey(random: (n: number) => Uint8Array = randomBytes): string {
  let body = API_KEY_PREFIX;
  while (body.length < API_KEY_PREFIX.length + RANDOM_CHARS) {
    for (const byte of random(48)) {
      // Rejection sampling: 248 = 4 × 62, so bytes below it map uniformly onto the alphabet.
      if (byte < 248 && body.length < API_KEY_PREFIX.length + RANDOM_CHARS) body += BASE62[byte % 62];
    }
  }
  return body + checksum(body);
}

/**
 * True when the key has our shape and its checksum matches: a typo or a truncated paste is caught here,
 * without a store lookup, and a scanner can tell a real key from a random string of the same shape.
 */
export function isWellFormedApiKey(key: string): boolean {
  if (!API_KEY_PATTERN.test(key)) return false;
  const body = key.slice(0, -CHECKSUM_CHARS);
  return key.slice(-CHECKSUM_CHARS) === checksum(body);
}

function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_CHARS; i++) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** The part of a key that is safe to show (`vk_3fA9`), to tell keys apart in lists and logs: 4 of 178 random bits' characters. */
export function keyPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 4);
}
