import { randomFillSync } from 'node:crypto';

/**
 * Random bytes from the OS CSPRNG, fetched a pool at a time: each event id needs 10 bytes, and one
 * `randomBytes(10)` call per event (a fresh Buffer and a call into OpenSSL each) cost ~4% of the server's
 * CPU under batch ingest. The bytes are the same source's; each is handed out once, as a copy.
 */
export function pooledRandom(poolBytes = 4096): (n: number) => Uint8Array {
  const pool = Buffer.allocUnsafe(poolBytes);
  let at = poolBytes;
  return (n: number): Uint8Array => {
    if (n > poolBytes) return randomFillSync(Buffer.allocUnsafe(n));
    if (at + n > poolBytes) {
      randomFillSync(pool);
      at = 0;
    }
    const out = new Uint8Array(n);
    out.set(pool.subarray(at, at + n));
    at += n;
    return out;
  };
}
