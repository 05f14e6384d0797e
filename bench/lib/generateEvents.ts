/**
 * Realistic audit events for benchmarks: about 500 bytes of JSON each, deterministic for a seed, with the
 * variety real trails have (many types, hot and cold entities and actors, 1-2 changed fields, tags,
 * request context) and a share carrying secrets, so masking runs on the hot path as it would in production.
 */
import type { EventInput } from '@vellum/core';
import { createPrng } from './prng.ts';

export interface GeneratorOptions {
  seed?: number;
  /** Distinct entities across all entity types. With the skew, the hottest have thousands of events per 1M. */
  entities?: number;
  /** Distinct human actors (a few service and system actors are added). */
  actors?: number;
  /** occurredAt of the first event (ms since epoch). */
  startMs?: number;
  /** Mean gap between consecutive occurredAt values; the default spreads 1M events over 30 days. */
  stepMs?: number;
  /** Share of events carrying a value under a sensitive key (api_key, password, authorization, ...). */
  sensitiveRate?: number;
}

export const GENERATOR_DEFAULTS: Required<GeneratorOptions> = {
  seed: 20261122,
  entities: 20_000,
  actors: 2_000,
  startMs: Date.UTC(2026, 9, 1),
  stepMs: 2_592,
  sensitiveRate: 0.1,
};

interface Domain {
  entity: string;
  types: readonly string[];
  fields: readonly string[];
  route: string;
  /** Share of all events. */
  weight: number;
}

const DOMAINS: readonly Domain[] = [
  { entity: 'PolicyConfiguration', types: ['configuration.updated', 'configuration.created'], fields: ['hours_before', 'fee_percentage', 'max_guests', 'refundable', 'currency'], route: 'admin.policies.update', weight: 18 },
  { entity: 'Order', types: ['order.created', 'order.updated', 'order.cancelled', 'order.refunded'], fields: ['status', 'total', 'currency', 'items', 'shipping_method'], route: 'orders.update', weight: 24 },
  { entity: 'User', types: ['user.login', 'user.logout', 'user.updated', 'user.password_changed'], fields: ['email', 'role', 'display_name', 'locale', 'mfa_enabled'], route: 'users.update', weight: 20 },
  { entity: 'Invoice', types: ['invoice.issued', 'invoice.paid', 'invoice.voided'], fields: ['amount', 'due_date', 'status', 'tax_rate'], route: 'billing.invoices.update', weight: 12 },
  { entity: 'ApiKey', types: ['api_key.created', 'api_key.rotated', 'api_key.revoked'], fields: ['scopes', 'expires_at', 'label'], route: 'settings.api_keys.update', weight: 5 },
  { entity: 'Role', types: ['role.granted', 'role.revoked', 'role.updated'], fields: ['permissions', 'member_count', 'name'], route: 'admin.roles.update', weight: 6 },
  { entity: 'Document', types: ['document.viewed', 'document.exported', 'document.shared', 'document.deleted'], fields: ['title', 'visibility', 'size_bytes', 'owner_id'], route: 'documents.show', weight: 11 },
  { entity: 'Webhook', types: ['webhook.created', 'webhook.updated', 'webhook.disabled'], fields: ['url', 'events', 'active'], route: 'settings.webhooks.update', weight: 4 },
];
const TOTAL_WEIGHT = DOMAINS.reduce((s, d) => s + d.weight, 0);

const FIRST_NAMES = ['Ana', 'Bruno', 'Chen', 'Dana', 'Emeka', 'Farah', 'Goran', 'Hana', 'Ivo', 'Jun', 'Kofi', 'Lena', 'Mateo', 'Nadia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tomás'];
const LAST_NAMES = ['Silva', 'Novak', 'Okafor', 'Larsen', 'Haddad', 'Tanaka', 'Moreau', 'Kowalski', 'Reyes', 'Schmidt'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) Safari/605.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Firefox/133.0',
  'okhttp/4.12.0',
  'billing-worker/2.3.1 node/20.19',
];
const SOURCES = ['ui', 'ui', 'ui', 'api', 'api', 'console', 'system'] as const;
const SENSITIVE_SHAPES = ['data.api_key', 'data.credentials.client_secret', 'context.authorization', 'changes.password', 'data.card_number'] as const;

export interface EventGenerator {
  next(): EventInput;
  /** Events generated so far. */
  readonly count: number;
}

export function createEventGenerator(options: GeneratorOptions = {}): EventGenerator {
  const o = { ...GENERATOR_DEFAULTS, ...options };
  const rnd = createPrng(o.seed);
  let count = 0;

  const pickDomain = (): Domain => {
    let r = rnd.next() * TOTAL_WEIGHT;
    for (const d of DOMAINS) {
      r -= d.weight;
      if (r < 0) return d;
    }
    return DOMAINS[0]!;
  };

  const entitiesPerDomain = Math.max(1, Math.floor(o.entities / DOMAINS.length));

  const actorOf = () => {
    if (rnd.chance(0.06)) return { type: 'service', id: `svc-${rnd.int(20)}` };
    if (rnd.chance(0.02)) return { type: 'system', id: 'scheduler' };
    const n = rnd.skewed(o.actors);
    const first = FIRST_NAMES[n % FIRST_NAMES.length]!;
    const last = LAST_NAMES[Math.floor(n / FIRST_NAMES.length) % LAST_NAMES.length]!;
    return { type: 'user', id: String(1000 + n), name: `${first} ${last}` };
  };

  const valueFor = (field: string): unknown => {
    switch (rnd.int(4)) {
      case 0: return rnd.int(10_000);
      case 1: return rnd.chance(0.5);
      case 2: return `${field}-${rnd.int(1_000_000).toString(36)}`;
      default: return Math.round(rnd.next() * 100_000) / 100;
    }
  };

  const next = (): EventInput => {
    const i = count++;
    const domain = pickDomain();
    const type = rnd.pick(domain.types);
    const entityId = String(rnd.skewed(entitiesPerDomain) + 1);
    const company = 100 + rnd.skewed(500);
    const changed = 1 + rnd.int(2);
    const changes = Array.from({ length: changed }, (_, k) => {
      const field = domain.fields[(i + k) % domain.fields.length]!;
      return { field, old: valueFor(field), new: valueFor(field) };
    });
    const occurredMs = o.startMs + i * o.stepMs + rnd.int(o.stepMs);
    const failed = rnd.chance(0.03);
    const event: EventInput = {
      type,
      action: type.slice(type.indexOf('.') + 1),
      actor: actorOf(),
      entity: { type: domain.entity, id: entityId },
      source: rnd.pick(SOURCES),
      changes,
      context: {
        ip: `10.${rnd.int(256)}.${rnd.int(256)}.${1 + rnd.int(254)}`,
        userAgent: rnd.pick(USER_AGENTS),
        route: domain.route,
        requestId: `r-${rnd.int(1e9).toString(36)}`,
      },
      data: { company_id: company, plan: rnd.pick(['free', 'team', 'business', 'enterprise']) },
      tags: [`company:${company}`, `config:${changes[0]!.field}`],
      correlationId: `corr-${Math.floor(i / 4).toString(36)}`,
      occurredAt: new Date(occurredMs).toISOString(),
    };
    // Clients omit defaults (severity info, outcome success), as the SDK does.
    if (failed) Object.assign(event, { severity: 'medium', outcome: 'failure' });
    else if (rnd.chance(0.01)) event.severity = 'high';
    if (rnd.chance(o.sensitiveRate)) addSecret(event, rnd.pick(SENSITIVE_SHAPES), rnd.int(1e12).toString(36));
    return event;
  };

  return { next, get count() { return count; } };
}

/** Puts a secret where masking must find it; the shapes cover data at depth, context and a changed field. */
function addSecret(event: EventInput, shape: (typeof SENSITIVE_SHAPES)[number], salt: string): void {
  const data = (event.data ??= {});
  switch (shape) {
    case 'data.api_key': data.api_key = `sk_live_${salt}abcdEFGH`; break;
    case 'data.credentials.client_secret': data.credentials = { client_id: `cli_${salt}`, client_secret: `cs_${salt}XYZ0987` }; break;
    case 'context.authorization': (event.context ??= {}).authorization = `Bearer eyJhbGciOi.${salt}.sig`; break;
    case 'changes.password': (event.changes ??= []).push({ field: 'password', old: `old-${salt}-pw`, new: `new-${salt}-pw` }); break;
    case 'data.card_number': data.card_number = `4242424242${salt.slice(0, 6)}`; break;
  }
}

/** The stream Vellum derives when the client names none (DESIGN.md): entity, else actor. */
export function defaultStream(event: EventInput): string {
  return event.stream ?? (event.entity ? `${event.entity.type}:${event.entity.id}` : `${event.actor.type}:${event.actor.id}`);
}
