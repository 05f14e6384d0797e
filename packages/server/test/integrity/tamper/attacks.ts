import { uuidv7, type StoredEvent } from '@vellum/core';
import type { ExportedCheckpoint } from './checkpoint.ts';
import { editField, rehash } from './mutate.ts';
import type { Rng } from './random.ts';
import type { TamperOp } from './target.ts';

/** A tenant's pristine log as read from the store, and the checkpoint exported over its first `treeSize` events. */
export interface PristineLog {
  tenant: string;
  events: StoredEvent[];
  checkpoint: ExportedCheckpoint;
}

/** The attacked tenant, its neighbour in the same store, and a log longer than one page of the verifier's reads. */
export interface World {
  victim: PristineLog;
  neighbour: PristineLog;
  big: PristineLog;
}

export const TAMPER_KINDS = [
  'edit, stale hash',
  'edit, own hash recomputed',
  'edit, every hash recomputed',
  'replace with a forged event',
  'delete, gap left',
  'delete, later renumbered',
  'insert forged, later renumbered',
  'insert forged at a taken position',
  'reorder (swap two)',
  'change tenant',
  'truncate tail',
] as const;
export type TamperKind = (typeof TAMPER_KINDS)[number];
export const CONTROL_KIND = 'control: forged appends after the head';
export const BOUNDARY_KIND = 'forged duplicates at a page boundary';

export interface Trial {
  kind: TamperKind | typeof CONTROL_KIND | typeof BOUNDARY_KIND;
  variant: string;
  /** Human words: what was done, with positions (printed for anything undetected). */
  description: string;
  ops: TamperOp[];
  /** Tenants whose log must fail verification (empty for a control: every log must verify). */
  mustFail: string[];
  /** The positions tampered with, in the log that must fail. */
  positions: number[];
  /**
   * An attacker who checks their work: after the ops, it reads the log as the verifier would and returns more ops to
   * try (attempt 0, 1, …), or null once satisfied or out of ideas.
   */
  adapt?: (read: (tenant: string) => Promise<StoredEvent[]>, attempt: number) => Promise<TamperOp[] | null>;
}

const body = (event: StoredEvent): string => JSON.stringify(event);
const withPosition = (event: StoredEvent, position: number): StoredEvent => rehash({ ...event, position });

/** A forged event that would pass any check of its own: fresh id, its own stream, a plausible time, a correct hash. */
function forgeEvent(rng: Rng, log: PristineLog, tenant: string, position: number): StoredEvent {
  const model = rng.pick(log.events);
  const near = log.events[Math.min(position, log.events.length) - 1] ?? model;
  const recordedMs = Date.parse(near.recordedAt) + rng.int(0, 5);
  const forged: StoredEvent = {
    ...structuredClone(model),
    id: uuidv7(recordedMs, Buffer.from(rng.hex(20), 'hex')),
    tenant,
    position,
    stream: `forged:${rng.hex(8)}`,
    streamVersion: 1,
    type: rng.pick(['role.granted', 'invoice.refund.issued', 'configuration.deleted']),
    actor: { type: 'user', id: rng.pick(['5', '6', '7']) },
    recordedAt: new Date(recordedMs).toISOString(),
    occurredAt: new Date(recordedMs - rng.int(0, 60_000)).toISOString(),
    data: { approved: true, amount: rng.int(1, 1_000_000) },
  };
  delete forged.idempotencyKey;
  return rehash(forged);
}

/** Rewrites positions `from..to` of a log to `position + shift`, in an order the unique (tenant, position) allows. */
function renumber(log: PristineLog, from: number, to: number, shift: number, rewriteBodies: boolean): TamperOp[] {
  const ops: TamperOp[] = [];
  const positions = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  if (shift > 0) positions.reverse();
  for (const position of positions) {
    const event = log.events[position - 1] as StoredEvent;
    ops.push({
      op: 'update',
      tenant: log.tenant,
      position,
      set: { position: position + shift, ...(rewriteBodies ? { body: body(withPosition(event, position + shift)) } : {}) },
    });
  }
  return ops;
}

type Planner = (rng: Rng, world: World) => Trial;

const PLANNERS: Record<TamperKind, Planner> = {
  'edit, stale hash'(rng, { victim }) {
    // Anywhere, beyond the checkpoint too: a hash that does not match its event is caught without a checkpoint.
    const position = rng.int(1, victim.events.length);
    const event = victim.events[position - 1] as StoredEvent;
    if (rng.chance(0.03)) {
      // Hostile: a string JSON can carry but canonical JSON refuses (a lone surrogate), to trip the hashing.
      const forged = { ...event, data: { ...event.data, note: '\ud800' } };
      return { kind: 'edit, stale hash', variant: 'lone surrogate', description: `#${position}: /data/note = "\\ud800"`, ops: [{ op: 'update', tenant: victim.tenant, position, set: { body: body(forged) } }], mustFail: [victim.tenant], positions: [position] };
    }
    const edit = editField(event, rng, { includeHash: true });
    return {
      kind: 'edit, stale hash',
      variant: edit.path === '/hash' ? 'the hash itself' : position > victim.checkpoint.treeSize ? 'after the checkpoint' : 'a field',
      description: `#${position}: ${edit.what}`,
      ops: [{ op: 'update', tenant: victim.tenant, position, set: { body: body(edit.event) } }],
      mustFail: [victim.tenant],
      positions: [position],
    };
  },

  'edit, own hash recomputed'(rng, { victim }) {
    const position = rng.int(1, victim.checkpoint.treeSize);
    const edit = editField(victim.events[position - 1] as StoredEvent, rng, { includeHash: false });
    return {
      kind: 'edit, own hash recomputed',
      variant: ['/position', '/tenant'].includes(edit.path) ? `edits ${edit.path}` : 'a field',
      description: `#${position}: ${edit.what}, hash recomputed`,
      ops: [{ op: 'update', tenant: victim.tenant, position, set: { body: body(rehash(edit.event)) } }],
      mustFail: [victim.tenant],
      positions: [position],
    };
  },

  'edit, every hash recomputed'(rng, { victim }) {
    const position = rng.int(1, victim.checkpoint.treeSize);
    const edit = editField(victim.events[position - 1] as StoredEvent, rng, { includeHash: false });
    // Hashes do not chain, so recomputing the others changes nothing in them, but the attacker rewrites every body anyway.
    const ops: TamperOp[] = victim.events.map((event, i) => ({
      op: 'update',
      tenant: victim.tenant,
      position: i + 1,
      set: { body: body(rehash(i + 1 === position ? edit.event : event)) },
    }));
    return { kind: 'edit, every hash recomputed', variant: 'a field', description: `#${position}: ${edit.what}; all ${ops.length} bodies rewritten with recomputed hashes`, ops, mustFail: [victim.tenant], positions: [position] };
  },

  'replace with a forged event'(rng, { victim }) {
    const position = rng.int(1, victim.checkpoint.treeSize);
    const forged = forgeEvent(rng, victim, victim.tenant, position);
    return {
      kind: 'replace with a forged event',
      variant: 'same position, correct hash',
      description: `#${position} replaced by forged ${forged.type} ${forged.id}`,
      ops: [{ op: 'update', tenant: victim.tenant, position, set: { body: body(forged) } }],
      mustFail: [victim.tenant],
      positions: [position],
    };
  },

  'delete, gap left'(rng, { victim }) {
    const position = rng.int(1, victim.checkpoint.treeSize);
    return { kind: 'delete, gap left', variant: position === victim.checkpoint.treeSize ? 'the checkpoint\'s last' : 'one event', description: `#${position} deleted`, ops: [{ op: 'delete', tenant: victim.tenant, position }], mustFail: [victim.tenant], positions: [position] };
  },

  'delete, later renumbered'(rng, { victim }) {
    const position = rng.int(1, victim.checkpoint.treeSize);
    const rewrite = rng.chance(0.7);
    return {
      kind: 'delete, later renumbered',
      variant: rewrite ? 'bodies rewritten, hashes recomputed' : 'position column only',
      description: `#${position} deleted, #${position + 1}..#${victim.events.length} moved down by one${rewrite ? ' with rewritten bodies' : ''}`,
      ops: [{ op: 'delete', tenant: victim.tenant, position }, ...renumber(victim, position + 1, victim.events.length, -1, rewrite)],
      mustFail: [victim.tenant],
      positions: [position],
    };
  },

  'insert forged, later renumbered'(rng, { victim }) {
    const position = rng.int(1, victim.checkpoint.treeSize);
    const rewrite = rng.chance(0.7);
    const forged = forgeEvent(rng, victim, victim.tenant, position);
    return {
      kind: 'insert forged, later renumbered',
      variant: rewrite ? 'bodies rewritten, hashes recomputed' : 'position column only',
      description: `forged ${forged.type} inserted at #${position}, #${position}..#${victim.events.length} moved up by one${rewrite ? ' with rewritten bodies' : ''}`,
      ops: [...renumber(victim, position, victim.events.length, +1, rewrite), { op: 'insert', row: { tenant: victim.tenant, position, event: forged } }],
      mustFail: [victim.tenant],
      positions: [position],
    };
  },

  'insert forged at a taken position'(rng, { victim }) {
    const position = rng.int(1, victim.checkpoint.treeSize);
    const forged = forgeEvent(rng, victim, victim.tenant, position);
    return {
      kind: 'insert forged at a taken position',
      variant: 'uniqueness dropped',
      description: `forged ${forged.type} inserted beside #${position} (same position, correct hash)`,
      ops: [{ op: 'dropUniqueness' }, { op: 'insert', row: { tenant: victim.tenant, position, event: forged } }],
      mustFail: [victim.tenant],
      positions: [position],
    };
  },

  'reorder (swap two)'(rng, { victim }) {
    // The log has grown past the checkpoint, so every checkpointed event has a successor to swap with.
    const a = rng.int(1, victim.checkpoint.treeSize);
    const b = rng.chance(0.5) ? a + 1 : rng.int(a + 1, victim.events.length);
    const rewrite = rng.chance(0.7);
    const ea = victim.events[a - 1] as StoredEvent;
    const eb = victim.events[b - 1] as StoredEvent;
    const t = victim.tenant;
    const ops: TamperOp[] = [
      { op: 'update', tenant: t, position: a, set: { position: -1 } },
      { op: 'update', tenant: t, position: b, set: { position: a, ...(rewrite ? { body: body(withPosition(eb, a)) } : {}) } },
      { op: 'update', tenant: t, position: -1, set: { position: b, ...(rewrite ? { body: body(withPosition(ea, b)) } : {}) } },
    ];
    return {
      kind: 'reorder (swap two)',
      variant: `${rewrite ? 'positions and hashes rewritten' : 'position column only'}${b === a + 1 ? ', adjacent' : ''}${b > victim.checkpoint.treeSize ? ', one after the checkpoint' : ''}`,
      description: `#${a} and #${b} swapped${rewrite ? ' with rewritten bodies' : ''}`,
      ops,
      mustFail: [t],
      positions: [a, b],
    };
  },

  'change tenant'(rng, { victim, neighbour }) {
    const variant = rng.pick(['column only, to the neighbour', 'moved to the neighbour, body rewritten', 'body tenant edited, hash recomputed', "neighbour's event moved in after the head"] as const);
    if (variant === "neighbour's event moved in after the head") {
      // Looks like legitimate growth of the victim's log; the neighbour's log lost an event its checkpoint covers.
      const position = rng.int(1, neighbour.checkpoint.treeSize);
      const event = neighbour.events[position - 1] as StoredEvent;
      const to = victim.events.length + 1;
      return {
        kind: 'change tenant',
        variant,
        description: `${neighbour.tenant}#${position} moved to ${victim.tenant}#${to}, body rewritten`,
        ops: [{ op: 'dropUniqueness' }, { op: 'update', tenant: neighbour.tenant, position, set: { tenant: victim.tenant, position: to, body: body(rehash({ ...event, tenant: victim.tenant, position: to })) } }],
        mustFail: [neighbour.tenant],
        positions: [position],
      };
    }
    const position = rng.int(1, victim.checkpoint.treeSize);
    const event = victim.events[position - 1] as StoredEvent;
    const to = neighbour.events.length + 1;
    // Stream names repeat across tenants, so a moved event may collide with a stream version there: drop that index.
    const ops: TamperOp[] = [{ op: 'dropUniqueness' }];
    ops.push(
      variant === 'column only, to the neighbour'
        ? { op: 'update', tenant: victim.tenant, position, set: { tenant: neighbour.tenant, position: to } }
        : variant === 'moved to the neighbour, body rewritten'
          ? { op: 'update', tenant: victim.tenant, position, set: { tenant: neighbour.tenant, position: to, body: body(rehash({ ...event, tenant: neighbour.tenant, position: to })) } }
          : { op: 'update', tenant: victim.tenant, position, set: { body: body(rehash({ ...event, tenant: neighbour.tenant })) } },
    );
    return { kind: 'change tenant', variant, description: `${victim.tenant}#${position}: ${variant}`, ops, mustFail: [victim.tenant], positions: [position] };
  },

  'truncate tail'(rng, { victim }) {
    const from = rng.chance(0.3) ? victim.checkpoint.treeSize : rng.int(1, victim.checkpoint.treeSize);
    return {
      kind: 'truncate tail',
      variant: from === victim.checkpoint.treeSize ? "from the checkpoint's last event" : from === 1 ? 'everything' : 'below the checkpoint',
      description: `#${from}..#${victim.events.length} deleted`,
      ops: [{ op: 'deleteFrom', tenant: victim.tenant, position: from }],
      mustFail: [victim.tenant],
      positions: [from],
    };
  },
};

export function planTamper(rng: Rng, world: World, kind: TamperKind = rng.pick(TAMPER_KINDS)): Trial {
  return PLANNERS[kind](rng, world);
}

/** The control: forged events appended after the head, with correct hashes — legitimate growth as far as any checkpoint can tell. */
export function planControl(rng: Rng, { victim }: World): Trial {
  const count = rng.int(1, 3);
  const ops: TamperOp[] = Array.from({ length: count }, (_, i) => {
    const position = victim.events.length + 1 + i;
    return { op: 'insert', row: { tenant: victim.tenant, position, event: forgeEvent(rng, victim, victim.tenant, position) } };
  });
  return { kind: CONTROL_KIND, variant: `${count} appended`, description: `${count} forged events appended at #${victim.events.length + 1}`, ops, mustFail: [], positions: [] };
}

/** Tenants a trial's operations touch (a log no operation touches must still verify). */
export function touchedTenants(trial: Trial): Set<string> {
  const touched = new Set<string>();
  for (const op of trial.ops) {
    if (op.op === 'update') {
      touched.add(op.tenant);
      if (op.set.tenant !== undefined) touched.add(op.set.tenant);
    } else if (op.op === 'insert') touched.add(op.row.tenant);
    else if (op.op === 'delete' || op.op === 'deleteFrom') touched.add(op.tenant);
  }
  return touched;
}

/**
 * Forged events sharing the position that ends one page of the verifier's reads (VERIFY_PAGE): the next page starts
 * after that position, so a reader paging `position > last` sees only one of the rows holding it. The attacker
 * wants the original seen (the log then matches its checkpoint) and the forged ones kept in the table, where
 * searches by type, actor or id find them. Which row a tie goes to is the database's choice, so the attacker reads
 * the log the way the verifier will and, while a forged row is the one seen, rearranges: the original, then the
 * forged rows, moved to the end of the table; the forged rows given a type that sorts after every other (SQLite
 * sorts the page from the (tenant, type, position) index once the position index is gone).
 */
export function planBoundary(rng: Rng, { big }: World, page: number): Trial {
  const boundaries = Array.from({ length: Math.floor(big.checkpoint.treeSize / page) }, (_, i) => (i + 1) * page);
  if (boundaries.length === 0) throw new Error(`${big.tenant}'s checkpoint covers ${big.checkpoint.treeSize} events, less than a page of ${page}`);
  const position = rng.pick(boundaries);
  const count = rng.pick([1, 1, 3, 20]);
  const original = big.events[position - 1] as StoredEvent;
  const forged = Array.from({ length: count }, () => forgeEvent(rng, big, big.tenant, position));
  const ops: TamperOp[] = [{ op: 'dropUniqueness' }, ...forged.map((event): TamperOp => ({ op: 'insert', row: { tenant: big.tenant, position, event } }))];
  const rearrangements: TamperOp[][] = [
    [{ op: 'moveToEnd', id: original.id }],
    forged.map((event): TamperOp => ({ op: 'moveToEnd', id: event.id })),
    forged.map((event): TamperOp => ({ op: 'replaceById', id: event.id, event: rehash({ ...event, type: 'zone.admin.granted' }) })),
    [{ op: 'moveToEnd', id: original.id }],
  ];
  return {
    kind: BOUNDARY_KIND,
    variant: `${count} forged`,
    description: `${count} forged event(s) with correct hashes inserted at ${big.tenant}#${position}, beside the original`,
    ops,
    mustFail: [big.tenant],
    positions: [position],
    async adapt(read, attempt) {
      const seen = (await read(big.tenant)).filter((e) => e.position === position);
      if (seen.length === 1 && seen[0]?.id === original.id) return null;
      return rearrangements[attempt] ?? null;
    },
  };
}
