import type { TableNames } from './sqlNames.ts';

/** A stream's head as migration 3 read it: the version of its newest event (`s.t`, `s.n`: the tenant and stream). */
export const STREAM_HEAD_FROM_EVENTS = (t: TableNames): string =>
  `(SELECT e.stream_version FROM ${t.events} e WHERE e.tenant = s.t AND e.stream = s.n
                   ORDER BY e.stream_version DESC LIMIT 1)`;

/**
 * The `lock_heads` function: the start of every commit in one round trip. It locks the tenants (creating the new
 * ones), then reads their heads, stream versions and known keys. A VOLATILE function takes a fresh snapshot per
 * statement, so the reads see everything committed before the locks were granted — as separate statements would,
 * without the round trip between them, while the tenant locks are held. Migration 3 created it; migration 14 replaced
 * it with a different stream-head expression (`streamHead`), the one part that has changed.
 */
export function lockHeadsFunction(t: TableNames, create: 'CREATE' | 'CREATE OR REPLACE', streamHead: (t: TableNames) => string): string {
  return `
      ${create} FUNCTION ${t.schema}.lock_heads(
        tenants text[], stream_tenants text[], streams text[], key_tenants text[], keys text[],
        request_tenants text[], request_keys text[])
      RETURNS TABLE (kind text, tenant text, name text, version bigint, fingerprint text, payload text)
      LANGUAGE plpgsql VOLATILE AS $$
      #variable_conflict use_column
      DECLARE
        locked integer;
      BEGIN
        -- ORDER BY under FOR UPDATE locks in that order: every node takes tenant locks in the same order.
        SELECT count(*) INTO locked FROM (
          SELECT 1 FROM ${t.tenantHeads} h WHERE h.tenant = ANY(tenants) ORDER BY h.tenant FOR UPDATE) l;
        IF locked < cardinality(tenants) THEN
          INSERT INTO ${t.tenantHeads} (tenant, position)
            SELECT x, 0 FROM unnest(tenants) AS x ORDER BY x ON CONFLICT DO NOTHING;
          PERFORM 1 FROM ${t.tenantHeads} h WHERE h.tenant = ANY(tenants) ORDER BY h.tenant FOR UPDATE;
        END IF;
        -- LIMIT 1 keeps each lookup a single index probe, whatever the planner thinks of the array sizes.
        RETURN QUERY
          SELECT 'p'::text, h.tenant, NULL::text, h.position, NULL::text, NULL::text
            FROM ${t.tenantHeads} h WHERE h.tenant = ANY(tenants)
          UNION ALL
          SELECT 's', s.t, s.n,
                 ${streamHead(t)},
                 NULL, NULL
            FROM unnest(stream_tenants, streams) AS s(t, n)
          UNION ALL
          SELECT 'e', q.t, q.k, NULL, e.fingerprint, e.body
            FROM unnest(key_tenants, keys) AS q(t, k)
            CROSS JOIN LATERAL (SELECT e.fingerprint, e.body FROM ${t.events} e
              WHERE e.tenant = q.t AND e.idempotency_key = q.k AND e.idempotency_key IS NOT NULL LIMIT 1) e
          UNION ALL
          SELECT 'r', q.t, q.k, NULL, r.fingerprint, r.results
            FROM unnest(request_tenants, request_keys) AS q(t, k)
            CROSS JOIN LATERAL (SELECT r.fingerprint, r.results FROM ${t.requestKeys} r
              WHERE r.tenant = q.t AND r.key = q.k LIMIT 1) r;
      END $$;
    `;
}
