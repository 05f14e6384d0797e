/** Quotes an identifier for SQL text (schema names come from configuration, so they are quoted, never trusted). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Fully qualified table names of one Vellum schema; queries never depend on the connection's search_path. */
export interface TableNames {
  schema: string;
  events: string;
  tenantHeads: string;
  requestKeys: string;
  apiKeys: string;
  migrations: string;
}

export function tableNames(schema: string): TableNames {
  const s = quoteIdent(schema);
  return {
    schema: s,
    events: `${s}.events`,
    tenantHeads: `${s}.tenant_heads`,
    requestKeys: `${s}.request_keys`,
    apiKeys: `${s}.api_keys`,
    migrations: `${s}.schema_migrations`,
  };
}
