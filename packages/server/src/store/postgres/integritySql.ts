import type { CheckpointRecord } from '@vellum/core';
import { statement, type Statement } from './statement.ts';
import type { TableNames } from './sqlNames.ts';

export interface IntegrityStatements {
  /** $1 tenant, $2 first position, $3 how many. */
  leafHashes: Statement;
  treeState: Statement;
  /** Compare-and-set from size 0 (the row may not exist yet), then the nodes; one statement. */
  createTree: Statement;
  /** Compare-and-set from a size > 0, then the nodes; one statement. */
  moveTree: Statement;
  merkleNodes: Statement;
  tenantsBehind: Statement;
  saveCheckpoint: Statement;
  latestCheckpoint: Statement;
  checkpointAt: Statement;
}

/**
 * The nodes of an advance, inserted only if the tree row moved: the CTE `tree` returns the tenant when the
 * compare-and-set succeeded and nothing otherwise. A data-modifying statement is atomic on its own, so the move and
 * the nodes commit together or not at all, in one round trip. Under READ COMMITTED a concurrent advance of the same
 * tenant waits for the row lock, then rechecks `size = $2` against the winner's row and matches nothing.
 * Parameters: $1 tenant, $2 fromSize, $3 next size, $4 frontier JSON, $5 levels, $6 indexes, $7 hashes.
 */
const advance = (t: TableNames, move: string): string => `
  WITH tree AS (${move}), nodes AS (
    INSERT INTO ${t.merkleNodes} (tenant, level, idx, hash)
    SELECT tree.tenant, n.level, n.idx, n.hash FROM tree, unnest($5::smallint[], $6::bigint[], $7::bytea[]) AS n(level, idx, hash)
  )
  SELECT count(*)::int AS moved FROM tree`;

const CHECKPOINT_COLUMNS = 'tenant, tree_size, root_hash, note, created_at';

export function integrityStatements(t: TableNames): IntegrityStatements {
  return {
    // A range on the primary key (positions are gapless), so the plan is an index range scan whatever the
    // parameters. A row written below the application without the hash column reads it from its body.
    leafHashes: statement(`SELECT COALESCE(encode(hash, 'hex'), body::json ->> 'hash') AS hash FROM ${t.events}
      WHERE tenant = $1 AND position >= $2::bigint AND position < $2::bigint + $3::bigint ORDER BY position`),
    treeState: statement(`SELECT size, frontier FROM ${t.merkleTrees} WHERE tenant = $1`),
    createTree: statement(advance(t, `
      INSERT INTO ${t.merkleTrees} AS m (tenant, size, frontier) VALUES ($1, $3, $4)
      ON CONFLICT (tenant) DO UPDATE SET size = excluded.size, frontier = excluded.frontier WHERE m.size = $2
      RETURNING m.tenant`)),
    moveTree: statement(advance(t, `
      UPDATE ${t.merkleTrees} SET size = $3, frontier = $4 WHERE tenant = $1 AND size = $2 RETURNING tenant`)),
    merkleNodes: statement(`SELECT n.level, n.idx, encode(n.hash, 'hex') AS hash
      FROM unnest($2::smallint[], $3::bigint[]) AS q(level, idx)
      JOIN ${t.merkleNodes} n ON n.tenant = $1 AND n.level = q.level AND n.idx = q.idx`),
    // tenant_heads holds every tenant's head already (one row per tenant): no walk over the events.
    tenantsBehind: statement(`SELECT h.tenant FROM ${t.tenantHeads} h LEFT JOIN ${t.merkleTrees} m ON m.tenant = h.tenant
      WHERE h.position > COALESCE(m.size, 0)`),
    saveCheckpoint: statement(`INSERT INTO ${t.checkpoints} (${CHECKPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5::timestamptz)
      ON CONFLICT (tenant, tree_size) DO NOTHING`),
    latestCheckpoint: statement(`SELECT ${CHECKPOINT_COLUMNS} FROM ${t.checkpoints} WHERE tenant = $1 ORDER BY tree_size DESC LIMIT 1`),
    checkpointAt: statement(`SELECT ${CHECKPOINT_COLUMNS} FROM ${t.checkpoints} WHERE tenant = $1 AND tree_size = $2`),
  };
}

export interface CheckpointRow {
  tenant: string;
  tree_size: string;
  root_hash: string;
  note: string;
  created_at: Date;
}

export const checkpointRecord = (r: CheckpointRow): CheckpointRecord => ({
  tenant: r.tenant, treeSize: Number(r.tree_size), rootHash: r.root_hash, note: r.note, createdAt: r.created_at.toISOString(),
});
