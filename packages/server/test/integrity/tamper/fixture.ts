import type { TestApp } from '../../support/testApp.ts';
import type { Rng } from './random.ts';

/** The tenant whose log is attacked, and a neighbour sharing the store (tenant moves go between the two). */
export const VICTIM = 'acme';
export const NEIGHBOUR = 'globex';
/** A log longer than one page of the verifier's reads. */
export const BIG = 'initech';
export const TENANTS = [VICTIM, NEIGHBOUR, BIG] as const;

const TYPES = ['configuration.updated', 'configuration.created', 'user.login', 'user.logout', 'invoice.paid', 'invoice.refund.issued', 'role.granted', 'document.viewed'];
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
const SOURCES = ['ui', 'api', 'console', 'system'];
const ACTORS = [
  { type: 'user', id: '5', name: 'Ana' },
  { type: 'user', id: '6', name: 'Zoë Ångström', email: 'zoe@example.com' },
  { type: 'user', id: '7' },
  { type: 'service', id: 'billing', name: 'billing "primary"' },
  { type: 'apiKey', id: 'vk_test_123' },
];
const ENTITIES = [
  { type: 'PolicyConfiguration', id: '123' },
  { type: 'Invoice', id: 'INV-2026-0001', name: 'Invoice #1' },
  { type: 'Document', id: 'doc/with/slashes' },
  { type: 'Role', id: 'admin' },
];
/** Strings that canonical JSON must get exactly right: escapes, control characters, non-BMP, RTL, quotes. */
const AWKWARD = ['plain', 'quote " and \\ backslash', 'tab\tnew\nline\r', 'zero width \u200b joiner \u200d', 'emoji 🦊 and 𝄞', 'עברית', '€ ü ß', '', ' leading space', '</script>'];

/** One varied event input for `tenant` (the HTTP API's shape). */
export function variedEvent(rng: Rng, index: number): Record<string, unknown> {
  const entity = rng.chance(0.85) ? rng.pick(ENTITIES) : undefined;
  const event: Record<string, unknown> = {
    type: rng.pick(TYPES),
    actor: { ...rng.pick(ACTORS) },
    severity: rng.pick(SEVERITIES),
  };
  if (entity !== undefined) event['entity'] = { ...entity };
  if (rng.chance(0.5)) event['outcome'] = rng.pick(['success', 'failure']);
  if (rng.chance(0.5)) event['action'] = rng.pick(['create', 'update', 'delete', 'read']);
  if (rng.chance(0.6)) event['source'] = rng.pick(SOURCES);
  if (rng.chance(0.15)) event['stream'] = `billing-run:${rng.int(1, 3)}`;
  if (rng.chance(0.5)) {
    event['changes'] = Array.from({ length: rng.int(1, 3) }, (_, i) => ({
      field: rng.pick(['limit', 'owner', 'enabled', 'rules', `field_${i}`]),
      old: rng.pick<unknown>([1, 0.1, -7, 1e21, true, null, 'before', { nested: [1, 2] }]),
      new: rng.pick<unknown>([2, 0.25, 123456789012, false, 'after', rng.pick(AWKWARD), [3, 'x']]),
    }));
  }
  if (rng.chance(0.6)) {
    event['context'] = {
      ip: `10.0.${rng.int(0, 255)}.${rng.int(1, 254)}`,
      userAgent: 'Mozilla/5.0 (tamper test)',
      ...(rng.chance(0.5) ? { route: '/v1/things/:id', requestId: `req-${index}` } : {}),
      ...(rng.chance(0.3) ? { extra: { depth: { deeper: rng.pick(AWKWARD) } } } : {}),
    };
  }
  if (rng.chance(0.7)) {
    event['data'] = {
      n: index,
      label: rng.pick(AWKWARD),
      ratio: rng.int(0, 1000) / 7,
      flags: [rng.chance(0.5), null, rng.int(-5, 5)],
      ...(rng.chance(0.2) ? { password: 'hunter2', api_key: 'sk_live_abcdefghijklmnop' } : {}),
    };
  }
  if (rng.chance(0.4)) event['tags'] = [...new Set(Array.from({ length: rng.int(1, 3) }, () => rng.pick(['pci', 'gdpr', 'prod', 'eu', 'billing'])))];
  if (rng.chance(0.3)) event['correlationId'] = `corr-${rng.int(1, 20)}`;
  if (rng.chance(0.2)) event['causationId'] = `cause-${rng.int(1, 20)}`;
  if (rng.chance(0.5)) event['occurredAt'] = new Date(Date.UTC(2026, 10, 20, 8) + rng.int(0, 86_400_000)).toISOString();
  if (rng.chance(0.1)) event['idempotencyKey'] = `idem-${index}-${rng.hex(8)}`;
  return event;
}

/** Appends `count` varied events to `tenant` through the real HTTP API, in batches of 1 to 25, a few requests at a time. */
export async function ingestVaried(t: TestApp, tenant: string, count: number, rng: Rng, firstIndex = 0): Promise<void> {
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < count;) {
    const size = Math.min(count - i, rng.chance(0.4) ? 1 : rng.int(2, 25));
    batches.push(Array.from({ length: size }, (_, j) => variedEvent(rng, firstIndex + i + j)));
    i += size;
  }
  // Up to three requests in flight, so some commits carry more than one request (group commit).
  for (let i = 0; i < batches.length; i += 3) {
    const responses = await Promise.all(
      batches.slice(i, i + 3).map((events) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { ...t.auth(), 'vellum-tenant': tenant },
          payload: events.length === 1 ? (events[0] as object) : { events },
        })),
    );
    for (const res of responses) {
      if (res.statusCode !== 201) throw new Error(`ingest for ${tenant} answered ${res.statusCode}: ${res.body}`);
    }
  }
}

/** Creates the two tenants (an admin key acts on a tenant only once it exists). */
export async function createTenants(t: TestApp): Promise<void> {
  for (const id of TENANTS) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/tenants', headers: t.auth(), payload: { id, name: id } });
    if (res.statusCode !== 201) throw new Error(`creating tenant ${id} answered ${res.statusCode}: ${res.body}`);
  }
}
