/** Quotes an identifier for SQL text (schema names come from configuration, so they are quoted, never trusted). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string as an SQL literal (for DDL, which takes no parameters). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Fully qualified table names of one Vellum schema; queries never depend on the connection's search_path. */
export interface TableNames {
  /** The schema, quoted as an identifier. */
  schema: string;
  /** The schema's name as an SQL literal (for DDL that names it in a string). */
  schemaLiteral: string;
  events: string;
  tenantHeads: string;
  requestKeys: string;
  apiKeys: string;
  tenants: string;
  serverSecrets: string;
  merkleTrees: string;
  merkleNodes: string;
  checkpoints: string;
  subjectKeys: string;
  subscriptions: string;
  subscriptionLeases: string;
  deliveries: string;
  deadLetters: string;
  subscriptionCounts: string;
  retentionPolicies: string;
  retentionRuns: string;
  streamFloors: string;
  migrations: string;
}

export function tableNames(schema: string): TableNames {
  const s = quoteIdent(schema);
  return {
    schema: s,
    schemaLiteral: quoteLiteral(schema),
    events: `${s}.events`,
    tenantHeads: `${s}.tenant_heads`,
    requestKeys: `${s}.request_keys`,
    apiKeys: `${s}.api_keys`,
    tenants: `${s}.tenants`,
    serverSecrets: `${s}.server_secrets`,
    merkleTrees: `${s}.merkle_trees`,
    merkleNodes: `${s}.merkle_nodes`,
    checkpoints: `${s}.checkpoints`,
    subjectKeys: `${s}.subject_keys`,
    subscriptions: `${s}.subscriptions`,
    subscriptionLeases: `${s}.subscription_leases`,
    deliveries: `${s}.deliveries`,
    deadLetters: `${s}.dead_letters`,
    subscriptionCounts: `${s}.subscription_counts`,
    retentionPolicies: `${s}.retention_policies`,
    retentionRuns: `${s}.retention_runs`,
    streamFloors: `${s}.stream_floors`,
    migrations: `${s}.schema_migrations`,
  };
}
