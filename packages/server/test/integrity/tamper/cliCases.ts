import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { formatVerifierKey, type NoteVerifierKey, type StoredEvent } from '@vellum/core';
import { runCli } from '../../../src/cli/runCli.ts';
import { captureIO } from '../../support/captureIO.ts';
import { planBoundary, planControl, planTamper, type World } from './attacks.ts';
import { editField, rehash } from './mutate.ts';
import type { Rng } from './random.ts';
import { applySqlite, dropEventTriggers, sqliteTarget } from './sqliteTarget.ts';
import { VERIFY_PAGE, type TamperOp } from './target.ts';

/** A copy of the pristine database (VACUUM INTO: consistent and compact, whatever connections are open on it). */
export function copyDatabase(pristine: string, to: string): void {
  const db = new Database(pristine, { readonly: true });
  try {
    db.prepare('VACUUM INTO ?').run(to);
  } finally {
    db.close();
  }
}

/** The copy tampered with through SQL, triggers dropped, committed: a file an attacker hands back. */
export function tamperFile(file: string, ops: readonly TamperOp[]): void {
  const db = new Database(file);
  try {
    db.exec('BEGIN IMMEDIATE');
    dropEventTriggers(db);
    applySqlite(db, ops);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}

/**
 * One letter of the event's `type` changed inside the file's bytes — no SQL at all, the triggers still in place
 * (SQLite pages carry no checksum). The event's stored hash is unique in the file and only in its body, so the
 * nearest `"type":"` before it is this body's. Returns what the type became.
 */
export function editFileBytes(file: string, event: StoredEvent): string {
  const bytes = readFileSync(file);
  const hashAt = bytes.indexOf(Buffer.from(`"hash":"${event.hash}"`));
  if (hashAt < 0 || bytes.indexOf(Buffer.from(event.hash), hashAt + 10) >= 0) throw new Error(`event ${event.position}'s hash is not once in the file`);
  const typeAt = bytes.lastIndexOf(Buffer.from(`"type":"${event.type}"`), hashAt);
  if (typeAt < 0 || hashAt - typeAt > 16_384) throw new Error(`event ${event.position}'s type is not near its hash in the file`);
  const at = typeAt + '"type":"'.length;
  const letter = bytes[at] as number;
  bytes[at] = letter === 0x7a ? 0x61 : letter + 1; // the first letter, shifted: same length, still a lowercase type
  writeFileSync(file, bytes);
  return bytes.subarray(at, at + event.type.length).toString('utf8');
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `vellum verify --tenant … --store sqlite:… --checkpoint … --key …`, in-process. */
export async function verifyCli(file: string, tenant: string, checkpointFile: string, key: NoteVerifierKey): Promise<CliRun> {
  const io = captureIO();
  const code = await runCli(['verify', '--tenant', tenant, '--store', `sqlite:${file}`, '--checkpoint', checkpointFile, '--key', formatVerifierKey(key)], io);
  return { code, out: io.out(), err: io.err() };
}

/** Whether the report names this position: a problem row starting with it, or a problem text saying it. */
export const namesPosition = (out: string, position: number): boolean =>
  new RegExp(`^${position}\\s{2,}`, 'm').test(out) || new RegExp(`\\bposition ${position}\\b`).test(out);

interface Done {
  positions: number[];
  detail: string;
}

export interface CliCase {
  name: string;
  tenant: (world: World) => string;
  /** What the attacker does to a fresh copy; returns the positions the report must name (none: just exit 1). */
  tamper: (file: string, world: World, rng: Rng) => Done | Promise<Done>;
  /** 0: must verify (a control); 1: must fail. */
  exit: 0 | 1;
  /** A phrase the report must contain. */
  says?: RegExp;
}

const sql = (ops: TamperOp[], positions: number[], detail: string) => (file: string) => {
  tamperFile(file, ops);
  return { positions, detail };
};

export const CLI_CASES: readonly CliCase[] = [
  { name: 'untampered', tenant: (w) => w.victim.tenant, exit: 0, says: /OK: every hash recomputes/, tamper: () => ({ positions: [], detail: 'nothing changed' }) },
  {
    name: 'control: forged events appended after the head',
    tenant: (w) => w.victim.tenant,
    exit: 0,
    tamper: (file, world, rng) => {
      const trial = planControl(rng, world);
      return sql(trial.ops, [], trial.description)(file);
    },
  },
  {
    name: 'edit, stale hash',
    tenant: (w) => w.victim.tenant,
    exit: 1,
    says: /hash does not match/,
    tamper: (file, { victim }, rng) => {
      const position = rng.int(1, victim.checkpoint.treeSize);
      const edit = editField(victim.events[position - 1] as StoredEvent, rng, { includeHash: false });
      return sql([{ op: 'update', tenant: victim.tenant, position, set: { body: JSON.stringify(edit.event) } }], [position], edit.what)(file);
    },
  },
  {
    name: 'edit, own hash recomputed',
    tenant: (w) => w.victim.tenant,
    exit: 1,
    // No one can say which event changed: only that the root at the checkpoint's size is not the one signed.
    says: /root at size \d+ does NOT match/,
    tamper: (file, { victim }, rng) => {
      const position = rng.int(1, victim.checkpoint.treeSize);
      const event = victim.events[position - 1] as StoredEvent;
      const forged = rehash({ ...event, actor: { ...event.actor, id: `${event.actor.id}-forged` } });
      return sql([{ op: 'update', tenant: victim.tenant, position, set: { body: JSON.stringify(forged) } }], [], `#${position} actor changed, hash recomputed`)(file);
    },
  },
  {
    name: 'delete, gap left',
    tenant: (w) => w.victim.tenant,
    exit: 1,
    says: /missing/,
    tamper: (file, { victim }, rng) => {
      const position = rng.int(1, victim.checkpoint.treeSize);
      return sql([{ op: 'delete', tenant: victim.tenant, position }], [position], `#${position} deleted`)(file);
    },
  },
  {
    name: 'reorder, position columns swapped',
    tenant: (w) => w.victim.tenant,
    exit: 1,
    says: /out of order/,
    tamper: (file, { victim }, rng) => {
      const a = rng.int(1, victim.checkpoint.treeSize);
      const t = victim.tenant;
      const ops: TamperOp[] = [
        { op: 'update', tenant: t, position: a, set: { position: -1 } },
        { op: 'update', tenant: t, position: a + 1, set: { position: a } },
        { op: 'update', tenant: t, position: -1, set: { position: a + 1 } },
      ];
      return sql(ops, [a], `#${a} and #${a + 1} swapped`)(file);
    },
  },
  {
    name: 'change tenant in the body, hash recomputed',
    tenant: (w) => w.victim.tenant,
    exit: 1,
    says: /belongs to tenant/,
    tamper: (file, { victim, neighbour }, rng) => {
      const position = rng.int(1, victim.checkpoint.treeSize);
      const forged = rehash({ ...(victim.events[position - 1] as StoredEvent), tenant: neighbour.tenant });
      return sql([{ op: 'update', tenant: victim.tenant, position, set: { body: JSON.stringify(forged) } }], [position], `#${position} now says ${neighbour.tenant}`)(file);
    },
  },
  {
    name: 'insert forged, later renumbered and rehashed',
    tenant: (w) => w.victim.tenant,
    exit: 1,
    says: /does NOT match/,
    tamper: (file, world, rng) => {
      let trial = planTamper(rng, world, 'insert forged, later renumbered');
      while (!trial.variant.startsWith('bodies rewritten')) trial = planTamper(rng, world, 'insert forged, later renumbered');
      return sql(trial.ops, [], trial.description)(file);
    },
  },
  {
    name: 'truncate tail',
    tenant: (w) => w.victim.tenant,
    exit: 1,
    says: /truncated/,
    tamper: (file, { victim }, rng) => {
      const from = rng.int(2, victim.checkpoint.treeSize);
      return sql([{ op: 'deleteFrom', tenant: victim.tenant, position: from }], [], `#${from}.. deleted`)(file);
    },
  },
  {
    name: 'one byte of a body changed in the file (no SQL, triggers intact)',
    tenant: (w) => w.victim.tenant,
    exit: 1,
    says: /hash does not match/,
    tamper: (file, { victim }, rng) => {
      const event = victim.events[rng.int(1, victim.checkpoint.treeSize) - 1] as StoredEvent;
      const became = editFileBytes(file, event);
      return { positions: [event.position], detail: `#${event.position} type ${event.type} → ${became} in the file's bytes` };
    },
  },
  {
    name: `forged duplicates at a page boundary (position ${VERIFY_PAGE})`,
    tenant: (w) => w.big.tenant,
    exit: 1,
    tamper: async (file, world, rng) => {
      const trial = planBoundary(rng, world, VERIFY_PAGE);
      tamperFile(file, trial.ops);
      for (let attempt = 0; trial.adapt !== undefined; attempt++) {
        const reader = sqliteTarget(file);
        const more = await trial.adapt((tenant) => reader.read(tenant), attempt).finally(() => reader.close());
        if (more === null) break;
        tamperFile(file, more);
      }
      return { positions: [], detail: trial.description };
    },
  },
];

export const checkpointFileFor = (dir: string, tenant: string): string => path.join(dir, `checkpoint-${tenant}.txt`);
