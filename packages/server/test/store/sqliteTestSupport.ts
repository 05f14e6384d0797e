/** Shared by the SQLite store's own tests and the crash test's child process (which cannot load vitest). */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareEvent, uuidv7 } from '@vellum/core';
import type { EventInput, PreparedEvent } from '@vellum/core';

/** A PreparedEvent made the way ingest makes one, with a fresh UUIDv7. */
export function preparedEvent(tenant: string, input: Partial<EventInput> = {}, nowMs = Date.now()): PreparedEvent {
  return prepareEvent(
    { type: 'test.happened', actor: { type: 'user', id: '1' }, ...input },
    [],
    { tenant, id: uuidv7(nowMs, randomBytes(10)), recordedAt: new Date(nowMs).toISOString() },
  );
}

/** A fresh directory under the OS temp dir, removed by the returned function. */
export function tempDir(prefix = 'vellum-sqlite-'): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
