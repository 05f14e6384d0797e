import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A new API key: `vk_` + 32 base62 characters (about 190 bits) from the OS random source. The one place
 * keys are minted, so a later change of format happens here only.
 */
export function generateApiKey(random: (n: number) => Uint8Array = randomBytes): string {
  let out = 'vk_';
  while (out.length < 3 + 32) {
    for (const byte of random(48)) {
      // Rejection sampling: 248 = 4 × 62, so bytes below it map uniformly onto the alphabet.
      if (byte < 248 && out.length < 3 + 32) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** The part of a key that is safe to show (`vk_3fA9`), to tell keys apart in lists and logs. */
export function keyPrefix(key: string): string {
  return key.slice(0, Math.min(7, Math.floor(key.length / 4)));
}
