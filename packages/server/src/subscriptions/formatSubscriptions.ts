import { formatFields, formatTable, type TableColumn } from '../cli/formatTable.ts';

/** Subscriptions as the API answers them (the CLI prints what the server says; --json prints it whole). */
export interface SubscriptionViewJson {
  id: string;
  tenant: string;
  name: string;
  filter: Record<string, unknown>;
  target: Record<string, unknown> & { kind: string };
  status: string;
  statusReason: string | null;
  cursor: number;
  pending: { fromPosition: number; toPosition: number; attempts: number; nextAttemptAt: string; lastError: string | null } | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
  stats?: Record<string, unknown>;
}

export interface DeliveryJson {
  id: string; messageId: string; fromPosition: number; toPosition: number; events: number; attempt: number;
  outcome: string; statusCode: number | null; error: string | null; durationMs: number; at: string;
}

export interface DeadLetterJson {
  id: string; messageId: string; fromPosition: number; toPosition: number; events: number; attempts: number; lastError: string | null; createdAt: string;
}

/** Where a target delivers, in a few words: the webhook's URL, the NATS subject, the Redis templates. */
export function describeTarget(target: SubscriptionViewJson['target']): string {
  const where = [target.url, target.subject, target.keys, target.tags]
    .filter((v) => v !== undefined && v !== null)
    .map((v) => (Array.isArray(v) ? v.join(',') : String(v)));
  return `${target.kind}${where.length > 0 ? ` ${where.join(' ')}` : ''}`;
}

const describeFilter = (filter: Record<string, unknown>): string => {
  const parts = Object.entries(filter).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  return parts.length === 0 ? 'every event' : parts.join(' ');
};

const status = (s: SubscriptionViewJson) => (s.statusReason === null ? s.status : `${s.status} (${s.statusReason})`);

const COLUMNS: ReadonlyArray<TableColumn<SubscriptionViewJson>> = [
  { header: 'ID', value: (s) => s.id },
  { header: 'NAME', value: (s) => s.name, maxWidth: 32 },
  { header: 'STATUS', value: status, maxWidth: 40 },
  { header: 'CURSOR', value: (s) => String(s.cursor) },
  { header: 'TARGET', value: (s) => describeTarget(s.target), maxWidth: 60 },
  { header: 'FILTER', value: (s) => describeFilter(s.filter), maxWidth: 60 },
];
const TENANT: TableColumn<SubscriptionViewJson> = { header: 'TENANT', value: (s) => s.tenant };

export function formatSubscriptionsTable(list: readonly SubscriptionViewJson[], withTenant: boolean): string {
  return formatTable(withTenant ? [COLUMNS[0]!, TENANT, ...COLUMNS.slice(1)] : COLUMNS, list);
}

export function formatSubscription(s: SubscriptionViewJson): string {
  const fields: Array<readonly [string, string]> = [
    ['id', s.id],
    ['name', s.name],
    ['tenant', s.tenant],
    ['status', status(s)],
    ['target', describeTarget(s.target)],
    ['target details', JSON.stringify(s.target)],
    ['filter', describeFilter(s.filter)],
    ['cursor', String(s.cursor)],
    ['pending', s.pending === null ? 'none' : `positions ${s.pending.fromPosition}..${s.pending.toPosition}, ${s.pending.attempts} attempts, next ${s.pending.nextAttemptAt}${s.pending.lastError === null ? '' : `, last error: ${s.pending.lastError}`}`],
    ['created', s.createdAt],
    ['updated', s.updatedAt],
  ];
  if (s.stats !== undefined) {
    for (const [k, v] of Object.entries(s.stats)) fields.push([k, v === null ? '-' : String(v)]);
  }
  return formatFields(fields);
}

export const formatDeliveries = (list: readonly DeliveryJson[]): string =>
  list.length === 0
    ? 'no deliveries yet\n'
    : formatTable<DeliveryJson>([
      { header: 'AT', value: (d) => d.at },
      { header: 'POSITIONS', value: (d) => `${d.fromPosition}..${d.toPosition}` },
      { header: 'EVENTS', value: (d) => String(d.events) },
      { header: 'ATTEMPT', value: (d) => String(d.attempt) },
      { header: 'OUTCOME', value: (d) => d.outcome },
      { header: 'STATUS', value: (d) => (d.statusCode === null ? '-' : String(d.statusCode)) },
      { header: 'MS', value: (d) => String(Math.round(d.durationMs)) },
      { header: 'ERROR', value: (d) => d.error ?? '', maxWidth: 80 },
    ], list);

export const formatDeadLetters = (list: readonly DeadLetterJson[]): string =>
  list.length === 0
    ? 'no dead letters\n'
    : formatTable<DeadLetterJson>([
      { header: 'ID', value: (d) => d.id },
      { header: 'CREATED', value: (d) => d.createdAt },
      { header: 'POSITIONS', value: (d) => `${d.fromPosition}..${d.toPosition}` },
      { header: 'EVENTS', value: (d) => String(d.events) },
      { header: 'ATTEMPTS', value: (d) => String(d.attempts) },
      { header: 'LAST ERROR', value: (d) => d.lastError ?? '', maxWidth: 80 },
    ], list);
