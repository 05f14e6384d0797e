import type { Migration } from './migrations.ts';

/**
 * Migration 4: the per-tenant Merkle tree (RFC 9162) and signed checkpoints (IntegrityStore).
 *
 * The leaves are not stored again: they are the events' `hash`, read from the body (integrityStatements.ts says
 * why no column). A tree is its size and frontier, one row per tenant, moved forward by compare-and-set on the
 * size. Interior nodes of level ≥ MERKLE_STORED_MIN_LEVEL are kept as 32-byte blobs (half the bytes of hex) keyed
 * as proofs look them up; a completed node never changes, so nodes and checkpoints are append-only like events,
 * and a tree may only grow.
 */
export const INTEGRITY_MIGRATION: Migration = {
  version: 4,
  name: 'merkle trees, merkle nodes, checkpoints',
  sql: `
    CREATE TABLE merkle_trees (
      tenant   TEXT    PRIMARY KEY,
      size     INTEGER NOT NULL CHECK (size >= 0),
      frontier TEXT    NOT NULL -- JSON array of lowercase hex hashes, largest subtree first
    ) WITHOUT ROWID;

    CREATE TABLE merkle_nodes (
      tenant TEXT    NOT NULL,
      level  INTEGER NOT NULL,
      idx    INTEGER NOT NULL,
      hash   BLOB    NOT NULL CHECK (length(hash) = 32),
      PRIMARY KEY (tenant, level, idx)
    ) WITHOUT ROWID;

    -- The latest checkpoint is the last entry of the tenant's range in the primary key.
    CREATE TABLE checkpoints (
      tenant     TEXT    NOT NULL,
      tree_size  INTEGER NOT NULL,
      root_hash  TEXT    NOT NULL,
      note       TEXT    NOT NULL,
      created_at TEXT    NOT NULL,
      PRIMARY KEY (tenant, tree_size)
    ) WITHOUT ROWID;

    CREATE TRIGGER merkle_trees_no_shrink BEFORE UPDATE ON merkle_trees WHEN NEW.size < OLD.size OR NEW.tenant <> OLD.tenant
      BEGIN SELECT RAISE(ABORT, 'merkle trees only grow: UPDATE refused'); END;
    CREATE TRIGGER merkle_trees_no_delete BEFORE DELETE ON merkle_trees
      BEGIN SELECT RAISE(ABORT, 'merkle trees only grow: DELETE refused'); END;
    CREATE TRIGGER merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes
      BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only: UPDATE refused'); END;
    CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes
      BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only: DELETE refused'); END;
    CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
      BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: UPDATE refused'); END;
    CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
      BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: DELETE refused'); END;
  `,
};
