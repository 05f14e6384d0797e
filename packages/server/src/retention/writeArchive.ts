import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { encodeCursor } from '@vellum/core';
import type { EventStore } from '@vellum/core';
import type { PrunePlan } from './planPrune.ts';

const PAGE = 1000;
/** Bytes gathered before each write: few system calls, bounded memory. */
const FLUSH_BYTES = 1 << 20;

export interface ArchiveKey {
  publicKey: Buffer;
  verifierKey: string;
}

export interface ArchiveFiles {
  /** The NDJSON of the pruned events, stored form, in position order. */
  events: string;
  /** The signed checkpoint beside it (GET /v1/checkpoints/latest's shape plus `start` and `end`). */
  checkpoint: string;
}

/**
 * Writes the events a prune will remove — positions plan.from + 1 .. plan.through, as stored (hashes computable) —
 * to `<dir>/<tenant>/events-<from>-<through>.ndjson`, and the signed checkpoint the cut was bounded by to
 * `….checkpoint.json` in the shape `vellum export --checkpoint` saves, so `vellum verify --file` checks the
 * archive on its own. The checkpoint covers more than the archive on both sides, so the file also carries the
 * compact ranges before (`start`, the previous prune's frontier) and after (`end`) the archived positions.
 *
 * Each file is written under a temporary name, fsync'd, renamed, and the directory fsync'd: the archive exists
 * whole or not at all. Throws on any failure, and then the prune must not happen.
 */
export async function writeArchive(
  store: Pick<EventStore, 'search'>,
  plan: PrunePlan,
  previousFrontier: readonly string[],
  dir: string,
  key: ArchiveKey,
): Promise<ArchiveFiles> {
  const root = path.resolve(dir);
  const tenantDir = path.resolve(root, plan.tenant);
  // Tenant ids are checked at creation (letters, digits, _ . : -); this keeps even a bad one inside the directory.
  if (path.dirname(tenantDir) !== root) throw new Error(`tenant id ${JSON.stringify(plan.tenant)} cannot name an archive directory`);
  mkdirSync(tenantDir, { recursive: true, mode: 0o750 });
  const base = path.join(tenantDir, `events-${plan.from + 1}-${plan.through}`);
  const events = `${base}.ndjson`;
  const checkpoint = `${base}.checkpoint.json`;

  await writeDurably(events, async (write) => {
    let after = plan.from;
    while (after < plan.through) {
      const page = await store.search(plan.tenant, { order: 'asc', limit: PAGE, cursor: encodeCursor({ k: after }) });
      if (page.events.length === 0) break;
      let chunk = '';
      for (const event of page.events) {
        if (event.position > plan.through) break;
        if (event.position !== after + 1) throw new Error(`tenant ${plan.tenant}: position ${after + 1} is missing from the store; refusing to archive and prune`);
        chunk += `${JSON.stringify(event)}\n`;
        after = event.position;
        if (chunk.length >= FLUSH_BYTES) {
          write(chunk);
          chunk = '';
        }
      }
      write(chunk);
    }
    if (after !== plan.through) throw new Error(`tenant ${plan.tenant}: the store ends at position ${after}, before ${plan.through}; refusing to archive and prune`);
  });
  const sidecar = {
    treeSize: plan.checkpoint.treeSize,
    rootHash: plan.checkpoint.rootHash,
    checkpoint: plan.checkpoint.note,
    publicKey: key.publicKey.toString('base64'),
    verifierKey: key.verifierKey,
    start: { prunedThrough: plan.from, frontier: previousFrontier },
    end: { treeSize: plan.checkpoint.treeSize, hashes: plan.rest },
  };
  await writeDurably(checkpoint, (write) => {
    write(`${JSON.stringify(sidecar, null, 2)}\n`);
    return Promise.resolve();
  });
  fsyncDirectory(tenantDir);
  return { events, checkpoint };
}

async function writeDurably(file: string, fill: (write: (text: string) => void) => Promise<void>): Promise<void> {
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w', 0o640);
  let closed = false;
  try {
    await fill((text) => {
      if (text.length > 0) writeSync(fd, text);
    });
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    renameSync(partial, file);
  } catch (error) {
    if (!closed) closeSync(fd);
    rmSync(partial, { force: true });
    throw error;
  }
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
