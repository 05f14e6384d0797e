import { MERKLE_STORED_MIN_LEVEL } from '@vellum/core';
import type { CheckpointRecord, MerkleNodeRecord, MerkleTreeState } from '@vellum/core';
import type { SqliteConnection } from './SqliteConnection.ts';
import type { StatementCache } from './StatementCache.ts';

/**
 * The IntegrityStore's SQL on SQLite (tables from migration 4). Synchronous driver work, like accessStatements.ts:
 * SqliteEventStore decides which calls need a writable store and turns results and failures into promises.
 *
 * Leaves: an event's hash lives only inside its JSON body. Measured over 100k events of ~800 bytes (one tenant,
 * warm cache, bench/lib/generateEvents.ts): `body ->> '$.hash'` 2.2 µs a leaf, json_extract 2.6 µs, fetching the
 * body and JSON.parse in JavaScript 7.3 µs, cutting the hash off the body's end 1.8 µs, and the position alone from
 * the index 0.14 µs. Reading the row is most of it, so SQLite's own JSON operator it is: a column or an index of
 * hashes would make each leaf a little cheaper for the integrator at a price on every append, which the design
 * keeps free of integrity work.
 */
const SQL = {
  leafHashes: "SELECT body ->> '$.hash' FROM events WHERE tenant = ? AND position >= ? ORDER BY position LIMIT ?",
  treeState: 'SELECT size, frontier FROM merkle_trees WHERE tenant = ?',
  // A tenant's first tree: inserted, or (should a tree of size 0 ever have been stored) replaced only at size 0.
  createTree: `INSERT INTO merkle_trees (tenant, size, frontier) VALUES (:tenant, :size, :frontier)
    ON CONFLICT (tenant) DO UPDATE SET size = excluded.size, frontier = excluded.frontier WHERE merkle_trees.size = 0`,
  moveTree: 'UPDATE merkle_trees SET size = :size, frontier = :frontier WHERE tenant = :tenant AND size = :from',
  // A duplicate node fails the whole advance: under the compare-and-set every node is completed exactly once.
  insertNode: 'INSERT INTO merkle_nodes (tenant, level, idx, hash) VALUES (?, ?, ?, ?)',
  node: 'SELECT hash FROM merkle_nodes WHERE tenant = ? AND level = ? AND idx = ?',
  // A skip-scan over the (tenant, position) index: one seek per tenant to find the next tenant, one for its head
  // (MAX(position)) and one for its tree. O(tenants · log n), never a walk over the events.
  tenantsBehind: `WITH RECURSIVE known(tenant) AS (
      SELECT MIN(tenant) FROM events
      UNION ALL
      SELECT (SELECT MIN(e.tenant) FROM events e WHERE e.tenant > known.tenant) FROM known WHERE known.tenant IS NOT NULL
    )
    SELECT known.tenant FROM known
    WHERE known.tenant IS NOT NULL
      AND (SELECT MAX(e.position) FROM events e WHERE e.tenant = known.tenant)
        > COALESCE((SELECT t.size FROM merkle_trees t WHERE t.tenant = known.tenant), 0)`,
  insertCheckpoint: `INSERT INTO checkpoints (tenant, tree_size, root_hash, note, created_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (tenant, tree_size) DO NOTHING`,
  latestCheckpoint: `SELECT tenant, tree_size, root_hash, note, created_at FROM checkpoints
    WHERE tenant = ? ORDER BY tree_size DESC LIMIT 1`,
  checkpointAt: 'SELECT tenant, tree_size, root_hash, note, created_at FROM checkpoints WHERE tenant = ? AND tree_size = ?',
} as const;

interface TreeRow {
  size: number;
  frontier: string;
}

interface CheckpointRow {
  tenant: string;
  tree_size: number;
  root_hash: string;
  note: string;
  created_at: string;
}

const toCheckpoint = (row: CheckpointRow | undefined): CheckpointRecord | null => row === undefined
  ? null
  : { tenant: row.tenant, treeSize: row.tree_size, rootHash: row.root_hash, note: row.note, createdAt: row.created_at };

/** IntegrityStore operations over one connection; statements are prepared on first use and kept. */
export class SqliteIntegrityStatements {
  readonly #db: SqliteConnection;
  readonly #statements: StatementCache;

  constructor(db: SqliteConnection, statements: StatementCache) {
    this.#db = db;
    this.#statements = statements;
  }

  leafHashes(tenant: string, fromPosition: number, limit: number): string[] {
    // A negative LIMIT means "no limit" to SQLite.
    if (limit <= 0) return [];
    return this.#statements.get(SQL.leafHashes).pluck().all(tenant, fromPosition, limit) as string[];
  }

  treeState(tenant: string): MerkleTreeState {
    const row = this.#statements.get<TreeRow>(SQL.treeState).get(tenant);
    return row === undefined ? { size: 0, frontier: [] } : { size: row.size, frontier: JSON.parse(row.frontier) as string[] };
  }

  /** One IMMEDIATE transaction: the size is compared under the write lock, so two processes cannot both win. */
  advanceTree(tenant: string, fromSize: number, next: MerkleTreeState, nodes: readonly MerkleNodeRecord[]): boolean {
    const tree = { tenant, from: fromSize, size: next.size, frontier: JSON.stringify(next.frontier) };
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const { changes } = fromSize === 0
        ? this.#statements.get(SQL.createTree).run({ tenant, size: tree.size, frontier: tree.frontier })
        : this.#statements.get(SQL.moveTree).run(tree);
      if (changes !== 1) {
        this.#db.exec('ROLLBACK');
        return false;
      }
      const insert = this.#statements.get(SQL.insertNode);
      for (const node of nodes) {
        if (node.level >= MERKLE_STORED_MIN_LEVEL) insert.run(tenant, node.level, node.index, Buffer.from(node.hash, 'hex'));
      }
      this.#db.exec('COMMIT');
      return true;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** One primary-key probe per id: a proof names at most about 2 · log2 n of them, and no round trip separates them. */
  merkleNodes(tenant: string, ids: ReadonlyArray<{ level: number; index: number }>): MerkleNodeRecord[] {
    const lookup = this.#statements.get(SQL.node).pluck();
    const found: MerkleNodeRecord[] = [];
    for (const { level, index } of ids) {
      const hash = lookup.get(tenant, level, index) as Buffer | undefined;
      if (hash !== undefined) found.push({ level, index, hash: hash.toString('hex') });
    }
    return found;
  }

  tenantsBehind(): string[] {
    return this.#statements.get(SQL.tenantsBehind).pluck().all() as string[];
  }

  saveCheckpoint(c: CheckpointRecord): void {
    this.#statements.get(SQL.insertCheckpoint).run(c.tenant, c.treeSize, c.rootHash, c.note, c.createdAt);
  }

  latestCheckpoint(tenant: string): CheckpointRecord | null {
    return toCheckpoint(this.#statements.get<CheckpointRow>(SQL.latestCheckpoint).get(tenant));
  }

  checkpointAt(tenant: string, treeSize: number): CheckpointRecord | null {
    return toCheckpoint(this.#statements.get<CheckpointRow>(SQL.checkpointAt).get(tenant, treeSize));
  }
}
