import type { KeyView } from '../access/keyView.ts';
import { formatFields, formatTable, terminalSafe, type TableColumn } from './formatTable.ts';
import type { SelfView } from './VellumClient.ts';

/** A table cell's time: to the minute, in UTC (the full ISO time is in `show` and `--json`). */
const shortTime = (iso: string | null, none: string): string => (iso === null ? none : `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`);

const rateLimit = (view: Pick<KeyView, 'rateLimit'>): string =>
  view.rateLimit === null ? 'server default' : `${view.rateLimit.perSecond}/s, burst ${view.rateLimit.burst}`;

const KEY_COLUMNS: ReadonlyArray<TableColumn<KeyView>> = [
  { header: 'ID', value: (k) => k.id },
  { header: 'NAME', value: (k) => k.name, maxWidth: 32 },
  { header: 'PREFIX', value: (k) => k.prefix },
  { header: 'SCOPES', value: (k) => k.scopes.join(','), maxWidth: 80 },
  { header: 'STATUS', value: (k) => k.status },
  { header: 'EXPIRES', value: (k) => shortTime(k.expiresAt, 'never') },
  { header: 'LAST USED', value: (k) => shortTime(k.lastUsedAt, 'never') },
  { header: 'REQUESTS', value: (k) => String(k.requestCount) },
];

const TENANT_COLUMN: TableColumn<KeyView> = { header: 'TENANT', value: (k) => k.tenant };

/** Keys as a table; with `withTenant` (an admin's listing across tenants) a tenant column after the id. */
export function formatKeysTable(keys: readonly KeyView[], options: { withTenant?: boolean } = {}): string {
  const columns = options.withTenant === true ? [KEY_COLUMNS[0]!, TENANT_COLUMN, ...KEY_COLUMNS.slice(1)] : KEY_COLUMNS;
  return formatTable(columns, keys);
}

function keyFieldList(k: KeyView): Array<readonly [string, string]> {
  return [
    ['id', k.id],
    ['name', k.name],
    ['tenant', k.tenant],
    ['prefix', k.prefix],
    ['scopes', k.scopes.join(', ')],
    ['status', k.status],
    ['created', k.createdAt],
    ['expires', k.expiresAt ?? 'never'],
    ...(k.revokedAt === null ? [] : [['revoked', k.revokedAt] as const]),
    ['rate limit', rateLimit(k)],
    ...(k.rotatedFrom === null ? [] : [['rotated from', k.rotatedFrom] as const]),
    ['last used', k.lastUsedAt ?? 'never'],
    ['requests', String(k.requestCount)],
  ];
}

/** One key, a field per line. */
export const formatKey = (k: KeyView): string => formatFields(keyFieldList(k));

/** What the calling credential is: a key (and the tenant it acts on), or a viewer token. */
export function formatSelf(self: SelfView): string {
  if (self.kind === 'viewer') {
    return formatFields([
      ['kind', 'viewer token'],
      ['tenant', self.tenant],
      ['scopes', self.scopes.join(', ')],
      ['restriction', self.restriction === null ? 'none' : JSON.stringify(self.restriction)],
    ]);
  }
  return formatFields([['kind', 'API key'], ['acting tenant', self.actingTenant], ...keyFieldList(self)]);
}

/**
 * The secret, set apart on its own line so it is easy to copy, and the warning that this is the only time:
 * the server keeps only a hash, so a lost secret means a new key.
 */
export function formatSecret(secret: string): string {
  return `\n    ${terminalSafe(secret)}\n\nSave this secret now: it will not be shown again (Vellum keeps only its hash).\n`;
}

export function formatCreated(created: { key: KeyView; secret: string }): string {
  const { key } = created;
  return `Created key "${terminalSafe(key.name)}" (${key.id}) for tenant ${terminalSafe(key.tenant)}.\n${formatSecret(created.secret)}\n${formatKey(key)}`;
}

export function formatRotated(rotated: { key: KeyView; secret: string; previous: KeyView }): string {
  const { key, previous } = rotated;
  const old = `The old key ${previous.id} (${previous.prefix}…)`;
  const oldFate = previous.status === 'active' ? `${old} keeps working until ${previous.expiresAt ?? 'its expiry'}, then expires.` : `${old} no longer works.`;
  return `Rotated key "${terminalSafe(key.name)}": ${key.id} replaces ${previous.id}.\n${formatSecret(rotated.secret)}${oldFate}\n`;
}
