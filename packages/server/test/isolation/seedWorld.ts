/**
 * The two tenants the isolation matrix plays against each other, seeded through the public API:
 * `acme` (the caller's tenant) and `globex` (the foreign one, every string of it marked with a canary).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { ADMIN_KEY } from '../support/testApp.ts';
import { CanaryMint, LeakDetector } from './foreignData.ts';

export const OWN = 'acme';
export const FOREIGN = 'globex';
/** A tenant id that exists nowhere: a non-admin naming it must get the same 403 as for globex (no existence oracle). */
export const NO_SUCH_TENANT = 'initech';
/** A stream name both tenants use: each must see only its own versions of it. */
export const SHARED_STREAM = 'Invoice:shared-1';

export interface Party {
  type: string;
  id: string;
}

export interface SeededKey {
  id: string;
  prefix: string;
  secret: string;
  scopes: string[];
}

/** What the matrix knows about one tenant: the values its request builders fill in. */
export interface TenantData {
  id: string;
  eventIds: string[];
  eventHashes: string[];
  /** A stream only this tenant has, with its current version. */
  stream: string;
  streamVersion: number;
  /** This tenant's version of SHARED_STREAM. */
  sharedStreamVersion: number;
  actor: Party;
  entity: Party;
  tag: string;
  correlationId: string;
  /** The name of a changed field (`field=` filter). */
  field: string;
  /** An event type only this tenant uses. */
  type: string;
  /** nextCursor of a search with limit=1. */
  cursor: string;
  /** Idempotency-Key header of one of the tenant's append requests. */
  idempotencyKey: string;
  keys: SeededKey[];
  /** A webhook subscription of the tenant. */
  subscriptionId: string;
}

/** An append request globex made: the body's events and its Idempotency-Key header, if any. */
export interface ForeignRequest {
  events: object[];
  idempotencyKey?: string;
}

export type AcmeScope = 'events:write' | 'events:read' | 'subscriptions:manage' | 'keys:manage';

export interface World {
  app: FastifyInstance;
  store: VellumStore;
  acme: TenantData;
  globex: TenantData;
  /** acme's keys by scope (one scope each). */
  acmeKeys: Record<AcmeScope, SeededKey>;
  /** acme viewer tokens: the whole tenant, and limited to acme's actor. */
  viewerToken: string;
  restrictedViewerToken: string;
  /** globex's append requests, to replay them as acme (the one with TenantData.idempotencyKey aside). */
  globexRequests: ForeignRequest[];
  /** The bootstrap admin key's id (tenant `default`): foreign to acme as well. */
  adminKeyId: string;
  detector: LeakDetector;
  /** A unique suffix for values written by the matrix's own requests. */
  unique(): string;
  /** A fresh acme key (scope keys:manage) that a revoke or rotate cell may consume. */
  victimKey(): Promise<string>;
  /** A fresh acme subscription that a delete cell may consume. */
  victimSubscription(): Promise<string>;
}

const admin = (tenant: string): Record<string, string> => ({ authorization: `Bearer ${ADMIN_KEY}`, 'vellum-tenant': tenant });
const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });

async function call<T>(app: FastifyInstance, options: InjectOptions, expected: number): Promise<T> {
  const res = await app.inject(options);
  if (res.statusCode !== expected) {
    throw new Error(`seeding: ${options.method} ${options.url} answered ${res.statusCode}, expected ${expected}: ${res.payload.slice(0, 500)}`);
  }
  return res.json() as T;
}

async function createKey(app: FastifyInstance, tenant: string, name: string, scopes: string[]): Promise<SeededKey> {
  const body = await call<{ key: { id: string; prefix: string }; secret: string }>(
    app,
    { method: 'POST', url: '/v1/keys', headers: admin(tenant), payload: { name, scopes } },
    201,
  );
  return { id: body.key.id, prefix: body.key.prefix, secret: body.secret, scopes };
}

interface Appended {
  id: string;
  hash: string;
  stream: string;
  streamVersion: number;
}

async function append(app: FastifyInstance, key: string, events: object[], idempotencyKey?: string): Promise<Appended[]> {
  const headers = { ...bearer(key), ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) };
  const body = await call<{ events: Appended[] }>(app, { method: 'POST', url: '/v1/events', headers, payload: { events } }, 201);
  return body.events;
}

/** globex: every string it stores is a canary, so any field of it that leaks is recognisable. */
function globexEvents(c: CanaryMint, values: Pick<TenantData, 'stream' | 'actor' | 'entity' | 'tag' | 'correlationId' | 'field' | 'type'>): object[] {
  const rich = (over: Record<string, unknown>) => ({
    type: c.nextLower() + '.updated',
    action: c.nextLower(),
    severity: 'high',
    outcome: 'failure',
    source: c.next().toLowerCase(),
    actor: { type: c.next(), id: c.next(), name: c.next(), email: `${c.next()}@globex.example` },
    entity: { type: c.next(), id: c.next(), name: c.next() },
    changes: [{ field: c.nextLower(), old: c.next(), new: { nested: c.next(), list: [c.next()] } }],
    context: { ip: '10.99.0.7', userAgent: c.next(), route: c.next(), requestId: c.next() },
    data: { note: c.next(), nested: { deeper: [c.next(), { label: c.next() }] }, count: 7 },
    tags: [c.next(), `plan:${c.next()}`],
    correlationId: c.next(),
    causationId: c.next(),
    idempotencyKey: c.next(),
    ...over,
  });
  return [
    // The named values the request builders use: a stream, actor, entity, tag, correlation id, field and type.
    rich({ type: values.type, actor: { ...values.actor, name: c.next() }, entity: { ...values.entity, name: c.next() }, stream: values.stream, tags: [values.tag, c.next()], correlationId: values.correlationId, changes: [{ field: values.field, old: c.next(), new: c.next() }] }),
    rich({ stream: values.stream, actor: { ...values.actor, name: c.next() } }),
    rich({ stream: values.stream, expectedVersion: 2 }),
    // Shared with acme: a type, an actor type and a stream name. A leak of these is caught by the other canaries.
    rich({ type: 'configuration.updated', actor: { type: 'user', id: c.next() }, stream: SHARED_STREAM }),
    rich({ type: 'configuration.updated', severity: 'info', outcome: 'success', stream: SHARED_STREAM }),
    rich({ stream: SHARED_STREAM }),
    // Sensitive keys: masked before storage, the visible tail is still a canary's.
    rich({ data: { password: c.next(), api_key: c.next() } }),
  ];
}

function acmeEvents(values: Pick<TenantData, 'stream' | 'actor' | 'entity' | 'tag' | 'correlationId' | 'field' | 'type'>): object[] {
  const plain = (over: Record<string, unknown>) => ({
    type: 'configuration.updated',
    action: 'update',
    actor: values.actor,
    entity: values.entity,
    stream: values.stream,
    source: 'ui',
    changes: [{ field: values.field, old: 24, new: 48 }],
    context: { ip: '192.168.1.100', userAgent: 'acme-browser', route: 'acme.policies.update', requestId: 'acme-r-1' },
    data: { company_id: 123 },
    tags: [values.tag],
    correlationId: values.correlationId,
    ...over,
  });
  return [
    plain({}),
    plain({ type: values.type }),
    plain({ severity: 'critical' }),
    plain({ stream: SHARED_STREAM, actor: { type: 'user', id: 'acme-2' } }),
    plain({ stream: SHARED_STREAM }),
  ];
}

export async function seedWorld(app: FastifyInstance, store: VellumStore): Promise<World> {
  const c = new CanaryMint();
  const detector = new LeakDetector();

  await call(app, { method: 'POST', url: '/v1/tenants', headers: admin('default'), payload: { id: OWN, name: 'Acme Corp' } }, 201);
  await call(app, { method: 'POST', url: '/v1/tenants', headers: admin('default'), payload: { id: FOREIGN, name: c.next() } }, 201);

  const acmeKeys = {
    'events:write': await createKey(app, OWN, 'acme writer', ['events:write']),
    'events:read': await createKey(app, OWN, 'acme reader', ['events:read']),
    'subscriptions:manage': await createKey(app, OWN, 'acme subscriptions', ['subscriptions:manage']),
    'keys:manage': await createKey(app, OWN, 'acme key manager', ['keys:manage']),
  } satisfies Record<AcmeScope, SeededKey>;
  const globexKeys = [
    await createKey(app, FOREIGN, c.next(), ['events:write', 'events:read', 'keys:manage']),
    await createKey(app, FOREIGN, c.next(), ['events:read']),
  ];
  const globexKey = globexKeys[0]!;

  const acmeValues = {
    stream: 'Policy:acme-1',
    actor: { type: 'user', id: 'acme-1' },
    entity: { type: 'Policy', id: 'acme-1' },
    tag: 'company:acme',
    correlationId: 'acme-corr-1',
    field: 'hours_before',
    type: 'acme.policy_changed',
  };
  const globexValues = {
    stream: `${c.next()}:stream`,
    actor: { type: 'user', id: c.next() },
    entity: { type: c.next(), id: c.next() },
    tag: c.next(),
    correlationId: c.next(),
    field: c.nextLower(),
    type: `${c.nextLower()}.changed`,
  };

  const acmeAppended = await append(app, acmeKeys['events:write'].secret, acmeEvents(acmeValues), `acme-request-${randomBytes(6).toString('hex')}`);
  // No canary and no tenant id in them: acme sends them back as its own keys, and may store them with its events.
  const requestKey = () => `request-${randomBytes(6).toString('hex')}`;
  const globexIdempotencyKey = requestKey();
  // Idempotent by their header (the matrix sends the second one's key with another body), or by each event's
  // own idempotencyKey (the third).
  const [first, second, third] = [globexEvents(c, globexValues), globexEvents(c, globexValues), globexEvents(c, globexValues)];
  const globexRequests: ForeignRequest[] = [
    { events: first.slice(0, 4), idempotencyKey: requestKey() },
    { events: second.slice(4, 6), idempotencyKey: globexIdempotencyKey },
    { events: third.slice(6) },
  ];
  const globexAppended: Appended[] = [];
  for (const r of globexRequests) globexAppended.push(...(await append(app, globexKey.secret, r.events, r.idempotencyKey)));

  // Webhook subscriptions to a loopback receiver that is never contacted (the matrix runs without delivery).
  const subscribe = async (tenant: string, name: string, path: string, filter: object): Promise<{ id: string; secret: string }> => {
    const body = await call<{ subscription: { id: string }; secret: string }>(
      app,
      { method: 'POST', url: '/v1/subscriptions', headers: admin(tenant), payload: { name, filter, target: { kind: 'webhook', url: `http://127.0.0.1:9/${path}` } } },
      201,
    );
    return { id: body.subscription.id, secret: body.secret };
  };
  const acmeSubscription = await subscribe(OWN, 'acme hook', 'acme-hook', { types: ['configuration.*'] });
  const globexSubscription = await subscribe(FOREIGN, c.next(), c.next(), { types: [globexValues.type], actorId: globexValues.actor.id });

  const cursorOf = async (key: string): Promise<string> => {
    const page = await call<{ nextCursor: string | null }>(app, { method: 'GET', url: '/v1/events?limit=1', headers: bearer(key) }, 200);
    if (page.nextCursor === null) throw new Error('seeding: a search with limit=1 gave no nextCursor');
    return page.nextCursor;
  };

  const versionOf = (appended: Appended[], stream: string): number =>
    Math.max(0, ...appended.filter((e) => e.stream === stream).map((e) => e.streamVersion));

  const acme: TenantData = {
    id: OWN,
    ...acmeValues,
    eventIds: acmeAppended.map((e) => e.id),
    eventHashes: acmeAppended.map((e) => e.hash),
    streamVersion: versionOf(acmeAppended, acmeValues.stream),
    sharedStreamVersion: versionOf(acmeAppended, SHARED_STREAM),
    cursor: await cursorOf(acmeKeys['events:read'].secret),
    idempotencyKey: 'unused',
    keys: Object.values(acmeKeys),
    subscriptionId: acmeSubscription.id,
  };
  const globex: TenantData = {
    id: FOREIGN,
    ...globexValues,
    eventIds: globexAppended.map((e) => e.id),
    eventHashes: globexAppended.map((e) => e.hash),
    streamVersion: versionOf(globexAppended, globexValues.stream),
    sharedStreamVersion: versionOf(globexAppended, SHARED_STREAM),
    cursor: await cursorOf(globexKey.secret),
    idempotencyKey: globexIdempotencyKey,
    keys: globexKeys,
    subscriptionId: globexSubscription.id,
  };

  const mint = async (body: object): Promise<string> =>
    (await call<{ token: string }>(app, { method: 'POST', url: '/v1/viewer-tokens', headers: bearer(acmeKeys['events:read'].secret), payload: body }, 201)).token;
  const viewerToken = await mint({});
  const restrictedViewerToken = await mint({ actor: acmeValues.actor });

  const self = await call<{ id: string; prefix: string }>(app, { method: 'GET', url: '/v1/keys/self', headers: { authorization: `Bearer ${ADMIN_KEY}` } }, 200);

  detector.addSecrets(FOREIGN, ...globex.eventIds, ...globex.eventHashes);
  for (const k of globexKeys) detector.addSecrets(k.id, k.prefix, k.secret);
  detector.addSecrets(globexSubscription.id, globexSubscription.secret);
  detector.addSecrets(self.id, self.prefix, ADMIN_KEY);

  let n = 0;
  return {
    app,
    store,
    acme,
    globex,
    acmeKeys,
    viewerToken,
    restrictedViewerToken,
    globexRequests: globexRequests.filter((r) => r.idempotencyKey !== globexIdempotencyKey),
    adminKeyId: self.id,
    detector,
    unique: () => `${process.pid}-${++n}`,
    victimKey: async () => (await createKey(app, OWN, `victim ${++n}`, ['keys:manage'])).id,
    victimSubscription: async () => (await subscribe(OWN, `victim ${++n}`, 'victim', {})).id,
  };
}
