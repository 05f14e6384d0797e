import type { Migration } from './migrations.ts';
import { grant, tenantPolicy } from './rowSecurityMigration.ts';

/**
 * Migration 7: the per-tenant Merkle tree (RFC 9162) and signed checkpoints (IntegrityStore), and the event hash as
 * a column of its own.
 *
 * events.hash: the Merkle leaves are the events' hashes, which until now lived only inside the TEXT body. Reading
 * them as `body::json ->> 'hash'` measured 6.9 µs a leaf in pages of 1,000 (7.3 µs over 100k events of ~800 bytes);
 * from a bytea column, 1.4 µs. The append path fills it (eventColumns.ts) at the cost of 33 bytes a row and no
 * hashing (the hash exists already). Existing rows are filled here by adding the column as a generated one and then
 * dropping the expression: one table rewrite, no UPDATE (no dead row versions, no second copy of every index entry,
 * and the append-only trigger never needs switching off). The rewrite holds an exclusive lock on events: measured
 * 3-6 s per 100k events here, so a large log upgrades in a maintenance window. The column stays nullable: a row
 * written below the application (a restore, a repair, a tamper test) without it reads its hash from the body.
 *
 * The tree is its size and frontier (one row per tenant, moved forward by compare-and-set on the size) plus the
 * completed interior nodes of level ≥ MERKLE_STORED_MIN_LEVEL; nodes and checkpoints never change once written.
 * All three are tenant tables: row-level security as in migration 6, and the application role may only insert
 * nodes and checkpoints (plus a trigger, as for events) and move a tree forward (a trigger refuses shrinking).
 */
export const INTEGRITY_MIGRATION: Migration = {
  version: 7,
  name: 'event hash column, merkle trees, merkle nodes, checkpoints',
  sql: (t) => `
    ALTER TABLE ${t.events} ADD COLUMN hash bytea GENERATED ALWAYS AS (decode(body::json ->> 'hash', 'hex')) STORED;
    ALTER TABLE ${t.events} ALTER COLUMN hash DROP EXPRESSION;

    CREATE TABLE ${t.merkleTrees} (
      tenant text COLLATE "C" PRIMARY KEY,
      size bigint NOT NULL CHECK (size >= 0),
      frontier text NOT NULL -- JSON array of lowercase hex hashes, largest subtree first
    );
    CREATE TABLE ${t.merkleNodes} (
      tenant text COLLATE "C" NOT NULL,
      level smallint NOT NULL,
      idx bigint NOT NULL,
      hash bytea NOT NULL CHECK (octet_length(hash) = 32),
      PRIMARY KEY (tenant, level, idx)
    );
    -- The latest checkpoint is the last entry of the tenant's range in the primary key.
    CREATE TABLE ${t.checkpoints} (
      tenant text COLLATE "C" NOT NULL,
      tree_size bigint NOT NULL,
      root_hash text NOT NULL,
      note text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant, tree_size)
    );

    CREATE FUNCTION ${t.schema}.vellum_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'vellum % is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE FUNCTION ${t.schema}.vellum_tree_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.size < OLD.size OR NEW.tenant <> OLD.tenant THEN
        RAISE EXCEPTION 'vellum merkle trees only grow: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER merkle_trees_only_grow BEFORE UPDATE ON ${t.merkleTrees}
      FOR EACH ROW EXECUTE FUNCTION ${t.schema}.vellum_tree_only_grows();
    CREATE TRIGGER merkle_trees_no_delete BEFORE DELETE ON ${t.merkleTrees}
      FOR EACH ROW EXECUTE FUNCTION ${t.schema}.vellum_refuse_rewrite();
    CREATE TRIGGER merkle_trees_no_truncate BEFORE TRUNCATE ON ${t.merkleTrees}
      FOR EACH STATEMENT EXECUTE FUNCTION ${t.schema}.vellum_refuse_rewrite();
    CREATE TRIGGER merkle_nodes_append_only BEFORE UPDATE OR DELETE ON ${t.merkleNodes}
      FOR EACH ROW EXECUTE FUNCTION ${t.schema}.vellum_refuse_rewrite();
    CREATE TRIGGER merkle_nodes_no_truncate BEFORE TRUNCATE ON ${t.merkleNodes}
      FOR EACH STATEMENT EXECUTE FUNCTION ${t.schema}.vellum_refuse_rewrite();
    CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON ${t.checkpoints}
      FOR EACH ROW EXECUTE FUNCTION ${t.schema}.vellum_refuse_rewrite();
    CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON ${t.checkpoints}
      FOR EACH STATEMENT EXECUTE FUNCTION ${t.schema}.vellum_refuse_rewrite();

    DO $vellum_integrity$
    DECLARE
      app_role text := ${t.schema}.app_role();
    BEGIN
      ${grant('SELECT, INSERT', `${t.merkleNodes}, ${t.checkpoints}`)}
      ${grant('SELECT, INSERT, UPDATE', t.merkleTrees)}
    END $vellum_integrity$;

    ${tenantPolicy(t.merkleTrees, 'tenant')}
    ${tenantPolicy(t.merkleNodes, 'tenant')}
    ${tenantPolicy(t.checkpoints, 'tenant')}
  `,
};
