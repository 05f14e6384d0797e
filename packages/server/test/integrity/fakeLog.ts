/**
 * A log of random leaf hashes per tenant behind the real in-memory IntegrityStore: for driving the integrator and
 * the checkpointer directly, with failures and delays where a test wants them.
 */
import { randomBytes } from 'node:crypto';
import { MemoryMerkleTree, merkleHashFromHex } from '@vellum/core';
import { InMemoryIntegrityStore } from '../../src/store/InMemoryIntegrityStore.ts';
import type { IntegrityLog } from '../../src/integrity/IntegrityLog.ts';

export class FakeLog {
  readonly leaves = new Map<string, string[]>();
  readonly integrity = new InMemoryIntegrityStore({
    eventHashes: (tenant, from, limit) => (this.leaves.get(tenant) ?? []).slice(from - 1, from - 1 + limit),
    tenantHeads: () => [...this.leaves].map(([tenant, hashes]) => [tenant, hashes.length] as [string, number]),
  });

  append(tenant: string, count: number): void {
    const hashes = this.leaves.get(tenant) ?? [];
    for (let i = 0; i < count; i++) hashes.push(randomBytes(32).toString('hex'));
    this.leaves.set(tenant, hashes);
  }

  root(tenant: string, size?: number): string {
    return new MemoryMerkleTree((this.leaves.get(tenant) ?? []).map(merkleHashFromHex)).root(size).toString('hex');
  }

  headPosition(tenant: string): Promise<number> {
    return Promise.resolve(this.leaves.get(tenant)?.length ?? 0);
  }
}

/** Records log calls: `[level, message, fields]`. */
export function recordingLog(): IntegrityLog & { lines: Array<[string, string, object]> } {
  const lines: Array<[string, string, object]> = [];
  return {
    lines,
    info: (fields, message) => lines.push(['info', message, fields]),
    warn: (fields, message) => lines.push(['warn', message, fields]),
    error: (fields, message) => lines.push(['error', message, fields]),
  };
}
