import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { tempDir } from './sqliteTestSupport.ts';

const CHILD = fileURLToPath(new URL('./sqliteCrashChild.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** Runs the child, calling `onLine` for each line it prints; resolves when it has exited. */
function runChild(mode: 'big' | 'loop', file: string, onLine: (line: string, child: ChildProcess) => void): Promise<{ signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, file], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) onLine(line, child);
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve({ signal, output })));
}

/** What a reopened store holds: positions, and per event whether its side rows are all there. */
function inspect(file: string): { positions: number[]; integrity: string; tagRows: number; fieldRows: number } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      positions: (db.prepare("SELECT position FROM events WHERE tenant = 'acme' ORDER BY position").pluck().all() as number[]),
      integrity: db.prepare('PRAGMA integrity_check').pluck().get() as string,
      tagRows: db.prepare("SELECT COUNT(*) FROM event_tags WHERE tenant = 'acme'").pluck().get() as number,
      fieldRows: db.prepare("SELECT COUNT(*) FROM event_fields WHERE tenant = 'acme'").pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('SQLite store killed with SIGKILL', () => {
  let dir: { dir: string; remove(): void };
  let file: string;
  beforeEach(() => {
    dir = tempDir('vellum-crash-');
    file = path.join(dir.dir, 'vellum.db');
  });
  afterEach(() => dir.remove());

  it('leaves nothing of a batch killed mid-transaction, and everything committed before it', async () => {
    let committed = 0;
    let sawTransaction = false;
    let poll: NodeJS.Timeout | undefined;
    const probe = { db: undefined as Database.Database | undefined };
    const { signal, output } = await runChild('big', file, (line, child) => {
      if (line.startsWith('committed ')) committed = Number(line.slice('committed '.length));
      if (line !== 'appending') return;
      // The child's write transaction holds SQLite's write lock from BEGIN IMMEDIATE to COMMIT, so a
      // probe that cannot take it (busy_timeout 0) proves the large batch is under way: kill it then.
      probe.db = new Database(file, { timeout: 0 });
      poll = setInterval(() => {
        try {
          probe.db!.exec('BEGIN IMMEDIATE');
          probe.db!.exec('ROLLBACK');
        } catch {
          clearInterval(poll);
          sawTransaction = true;
          setTimeout(() => child.kill('SIGKILL'), 200);
        }
      }, 2);
    });
    clearInterval(poll);
    probe.db?.close();
    expect(sawTransaction, 'the probe saw the large batch\'s transaction').toBe(true);
    expect(signal, output).toBe('SIGKILL');
    expect(output, 'the large batch must not have committed before the kill').not.toContain('committed-big');
    expect(committed).toBe(200);

    const after = inspect(file);
    expect(after.integrity).toBe('ok');
    expect(after.positions).toEqual(oneTo(200));
    expect(after.tagRows).toBe(200 * 2);
    expect(after.fieldRows).toBe(200);
    const store = openSqliteStore({ path: file });
    try {
      expect(await store.headPosition('acme')).toBe(200);
      const [outcome] = await store.append([{ tenant: 'acme', events: [] }]);
      expect(outcome?.status).toBe('committed');
    } finally {
      await store.close();
    }
  });

  it('loses no acknowledged event and leaves no gap when killed at an arbitrary moment of a write loop', async () => {
    let acked = 0;
    let killAt: number | undefined;
    const { signal, output } = await runChild('loop', file, (line, child) => {
      if (!line.startsWith('acked ')) return;
      acked = Number(line.slice('acked '.length));
      killAt ??= Date.now() + 400 + Math.floor(Math.random() * 400);
      if (Date.now() >= killAt) child.kill('SIGKILL');
    });
    expect(signal, output).toBe('SIGKILL');
    expect(acked).toBeGreaterThan(0);

    const after = inspect(file);
    expect(after.integrity).toBe('ok');
    // Every acknowledged event is there; at most the batch in flight at the kill is too (its COMMIT may
    // have reached the disk before the acknowledgement reached stdout), and whole batches only.
    const head = after.positions.length;
    expect(after.positions).toEqual(oneTo(head));
    expect(head).toBeGreaterThanOrEqual(acked);
    expect(head % 25).toBe(0);
    expect(after.tagRows).toBe(head * 2);
    expect(after.fieldRows).toBe(head);
  });
});
