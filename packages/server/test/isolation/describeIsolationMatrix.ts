/**
 * The tenant isolation matrix as a vitest suite: every operation of the OpenAPI document × every acme
 * credential × every variant of its values (own, globex's, naming globex), one test per cell. Each cell
 * checks the status it must get and scans the whole answer — status, headers, streamed body — for globex's
 * data. Admin keys acting on globex run the same requests as positive controls.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.ts';
import type { FastifyInstance } from 'fastify';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { makeTestApp, type TestApp } from '../support/testApp.ts';
import { ADMIN_ON_FOREIGN, CREDENTIALS, describeExpect, expectedFor, statusMatches, type Credential } from './credentials.ts';
import { foreignTenantFields, requestText, responseText } from './foreignData.ts';
import { ROUTES, status, type Answer, type Req, type RouteSpec, type Variant } from './routeTable.ts';
import { FOREIGN, NO_SUCH_TENANT, OWN, seedWorld, type World } from './seedWorld.ts';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export interface Operation {
  /** `GET /v1/events/{id}`: the OpenAPI spelling, the key of ROUTES. */
  key: string;
  method: string;
  /** The route as registered, `/v1/events/:id`. */
  url: string;
  /** From app.routeScopes; undefined when the auth plugin recorded none. */
  scope: string | undefined;
  /** Fastify answers HEAD on it too (a route of its own, with the same scope). */
  head: boolean;
}

export interface Discovery {
  operations: Operation[];
  /** Routes the auth plugin saw that the document does not list (HEAD twins of GET routes aside). */
  undocumented: string[];
}

/** The operations of an app's OpenAPI document, with the scope each declared. */
export async function discoverOperations(app: FastifyInstance): Promise<Discovery> {
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
  const doc = res.json() as { paths: Record<string, Record<string, unknown>> };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item).filter((m) => HTTP_METHODS.includes(m))) {
      const url = path.replace(/\{([^}]+)\}/g, ':$1');
      const upper = method.toUpperCase();
      operations.push({
        key: `${upper} ${path}`,
        method: upper,
        url,
        scope: app.routeScopes.get(`${upper} ${url}`),
        head: upper === 'GET' && app.routeScopes.has(`HEAD ${url}`),
      });
    }
  }
  const documented = new Set(operations.flatMap((o) => [`${o.method} ${o.url}`, ...(o.head ? [`HEAD ${o.url}`] : [])]));
  const undocumented = [...app.routeScopes.keys()].filter((r) => !documented.has(r)).sort();
  return { operations, undocumented };
}

/** Reads the document of a throwaway in-memory app, so the cells can be named when the file is collected. */
export async function discoverAtCollection(): Promise<Discovery> {
  const t = await makeTestApp({ config: { logLevel: 'warn' } });
  try {
    return await discoverOperations(t.app);
  } finally {
    await t.app.close();
  }
}

/** Cells known to fail because of a bug elsewhere: `<operation> · <cell name>` → what is wrong. Keep it empty. */
export const KNOWN_BUGS: Readonly<Record<string, string>> = {};

export interface OpenedStore {
  store: VellumStore;
  cleanup(): Promise<void>;
}

interface Tally {
  cells: number;
  controls: number;
  leakingCells: string[];
  wrongCells: string[];
}

/** Each protected route also gets its first request with `Vellum-Tenant` naming globex, and a tenant that does not exist. */
function withTenantHeaderVariants(spec: RouteSpec, scope: string): Variant[] {
  const first = spec.variants[0];
  if (scope === 'public' || first === undefined) return spec.variants;
  const naming = (tenant: string) => async (w: World): Promise<Req> => {
    const req = await first.build(w);
    return { ...req, headers: { ...req.headers, 'vellum-tenant': tenant } };
  };
  // Only an admin key may act for another tenant; the same 403 whether that tenant exists or not.
  const globex: Variant = {
    label: `Vellum-Tenant: globex (${first.label})`,
    values: 'names-foreign',
    build: naming(FOREIGN),
    expect: status(403),
    ...(spec.headerControl === true ? { control: true as const } : {}),
  };
  const initech: Variant = {
    label: `Vellum-Tenant: ${NO_SUCH_TENANT}, no such tenant (${first.label})`,
    values: 'names-foreign',
    build: naming(NO_SUCH_TENANT),
    expect: status(403),
    check: async (res, ctx) => {
      const twin = await naming(FOREIGN)(ctx.w);
      const answer = await ctx.probe({ ...twin, headers: { ...twin.headers, ...ctx.credentialHeaders } });
      return answer.statusCode === res.statusCode && answer.payload === res.payload ? [] : [`answers differently for globex (${answer.statusCode} ${answer.payload}): tells which tenants exist`];
    },
  };
  return [...spec.variants, globex, initech];
}

async function inject(app: FastifyInstance, req: Req): Promise<Answer> {
  const res = await app.inject({
    method: req.method,
    url: req.url,
    headers: req.headers ?? {},
    ...(req.payload === undefined ? {} : { payload: req.payload }),
  });
  return { statusCode: res.statusCode, headers: res.headers as Record<string, unknown>, payload: res.payload, json: () => res.json() };
}

const short = (s: string): string => (s.length > 400 ? `${s.slice(0, 400)}…` : s);
const show = (req: Req): string => `${req.method} ${req.url}${req.headers?.['vellum-tenant'] === undefined ? '' : ` [Vellum-Tenant: ${req.headers['vellum-tenant']}]`}${req.payload === undefined ? '' : ` ${JSON.stringify(req.payload)}`}`;

/** One cell: the problems found (wrong status, failed checks, leaked values), empty when all is well. */
async function runCell(w: World, op: Operation, method: string, spec: RouteSpec, credential: Credential, variant: Variant): Promise<{ problems: string[]; leaks: string[] }> {
  const built = await variant.build(w);
  const req: Req = { ...built, method: method as Req['method'], headers: { ...built.headers, ...credential.headers(w) } };
  const res = await inject(w.app, req);
  const expected = expectedFor(op.scope!, method, credential, variant);
  const problems: string[] = [];
  const sent = [requestText(req)];
  const answers = [responseText(res)];

  if (!statusMatches(expected, res.statusCode)) {
    problems.push(`${show(req)} answered ${res.statusCode}, expected ${describeExpect(expected)}: ${short(res.payload)}`);
  } else if (method !== 'HEAD') {
    if (expected.empty === true && res.statusCode < 300 && spec.isEmpty?.(res) !== true) {
      problems.push(`${show(req)} should have found nothing: ${short(res.payload)}`);
    }
    // Checks belong to the variant's own expectation, not to a refusal the credential gets instead.
    if (variant.check !== undefined && expected === variant.expect) {
      const probe = async (p: Req): Promise<Answer> => {
        const answer = await inject(w.app, p);
        sent.push(requestText(p));
        answers.push(responseText(answer));
        return answer;
      };
      for (const p of await variant.check(res, { w, restricted: credential.restricted, credentialHeaders: credential.headers(w), probe })) problems.push(`${show(req)}: ${p}`);
    }
  }
  if (res.statusCode < 300 && method !== 'HEAD' && op.scope !== 'public') {
    const foreign = foreignTenantFields(String(res.headers['content-type'] ?? ''), res.payload, OWN);
    if (foreign.length > 0) problems.push(`${show(req)} answered data of tenant(s) ${[...new Set(foreign)].join(', ')}`);
  }
  const leaks = w.detector.leaks(answers.join('\n'), sent.join('\n'));
  if (leaks.length > 0) problems.push(`LEAK: ${show(req)} answered ${res.statusCode} with globex's ${leaks.join(', ')}: ${short(res.payload)}`);
  return { problems, leaks };
}

async function runControl(w: World, variant: Variant): Promise<string[]> {
  const built = await variant.build(w);
  const req: Req = { ...built, headers: { ...built.headers, ...ADMIN_ON_FOREIGN.headers } };
  const res = await inject(w.app, req);
  if (res.statusCode >= 300) return [`${show(req)} answered ${res.statusCode} to the admin: ${short(res.payload)}`];
  if (!w.detector.anyForeign(responseText(res), requestText(req))) {
    return [`${show(req)} showed the admin no globex data, so this cell's leak scan proves nothing: ${short(res.payload)}`];
  }
  return [];
}

/** globex's state that no acme request may change: its log's length, its keys and their state. */
async function foreignSnapshot(w: World): Promise<unknown> {
  const keys = await w.store.listKeys(FOREIGN);
  const subscriptions = await w.store.subscriptions.listSubscriptions(FOREIGN);
  return {
    head: await w.store.headPosition(FOREIGN),
    subscriptions: subscriptions.map((s) => ({ id: s.id, name: s.name, status: s.status, cursor: s.cursor, revision: s.revision })),
    keys: keys.map((k) => ({ id: k.id, scopes: k.scopes, revokedAt: k.revokedAt, expiresAt: k.expiresAt })),
  };
}

export function describeIsolationMatrix(storeName: string, discovery: Discovery, openStore: () => Promise<OpenedStore>): void {
  describe(`tenant isolation matrix on ${storeName}`, () => {
    let opened: OpenedStore | undefined;
    let t: TestApp | undefined;
    let w: World;
    let before: unknown;
    const tally: Tally = { cells: 0, controls: 0, leakingCells: [], wrongCells: [] };

    beforeAll(async () => {
      opened = await openStore();
      // No delivery: the seeded webhook subscriptions point at a loopback port nothing listens on.
      t = await makeTestApp({ store: opened.store, config: { logLevel: 'warn', delivery: { enabled: false, webhookAllow: ['127.0.0.1'] } } });
      w = await seedWorld(t.app, t.store);
      before = await foreignSnapshot(w);
    }, 120_000);

    afterAll(async () => {
      const documented = discovery.operations.length;
      const heads = discovery.operations.filter((o) => o.head).length;
      console.log(
        `isolation matrix on ${storeName}: ${documented} operations (+${heads} HEAD twins) × ${CREDENTIALS.length} credentials → ` +
          `${tally.cells} cells and ${tally.controls} admin controls checked; leaks found: ${tally.leakingCells.length}; ` +
          `cells with a wrong answer: ${tally.wrongCells.length}` +
          (tally.leakingCells.length > 0 ? `\n  leaking: ${tally.leakingCells.join('\n  leaking: ')}` : ''),
      );
      await t?.app.close();
      await opened?.cleanup();
    });

    it('covers every operation of the OpenAPI document, each with a declared scope and request builders', async () => {
      const live = await discoverOperations(t!.app);
      expect(live.operations.map((o) => o.key), 'the document changed between collection and run').toEqual(discovery.operations.map((o) => o.key));
      expect(live.operations.filter((o) => o.scope === undefined).map((o) => o.key), 'operations without a declared scope').toEqual([]);
      expect(live.operations.filter((o) => ROUTES[o.key] === undefined).map((o) => o.key), 'operations without request builders in routeTable.ts').toEqual([]);
      expect(live.undocumented, 'routes missing from the OpenAPI document escape the matrix').toEqual([]);
      const documented = new Set(live.operations.map((o) => o.key));
      expect(Object.keys(ROUTES).filter((k) => !documented.has(k)), 'request builders for operations the document does not list').toEqual([]);
    });

    for (const op of discovery.operations) {
      describe(`${op.key} [${op.scope ?? 'NO DECLARED SCOPE'}]`, () => {
        const spec = ROUTES[op.key];
        if (spec === undefined || op.scope === undefined) {
          it('is in the matrix', () => {
            expect.fail(op.scope === undefined ? `${op.key} declares no scope` : `${op.key} has no request builders in test/isolation/routeTable.ts`);
          });
          return;
        }
        const coveredBy = spec.coveredBy;
        if (coveredBy !== undefined) {
          it(`is covered over real connections by ${coveredBy.file}`, () => {
            const text = readFileSync(path.join(REPO_ROOT, coveredBy.file), 'utf8');
            expect(coveredBy.covers.filter((c) => !text.includes(c)), `${coveredBy.file} no longer covers`).toEqual([]);
          });
          return;
        }
        const variants = withTenantHeaderVariants(spec, op.scope);
        for (const method of op.head ? [op.method, 'HEAD'] : [op.method]) {
          for (const credential of CREDENTIALS) {
            for (const variant of variants) {
              const name = `${method === op.method ? '' : 'HEAD · '}${credential.name} · ${variant.label}`;
              const bug = KNOWN_BUGS[`${op.key} · ${name}`];
              (bug === undefined ? it : it.fails)(name, async () => {
                tally.cells += 1;
                const { problems, leaks } = await runCell(w, op, method, spec, credential, variant);
                if (leaks.length > 0) tally.leakingCells.push(`${op.key} · ${name}: ${leaks.join(', ')}`);
                if (problems.length > 0) tally.wrongCells.push(`${op.key} · ${name}`);
                expect(problems).toEqual([]);
              });
            }
          }
        }
        for (const variant of variants.filter((v) => v.control === true)) {
          it(`control: ${ADMIN_ON_FOREIGN.name} · ${variant.label}`, async () => {
            tally.controls += 1;
            expect(await runControl(w, variant)).toEqual([]);
          });
        }
      });
    }

    it('left globex as it was: no event written, no key created, revoked or rotated, and its key still works', async () => {
      expect(await foreignSnapshot(w)).toEqual(before);
      const self = await w.app.inject({ method: 'GET', url: '/v1/keys/self', headers: { authorization: `Bearer ${w.globex.keys[1]!.secret}` } });
      expect(self.statusCode).toBe(200);
      expect(self.json()).toMatchObject({ tenant: FOREIGN, status: 'active' });
    });

    it("stored nothing of globex's in acme (so acme's own answers could not carry a canary legitimately)", async () => {
      const res = await w.app.inject({ method: 'GET', url: '/v1/export', headers: { ...ADMIN_ON_FOREIGN.headers, 'vellum-tenant': OWN } });
      expect(res.statusCode).toBe(200);
      expect(w.detector.leaks(res.payload, '')).toEqual([]);
    });

    // Last, because it stores globex's content in acme (as acme's own events, which is what it should be).
    it("treats globex's exact append requests replayed by acme, idempotency keys and all, as new acme requests", async () => {
      for (const r of w.globexRequests) {
        const req: Req = {
          method: 'POST',
          url: '/v1/events',
          headers: { authorization: `Bearer ${w.acmeKeys['events:write'].secret}`, ...(r.idempotencyKey === undefined ? {} : { 'idempotency-key': r.idempotencyKey }) },
          payload: { events: r.events },
        };
        const res = await inject(w.app, req);
        expect(res.statusCode, res.payload).toBe(201);
        const results = res.json().events as Array<{ id: string; duplicate?: boolean }>;
        expect(results.filter((e) => e.duplicate === true), 'answered as duplicates of globex events').toEqual([]);
        expect(w.detector.leaks(responseText(res), requestText(req))).toEqual([]);
        const stored = await w.store.getById(OWN, results[0]!.id);
        expect(stored?.tenant).toBe(OWN);
      }
    });
  });
}
