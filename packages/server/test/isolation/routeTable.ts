/**
 * One entry per operation of the OpenAPI document: how to call it with acme's own values, with globex's
 * values (ids, stream names, cursors, filters), and naming globex outright (`tenant=globex`). The matrix
 * fails for an operation missing here, so a new route cannot ship without its isolation cells.
 *
 * Expectations are for a caller that holds the route's scope; the matrix itself turns them into 401/403
 * for callers that do not (see expectedFor).
 */
import type { World } from './seedWorld.ts';
import { NO_SUCH_TENANT, SHARED_STREAM } from './seedWorld.ts';

export interface Req {
  method: 'GET' | 'POST' | 'HEAD' | 'DELETE' | 'PATCH' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  payload?: object;
}

export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  payload: string;
  json(): any;
}

/** What a cell may answer. `success` is any 2xx; `empty` additionally needs the route's isEmpty to hold. */
export interface Expect {
  codes: 'success' | readonly number[];
  empty?: true;
}

export const success: Expect = { codes: 'success' };
export const empty: Expect = { codes: 'success', empty: true };
export const status = (...codes: number[]): Expect => ({ codes });

/** Extra checks on an answer with the expected status; `probe` makes a follow-up request whose answer is leak-scanned with the cell's. */
export interface CheckContext {
  w: World;
  /** The cell's credential, to send a twin request as the same caller. */
  credentialHeaders: Record<string, string>;
  /** The calling credential is limited to one actor (its reads are narrowed). */
  restricted: boolean;
  probe(req: Req): Promise<Answer>;
}

export interface Variant {
  label: string;
  /** Whose values fill the request: acme's own, globex's, or acme's values while naming globex as the tenant. */
  values: 'own' | 'foreign' | 'names-foreign';
  build(w: World): Req | Promise<Req>;
  expect: Expect;
  /** For the viewer token limited to acme's actor, where it differs (a filter naming another actor is a 403). */
  restricted?: Expect;
  /**
   * Positive control: the same request by an admin acting on globex must answer 2xx with globex data, which
   * proves the request really points at globex's data and that the leak scan can see it.
   */
  control?: true;
  /** Runs only when the status is the expected one (and not for HEAD); returns the problems found. */
  check?(res: Answer, ctx: CheckContext): string[] | Promise<string[]>;
}

export interface RouteSpec {
  /**
   * For endless answers (live streams), which a cell's inject cannot wait for: the test file that plays the same
   * cells over real connections instead. The matrix checks that the file exists and says what it covers.
   */
  coveredBy?: { file: string; covers: readonly string[] };
  /** How an answer with nothing in it looks here (for `empty`). */
  isEmpty?(res: Answer): boolean;
  variants: Variant[];
  /** The first variant, with `Vellum-Tenant: globex`, reads globex data when an admin sends it (control). */
  headerControl?: true;
}

const q = (params: Record<string, string | number>): string =>
  Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
const get = (path: string, params: Record<string, string | number> = {}): Req => ({ method: 'GET', url: Object.keys(params).length === 0 ? path : `${path}?${q(params)}` });
const post = (url: string, payload?: object, headers?: Record<string, string>): Req => ({
  method: 'POST', url, ...(payload === undefined ? {} : { payload }), ...(headers === undefined ? {} : { headers }),
});
const streamUrl = (stream: string, params: Record<string, string | number> = {}) => get(`/v1/streams/${encodeURIComponent(stream)}/events`, params).url;

/** The search filters, filled with one tenant's values: one variant per filter, so a leak names its filter. */
function filterVariants(path: string, extra: Record<string, string | number>, forbiddenForRestricted: Expect): Variant[] {
  const foreign = (label: string, params: (w: World) => Record<string, string | number>, restricted?: Expect): Variant => ({
    label: `globex ${label}`,
    values: 'foreign',
    build: (w) => get(path, { ...extra, ...params(w) }),
    expect: empty,
    ...(restricted === undefined ? {} : { restricted }),
    control: true,
  });
  return [
    foreign('actor', (w) => ({ actorType: w.globex.actor.type, actorId: w.globex.actor.id }), forbiddenForRestricted),
    foreign('entity', (w) => ({ entityType: w.globex.entity.type, entityId: w.globex.entity.id })),
    foreign('stream', (w) => ({ stream: w.globex.stream })),
    foreign('tag', (w) => ({ tag: w.globex.tag })),
    foreign('correlationId', (w) => ({ correlationId: w.globex.correlationId })),
    foreign('changed field', (w) => ({ field: w.globex.field })),
    foreign('type', (w) => ({ type: w.globex.type })),
  ];
}

/** `tenant=globex` and `tenant=*` on a read route that understands `tenant`: admin-only, so 403. */
function namingVariants(path: string, extra: Record<string, string | number>): Variant[] {
  return [
    { label: 'tenant=globex', values: 'names-foreign', build: () => get(path, { ...extra, tenant: 'globex' }), expect: status(403), control: true },
    { label: 'tenant=*', values: 'names-foreign', build: () => get(path, { ...extra, tenant: '*' }), expect: status(403) },
    {
      label: `tenant=${NO_SUCH_TENANT} (no such tenant)`,
      values: 'names-foreign',
      build: () => get(path, { ...extra, tenant: NO_SUCH_TENANT }),
      expect: status(403),
      check: indistinguishableFrom(() => get(path, { ...extra, tenant: 'globex' }), () => [NO_SUCH_TENANT, 'globex']),
    },
  ];
}

const LIVE_ISOLATION = {
  file: 'packages/server/test/live/live.int.spec.ts',
  covers: ['globex', 'tenant=acme', 'restrict'],
} as const;

/** An id no tenant has (UUIDv7 shape, like event and key ids). */
const UNKNOWN_ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

/**
 * The answer must be the very one a twin request gets, the twin asking about something that exists nowhere
 * (`twin`), once the differing names are blanked: another tenant's id or name must not be an oracle.
 */
function indistinguishableFrom(twin: (w: World) => Req | Promise<Req>, names: (w: World) => string[]): NonNullable<Variant['check']> {
  return async (res, { w, probe, credentialHeaders }) => {
    const twinReq = await twin(w);
    const answer = await probe({ ...twinReq, headers: { ...twinReq.headers, ...credentialHeaders } });
    const blank = (text: string): string => names(w).reduce((t, name) => t.replaceAll(name, '<name>'), text);
    if (answer.statusCode === res.statusCode && blank(answer.payload) === blank(res.payload)) return [];
    return [`answers ${res.statusCode} ${short(res.payload)} but ${answer.statusCode} ${short(answer.payload)} for ${twinReq.method} ${twinReq.url}: tells whether it exists`];
  };
}

const short = (s: string): string => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

const searchIsEmpty = (res: Answer) => res.json().events.length === 0 && res.json().nextCursor === null;
const FORBIDDEN = status(403);

async function ownEventCount(w: World): Promise<number> {
  return w.store.headPosition(w.acme.id);
}

/**
 * Brings every tree up to its log and signs what grew (the integrity routes answer from checkpoints), then
 * registers globex's checkpoint roots as secrets: a root cannot carry a canary, and the admin controls need
 * something of globex's to see in a checkpoint.
 */
async function integrated(w: World): Promise<void> {
  await w.app.integrity.settle();
  const checkpoint = await w.store.latestCheckpoint(w.globex.id);
  if (checkpoint !== null) w.detector.addSecrets(checkpoint.rootHash, checkpoint.note.split('\n')[2] ?? '');
}
const afterIntegrating = (req: (w: World) => Req) => async (w: World): Promise<Req> => {
  await integrated(w);
  return req(w);
};

export const ROUTES: Record<string, RouteSpec> = {
  'POST /v1/events': {
    variants: [
      {
        label: 'an acme event',
        values: 'own',
        build: (w) => post('/v1/events', { type: 'matrix.probe', actor: w.acme.actor, stream: `Scratch:${w.unique()}` }),
        expect: status(201),
      },
      {
        label: "globex's stream with globex's expectedVersion",
        values: 'foreign',
        build: (w) => post('/v1/events', { type: 'matrix.probe', actor: w.acme.actor, stream: w.globex.stream, expectedVersion: w.globex.streamVersion }),
        // acme has no such stream: a conflict with version 0, never globex's version, and nothing written.
        expect: status(409),
        check: (res) => (res.json().error?.actualVersion === 0 ? [] : [`conflict reports actualVersion ${JSON.stringify(res.json().error?.actualVersion)}, acme's is 0`]),
      },
      {
        label: "globex's Idempotency-Key (another body)",
        values: 'foreign',
        build: (w) => post('/v1/events', { type: 'matrix.probe', actor: w.acme.actor, stream: `Scratch:${w.unique()}` }, { 'idempotency-key': w.globex.idempotencyKey }),
        // The key is acme's to use: a new event, neither globex's result (duplicate) nor a 409 for its body.
        expect: status(201),
        check: (res) => (res.json().events[0]?.duplicate === true ? ["answered as a duplicate of another tenant's request"] : []),
      },
      {
        label: 'an event naming tenant globex in its body',
        values: 'names-foreign',
        build: (w) => post('/v1/events', { type: 'matrix.probe', actor: w.acme.actor, tenant: 'globex' }),
        expect: status(400),
      },
    ],
  },

  'GET /v1/events': {
    isEmpty: searchIsEmpty,
    headerControl: true,
    variants: [
      {
        label: 'no filter',
        values: 'own',
        build: () => get('/v1/events', { limit: 1000 }),
        expect: success,
        check: (res) => (res.json().events.length === 0 ? ['acme sees none of its own events'] : []),
      },
      {
        label: "acme's actor",
        values: 'own',
        build: (w) => get('/v1/events', { actorType: w.acme.actor.type, actorId: w.acme.actor.id }),
        expect: success,
        check: (res) => (res.json().events.length === 0 ? ["acme's actor has no events"] : []),
      },
      ...filterVariants('/v1/events', {}, FORBIDDEN),
      {
        label: "globex's cursor",
        values: 'foreign',
        // A cursor is only a position: it pages through acme's own log (or is refused), never globex's.
        build: (w) => get('/v1/events', { cursor: w.globex.cursor, limit: 1000 }),
        expect: success,
        control: true,
      },
      ...namingVariants('/v1/events', {}),
    ],
  },

  'GET /v1/events/{id}': {
    variants: [
      { label: "acme's event", values: 'own', build: (w) => get(`/v1/events/${w.acme.eventIds[0]}`), expect: success },
      {
        label: "globex's event",
        values: 'foreign',
        build: (w) => get(`/v1/events/${w.globex.eventIds[0]}`),
        expect: status(404),
        control: true,
        check: indistinguishableFrom(() => get(`/v1/events/${UNKNOWN_ID}`), (w) => [UNKNOWN_ID, w.globex.eventIds[0]!]),
      },
      { label: "globex's masked event", values: 'foreign', build: (w) => get(`/v1/events/${w.globex.eventIds.at(-1)}`), expect: status(404), control: true },
      { label: "globex's event, tenant=globex", values: 'names-foreign', build: (w) => get(`/v1/events/${w.globex.eventIds[0]}`, { tenant: 'globex' }), expect: status(403), control: true },
      { label: "acme's event, tenant=globex", values: 'names-foreign', build: (w) => get(`/v1/events/${w.acme.eventIds[0]}`, { tenant: 'globex' }), expect: status(403) },
      { label: "globex's event, tenant=*", values: 'names-foreign', build: (w) => get(`/v1/events/${w.globex.eventIds[0]}`, { tenant: '*' }), expect: status(403) },
    ],
  },

  'GET /v1/streams/{stream}/events': {
    isEmpty: (res) => res.json().version === 0 && res.json().events.length === 0,
    headerControl: true,
    variants: [
      // First, so the Vellum-Tenant: globex variant asks for a stream globex has too (its control sees globex's events).
      {
        label: 'the stream name both tenants use',
        values: 'own',
        build: () => ({ method: 'GET', url: streamUrl(SHARED_STREAM) }),
        expect: success,
        check: (res, { w }) =>
          res.json().version === w.acme.sharedStreamVersion ? [] : [`version ${res.json().version}: counts globex's events too (acme's is ${w.acme.sharedStreamVersion})`],
      },
      {
        label: "acme's stream",
        values: 'own',
        build: (w) => ({ method: 'GET', url: streamUrl(w.acme.stream) }),
        expect: success,
        check: (res, { w }) => (res.json().version === w.acme.streamVersion ? [] : [`version ${res.json().version}, acme's is ${w.acme.streamVersion}`]),
      },
      { label: "globex's stream", values: 'foreign', build: (w) => ({ method: 'GET', url: streamUrl(w.globex.stream) }), expect: empty, control: true },
      {
        label: "globex's stream, backward from its version",
        values: 'foreign',
        build: (w) => ({ method: 'GET', url: streamUrl(w.globex.stream, { direction: 'backward', fromVersion: w.globex.streamVersion, limit: 1 }) }),
        expect: empty,
        control: true,
      },
      {
        label: "globex's stream, tenant=globex",
        values: 'names-foreign',
        // Not a parameter of this route: refused either way, never read from globex.
        build: (w) => ({ method: 'GET', url: streamUrl(w.globex.stream, { tenant: 'globex' }) }),
        expect: status(400, 403),
      },
    ],
  },

  'GET /v1/stats': {
    isEmpty: (res) => res.json().groups.length === 0,
    headerControl: true,
    variants: [
      {
        label: 'by type',
        values: 'own',
        build: () => get('/v1/stats', { groupBy: 'type' }),
        expect: success,
        // Shared types (configuration.updated) carry no canary in the key: the total must be acme's alone.
        check: async (res, { w, restricted }) => {
          if (restricted) return [];
          const total = (res.json().groups as Array<{ count: number }>).reduce((s, g) => s + g.count, 0);
          const own = await ownEventCount(w);
          return total === own ? [] : [`counts ${total} events, acme has ${own}`];
        },
      },
      { label: 'by actor', values: 'own', build: () => get('/v1/stats', { groupBy: 'actor' }), expect: success },
      { label: 'by source, per hour', values: 'own', build: () => get('/v1/stats', { groupBy: 'source', interval: 'hour' }), expect: success },
      // Grouped by source: every globex source is a canary that no filter names, so the controls see globex data.
      ...filterVariants('/v1/stats', { groupBy: 'source' }, FORBIDDEN),
      ...namingVariants('/v1/stats', { groupBy: 'type' }),
    ],
  },

  'GET /v1/export': {
    isEmpty: (res) => {
      const lines = res.payload.split(/\r?\n/).filter((l) => l !== '');
      return String(res.headers['content-type']).startsWith('text/csv') ? lines.length <= 1 : lines.length === 0;
    },
    headerControl: true,
    variants: [
      {
        label: 'ndjson',
        values: 'own',
        build: () => get('/v1/export'),
        expect: success,
        check: async (res, { w, restricted }) => {
          const lines = res.payload.split('\n').filter((l) => l !== '').length;
          const own = await ownEventCount(w);
          return restricted || lines === own ? [] : [`exports ${lines} events, acme has ${own}`];
        },
      },
      { label: 'csv', values: 'own', build: () => get('/v1/export', { format: 'csv' }), expect: success },
      ...filterVariants('/v1/export', {}, FORBIDDEN),
      ...filterVariants('/v1/export', { format: 'csv' }, FORBIDDEN).map((v) => ({ ...v, label: `${v.label} (csv)` })),
      ...namingVariants('/v1/export', { format: 'csv' }),
    ],
  },

  'GET /v1/checkpoints/latest': {
    headerControl: true,
    variants: [
      {
        label: "acme's checkpoint",
        values: 'own',
        build: afterIntegrating(() => get('/v1/checkpoints/latest')),
        expect: success,
        check: (res) => (res.json().checkpoint.split('\n')[0].endsWith('/acme') ? [] : [`origin line ${JSON.stringify(res.json().checkpoint.split('\n')[0])}`]),
      },
      ...namingVariants('/v1/checkpoints/latest', {}).map((v) => ({ ...v, build: afterIntegrating(v.build as (w: World) => Req) })),
    ],
  },

  'GET /v1/events/{id}/proof': {
    variants: [
      { label: "acme's event", values: 'own', build: afterIntegrating((w) => get(`/v1/events/${w.acme.eventIds[0]}/proof`)), expect: success },
      {
        label: "acme's event by another actor",
        values: 'own',
        build: afterIntegrating((w) => get(`/v1/events/${w.acme.eventIds[3]}/proof`, { treeSize: w.acme.eventIds.length })),
        expect: success,
        // Outside the token's restriction: like no such event.
        restricted: status(404),
      },
      {
        label: "globex's event",
        values: 'foreign',
        build: afterIntegrating((w) => get(`/v1/events/${w.globex.eventIds[0]}/proof`)),
        expect: status(404),
        control: true,
        check: indistinguishableFrom(() => get(`/v1/events/${UNKNOWN_ID}/proof`), (w) => [UNKNOWN_ID, w.globex.eventIds[0]!]),
      },
      {
        label: "globex's event at globex's size",
        values: 'foreign',
        build: afterIntegrating((w) => get(`/v1/events/${w.globex.eventIds[1]}/proof`, { treeSize: w.globex.eventIds.length })),
        expect: status(404),
        control: true,
      },
      { label: "globex's event, tenant=globex", values: 'names-foreign', build: afterIntegrating((w) => get(`/v1/events/${w.globex.eventIds[0]}/proof`, { tenant: 'globex' })), expect: status(403), control: true },
      { label: "acme's event, tenant=globex", values: 'names-foreign', build: (w) => get(`/v1/events/${w.acme.eventIds[0]}/proof`, { tenant: 'globex' }), expect: status(403) },
      { label: "globex's event, tenant=*", values: 'names-foreign', build: (w) => get(`/v1/events/${w.globex.eventIds[0]}/proof`, { tenant: '*' }), expect: status(403) },
    ],
  },

  'GET /v1/proofs/consistency': {
    headerControl: true,
    variants: [
      // First, so that with Vellum-Tenant: globex the admin's control gets globex's proof (to = its latest checkpoint).
      { label: 'from 1 to the latest checkpoint', values: 'own', build: afterIntegrating(() => get('/v1/proofs/consistency', { from: 1 })), expect: success },
      {
        label: 'between two sizes acme has',
        values: 'own',
        build: afterIntegrating((w) => get('/v1/proofs/consistency', { from: 2, to: w.acme.eventIds.length })),
        expect: success,
        check: (res) => (res.json().hashes.length > 0 ? [] : ['an empty proof between different sizes']),
      },
      {
        label: "globex's sizes",
        values: 'foreign',
        // acme's own tree may or may not have reached globex's size by then: its proof, or a 400, never globex's.
        build: afterIntegrating((w) => get('/v1/proofs/consistency', { from: 1, to: w.globex.eventIds.length })),
        expect: status(200, 400),
        control: true,
      },
      ...namingVariants('/v1/proofs/consistency', { from: 1 }).map((v) => ({ ...v, build: afterIntegrating(v.build as (w: World) => Req) })),
    ],
  },

  'POST /v1/keys': {
    variants: [
      { label: 'a key for acme', values: 'own', build: (w) => post('/v1/keys', { name: `matrix ${w.unique()}`, scopes: ['keys:manage'] }), expect: status(201) },
      {
        label: 'a key for acme with the admin scope',
        values: 'own',
        build: (w) => post('/v1/keys', { name: `matrix ${w.unique()}`, scopes: ['admin'] }),
        // Only an admin may mint an admin key: an admin key acts for every tenant.
        expect: status(403),
      },
      {
        label: 'a key naming tenant globex in its body',
        values: 'names-foreign',
        build: (w) => post('/v1/keys', { name: `matrix ${w.unique()}`, scopes: ['keys:manage'], tenant: 'globex' }),
        expect: status(400),
      },
    ],
  },

  'GET /v1/keys': {
    headerControl: true,
    variants: [
      {
        label: "acme's keys",
        values: 'own',
        build: () => get('/v1/keys'),
        expect: success,
        check: (res) => (res.json().keys.length === 0 ? ["lists none of acme's keys"] : []),
      },
      { label: 'tenant=acme', values: 'own', build: () => get('/v1/keys', { tenant: 'acme' }), expect: success },
      { label: 'tenant=globex', values: 'names-foreign', build: () => get('/v1/keys', { tenant: 'globex' }), expect: status(403), control: true },
      { label: 'tenant=*', values: 'names-foreign', build: () => get('/v1/keys', { tenant: '*' }), expect: status(403) },
      { label: `tenant=${NO_SUCH_TENANT} (no such tenant)`, values: 'names-foreign', build: () => get('/v1/keys', { tenant: NO_SUCH_TENANT }), expect: status(403) },
    ],
  },

  'GET /v1/keys/self': {
    variants: [
      {
        label: 'the caller itself',
        values: 'own',
        build: () => get('/v1/keys/self'),
        expect: success,
        check: (res) => (res.json().tenant === 'acme' ? [] : [`tenant ${JSON.stringify(res.json().tenant)}`]),
      },
    ],
  },

  'GET /v1/keys/{id}': {
    variants: [
      { label: "an acme key", values: 'own', build: (w) => get(`/v1/keys/${w.acmeKeys['events:read'].id}`), expect: success },
      {
        label: 'a globex key',
        values: 'foreign',
        build: (w) => get(`/v1/keys/${w.globex.keys[0]!.id}`),
        expect: status(404),
        control: true,
        check: indistinguishableFrom(() => get(`/v1/keys/${UNKNOWN_ID}`), (w) => [UNKNOWN_ID, w.globex.keys[0]!.id]),
      },
      { label: "the bootstrap admin key (tenant default)", values: 'foreign', build: (w) => get(`/v1/keys/${w.adminKeyId}`), expect: status(404) },
    ],
  },

  'POST /v1/keys/{id}/revoke': {
    variants: [
      { label: 'an acme key', values: 'own', build: async (w) => post(`/v1/keys/${await w.victimKey()}/revoke`), expect: success },
      {
        label: 'a globex key',
        values: 'foreign',
        build: (w) => post(`/v1/keys/${w.globex.keys[1]!.id}/revoke`),
        expect: status(404),
        check: indistinguishableFrom(() => post(`/v1/keys/${UNKNOWN_ID}/revoke`), (w) => [UNKNOWN_ID, w.globex.keys[1]!.id]),
      },
      { label: 'the bootstrap admin key (tenant default)', values: 'foreign', build: (w) => post(`/v1/keys/${w.adminKeyId}/revoke`), expect: status(404) },
    ],
  },

  'POST /v1/keys/{id}/rotate': {
    variants: [
      { label: 'an acme key', values: 'own', build: async (w) => post(`/v1/keys/${await w.victimKey()}/rotate`, { gracePeriod: '0s' }), expect: status(201) },
      {
        label: 'a globex key',
        values: 'foreign',
        build: (w) => post(`/v1/keys/${w.globex.keys[1]!.id}/rotate`, { gracePeriod: '0s' }),
        expect: status(404),
        check: indistinguishableFrom(() => post(`/v1/keys/${UNKNOWN_ID}/rotate`, { gracePeriod: '0s' }), (w) => [UNKNOWN_ID, w.globex.keys[1]!.id]),
      },
      { label: 'the bootstrap admin key (tenant default)', values: 'foreign', build: (w) => post(`/v1/keys/${w.adminKeyId}/rotate`, { gracePeriod: '0s' }), expect: status(404) },
    ],
  },

  // Admin only: every acme credential is refused, whatever it asks.
  'POST /v1/tenants': {
    variants: [
      { label: 'a new tenant', values: 'own', build: (w) => post('/v1/tenants', { id: `acme-${w.unique()}` }), expect: status(201) },
      { label: 'globex again', values: 'names-foreign', build: () => post('/v1/tenants', { id: 'globex' }), expect: status(409) },
    ],
  },
  'GET /v1/tenants': {
    variants: [{ label: 'every tenant', values: 'own', build: () => get('/v1/tenants'), expect: success }],
  },

  // Crypto-shredding: the tenant is always the caller's. Naming globex's actor answers as for a subject acme never saw
  // (404: acme holds no personal data of it), so it neither tells nor touches globex's.
  'POST /v1/subjects/{subject}/forget': {
    variants: [
      {
        label: 'an acme subject with personal data',
        values: 'own',
        build: async (w) => {
          const actor = { type: 'user', id: `forget-${w.unique()}`, name: 'Forget Me' };
          const res = await w.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${w.acmeKeys['events:write'].secret}` }, payload: { type: 'matrix.probe', actor, stream: `Scratch:${w.unique()}` } });
          if (res.statusCode !== 201) throw new Error(`could not seed a subject: ${res.statusCode} ${res.payload}`);
          return post(`/v1/subjects/${encodeURIComponent(`${actor.type}:${actor.id}`)}/forget`);
        },
        expect: success,
      },
      {
        label: "globex's actor",
        values: 'foreign',
        build: (w) => post(`/v1/subjects/${encodeURIComponent(`${w.globex.actor.type}:${w.globex.actor.id}`)}/forget`),
        expect: status(404),
        check: indistinguishableFrom(() => post(`/v1/subjects/${encodeURIComponent(`user:${UNKNOWN_ID}`)}/forget`), (w) => [UNKNOWN_ID, w.globex.actor.id]),
      },
    ],
  },

  'POST /v1/viewer-tokens': {
    variants: [
      {
        label: 'the whole of acme',
        values: 'own',
        build: () => post('/v1/viewer-tokens', { ttlSeconds: 60 }),
        expect: status(201),
        check: (res) => (res.json().tenant === 'acme' ? [] : [`minted for tenant ${JSON.stringify(res.json().tenant)}`]),
      },
      {
        label: "limited to globex's actor",
        values: 'foreign',
        build: (w) => post('/v1/viewer-tokens', { ttlSeconds: 60, actor: w.globex.actor }),
        // A token for acme limited to an actor acme does not have: it must read nothing at all.
        expect: status(201),
        check: async (res, { w, probe }) => {
          const auth = { authorization: `Bearer ${res.json().token as string}` };
          const problems: string[] = [];
          const search = await probe({ method: 'GET', url: '/v1/events?limit=1000', headers: auth });
          if (search.statusCode !== 200 || search.json().events.length !== 0) problems.push(`its search answered ${search.statusCode} with ${search.payload.slice(0, 200)}`);
          const trail = await probe({ method: 'GET', url: streamUrl(w.globex.stream), headers: auth });
          if (trail.statusCode !== 200 || trail.json().version !== 0) problems.push(`its read of globex's stream answered ${trail.statusCode} with ${trail.payload.slice(0, 200)}`);
          const byId = await probe({ method: 'GET', url: `/v1/events/${w.globex.eventIds[0]}`, headers: auth });
          if (byId.statusCode !== 404) problems.push(`its read of a globex event answered ${byId.statusCode}`);
          return problems;
        },
      },
      {
        label: 'naming tenant globex in its body',
        values: 'names-foreign',
        build: () => post('/v1/viewer-tokens', { ttlSeconds: 60, tenant: 'globex' }),
        expect: status(400),
      },
    ],
  },

  ...subscriptionRoutes(),

  // Retention: reading is the tenant's own (keys:manage); setting, clearing and running are admin-only, so every
  // credential the matrix holds must be refused them.
  'GET /v1/retention': {
    // No control: a policy holds only numbers, so an admin's answer about globex carries nothing to recognise.
    variants: [
      {
        label: "acme's policy",
        values: 'own',
        build: () => get('/v1/retention'),
        expect: success,
        check: (res) => (res.json().tenant === 'acme' ? [] : [`answers for tenant ${JSON.stringify(res.json().tenant)}`]),
      },
    ],
  },
  'PUT /v1/retention': { variants: [{ label: 'a 400-day policy', values: 'own', build: () => ({ method: 'PUT', url: '/v1/retention', payload: { keepDays: 400 } }), expect: success }] },
  'DELETE /v1/retention': { variants: [{ label: "acme's policy", values: 'own', build: () => ({ method: 'DELETE', url: '/v1/retention' }), expect: status(200, 404) }] },
  'POST /v1/retention/run': { variants: [{ label: 'a dry run', values: 'own', build: () => post('/v1/retention/run', { dryRun: true }), expect: status(200, 404) }] },

  // Live streams never end, so their isolation cells run over real sockets in the live tests.
  'GET /v1/live': { coveredBy: LIVE_ISOLATION, variants: [] },
  'GET /v1/ws': { coveredBy: LIVE_ISOLATION, variants: [] },

  // Operations: public, and must say nothing about any tenant.
  'GET /healthz': { variants: [{ label: 'health', values: 'own', build: () => get('/healthz'), expect: success }] },
  'GET /readyz': { variants: [{ label: 'readiness', values: 'own', build: () => get('/readyz'), expect: success }] },
  'GET /metrics': { variants: [{ label: 'metrics', values: 'own', build: () => get('/metrics'), expect: success }] },
  'GET /openapi.json': { variants: [{ label: 'the document', values: 'own', build: () => get('/openapi.json'), expect: success }] },
};

/**
 * /v1/subscriptions: acme's own subscription answers, globex's id is a 404 that looks exactly like an unknown id's,
 * and admins alone may name another tenant. Only reads carry admin controls: a control acting on globex would change
 * the globex data whose stability the matrix checks at the end.
 */
function subscriptionRoutes(): Record<string, RouteSpec> {
  const sub = (w: World, who: 'acme' | 'globex', rest = ''): string => `/v1/subscriptions/${w[who].subscriptionId}${rest}`;
  const byId = (method: Req['method'], rest: string, payload: object | undefined, own: Expect, options: { control?: true; ownId?: (w: World) => Promise<string> } = {}): RouteSpec => {
    const req = (url: string): Req => ({ method, url, ...(payload === undefined ? {} : { payload }) });
    return {
      variants: [
        {
          label: "acme's subscription",
          values: 'own',
          build: async (w) => req(options.ownId === undefined ? sub(w, 'acme', rest) : `/v1/subscriptions/${await options.ownId(w)}${rest}`),
          expect: own,
        },
        {
          label: "globex's subscription",
          values: 'foreign',
          build: (w) => req(sub(w, 'globex', rest)),
          expect: status(404),
          ...(options.control === undefined ? {} : { control: true as const }),
          check: indistinguishableFrom(() => req(`/v1/subscriptions/${UNKNOWN_ID}${rest}`), (w) => [UNKNOWN_ID, w.globex.subscriptionId]),
        },
      ],
    };
  };
  return {
    'POST /v1/subscriptions': {
      variants: [
        {
          label: 'a webhook subscription for acme',
          values: 'own',
          build: (w) => post('/v1/subscriptions', { name: `matrix ${w.unique()}`, target: { kind: 'webhook', url: 'http://127.0.0.1:9/matrix' } }),
          expect: status(201),
        },
        {
          label: 'naming tenant globex in its body',
          values: 'names-foreign',
          build: (w) => post('/v1/subscriptions', { name: `matrix ${w.unique()}`, tenant: 'globex', target: { kind: 'webhook', url: 'http://127.0.0.1:9/matrix' } }),
          expect: status(400),
        },
      ],
    },
    'GET /v1/subscriptions': {
      isEmpty: (res) => res.json().subscriptions.length === 0,
      headerControl: true,
      variants: [
        {
          label: "acme's subscriptions",
          values: 'own',
          build: () => get('/v1/subscriptions'),
          expect: success,
          check: (res, { w }) =>
            (res.json().subscriptions as Array<{ id: string }>).some((s) => s.id === w.acme.subscriptionId) ? [] : ["acme's own subscription is not listed"],
        },
        ...namingVariants('/v1/subscriptions', {}),
      ],
    },
    'GET /v1/subscriptions/{id}': byId('GET', '', undefined, success, { control: true }),
    'PATCH /v1/subscriptions/{id}': {
      variants: [
        {
          label: "acme's subscription",
          values: 'own',
          build: (w) => ({ method: 'PATCH', url: sub(w, 'acme'), payload: { filter: { types: ['configuration.*'], minSeverity: 'low' } } }),
          expect: success,
        },
        {
          label: "globex's subscription",
          values: 'foreign',
          build: (w) => ({ method: 'PATCH', url: sub(w, 'globex'), payload: { filter: {} } }),
          expect: status(404),
          check: indistinguishableFrom(() => ({ method: 'PATCH', url: `/v1/subscriptions/${UNKNOWN_ID}`, payload: { filter: {} } }), (w) => [UNKNOWN_ID, w.globex.subscriptionId]),
        },
      ],
    },
    'DELETE /v1/subscriptions/{id}': byId('DELETE', '', undefined, success, { ownId: (w) => w.victimSubscription() }),
    'POST /v1/subscriptions/{id}/pause': byId('POST', '/pause', undefined, success),
    'POST /v1/subscriptions/{id}/resume': byId('POST', '/resume', undefined, success),
    'POST /v1/subscriptions/{id}/replay': byId('POST', '/replay', { position: 1 }, success),
    // No control: without delivery these lists are empty, so an admin's answer would hold no globex data to see.
    'GET /v1/subscriptions/{id}/deliveries': byId('GET', '/deliveries', undefined, success),
    'GET /v1/subscriptions/{id}/dead-letters': byId('GET', '/dead-letters', undefined, success),
    'POST /v1/subscriptions/{id}/dead-letters/retry': byId('POST', '/dead-letters/retry', {}, success),
    'DELETE /v1/subscriptions/{id}/dead-letters': byId('DELETE', '/dead-letters', undefined, success),
    'POST /v1/subscriptions/{id}/rotate-secret': byId('POST', '/rotate-secret', {}, success),
  };
}
