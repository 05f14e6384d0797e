/**
 * Change capture against the real PostgreSQL and a real `vellum serve` process: what the trigger captures, what
 * the worker records, fold-in in both arrival orders, masking, and resending after a crash between POST and DELETE.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { CaptureWorker } from '../../src/capture/CaptureWorker.ts';
import { installCapture } from '../../src/capture/installCapture.ts';
import type { CaptureWorkerOptions } from '../../src/capture/CaptureWorker.ts';
import { withAuditContext } from '../../../sdk/src/withAuditContext.ts';
import { runCli } from '../../src/cli/runCli.ts';
import { captureIO } from '../support/captureIO.ts';
import { service } from '../support/services.ts';
import { spawnServer, type RunningServer } from '../support/spawnServer.ts';
import { captureFixture, eventually, recordEvent, storedEvents } from './captureFixture.ts';
import type { CaptureFixture } from './captureFixture.ts';

const pgUrl = await service('postgres');

// Entity ids unique to each test: every test shares the server's one tenant.
let nextId = Math.floor(Math.random() * 1e9) * 1000;
const freshId = (): string => String(++nextId);

describe.skipIf(!pgUrl)('change capture (real PostgreSQL, real server)', () => {
  const key = generateApiKey();
  let server: RunningServer;
  let fx: CaptureFixture;
  let worker: CaptureWorker | undefined;
  let logs: string[];

  beforeAll(async () => {
    server = await spawnServer({ store: 'memory:', key });
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await fx?.drop();
  });

  const startWorker = (options: Partial<CaptureWorkerOptions> = {}): CaptureWorker => {
    logs = [];
    worker = new CaptureWorker({ databaseUrl: pgUrl!, url: server.url, key, schema: fx.schema, graceMs: 300, pollMs: 50, log: (l) => logs.push(l), ...options });
    worker.start();
    return worker;
  };
  const insertRow = async (id: string, values: { status?: string; traffic_limit?: number; api_key?: string } = {}) => {
    await fx.db.query(`INSERT INTO ${fx.table} (id, status, traffic_limit, api_key) VALUES ($1, $2, $3, $4)`, [
      id, values.status ?? 'active', values.traffic_limit ?? 100, values.api_key ?? null,
    ]);
  };
  const drained = () => eventually(async () => expect(await fx.pending()).toBe(0));
  const entityEvents = (id: string) => storedEvents(server.url, key, { entityType: 'ResellerConfig', entityId: id });

  it('records an update made under withAuditContext with its changes, actor, source and correlation id', async () => {
    fx = await captureFixture(pgUrl!);
    const id = freshId();
    await insertRow(id);
    const ctx = { actor: { type: 'user', id: '5', name: 'Ana' }, source: 'ui', correlationId: 'c-42', context: { ip: '192.0.2.1', route: 'admin.resellers.update' } };
    await withAuditContext(fx.db, ctx, (tx) => tx.query(`UPDATE ${fx.table} SET status = 'disabled', traffic_limit = 50 WHERE id = $1`, [id]));
    startWorker();
    await drained();

    const [event, ...more] = await entityEvents(id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      type: 'resellerconfig.updated',
      action: 'update',
      actor: { type: 'user', id: '5', name: 'Ana' },
      source: 'ui',
      correlationId: 'c-42',
      context: { ip: '192.0.2.1', route: 'admin.resellers.update' },
      entity: { type: 'ResellerConfig', id },
      stream: `ResellerConfig:${id}`,
    });
    expect(event!.changes).toEqual(
      expect.arrayContaining([{ field: 'status', old: 'active', new: 'disabled' }, { field: 'traffic_limit', old: 100, new: 50 }]),
    );
    expect(event!.changes).toHaveLength(2);
    expect(event!.idempotencyKey).toMatch(/^capture:[0-9a-f]{32}:\d+$/);
    expect(worker!.stats).toMatchObject({ recorded: 1, foldedChanges: 0, failedRows: 0 });
  });

  it('records an update made without any context as the system, with source system', async () => {
    fx = await captureFixture(pgUrl!);
    const id = freshId();
    await insertRow(id);
    await fx.db.query(`UPDATE ${fx.table} SET status = 'suspended' WHERE id = $1`, [id]);
    startWorker();
    await drained();
    const events = await entityEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: { type: 'system', id: 'system' }, source: 'system', changes: [{ field: 'status', old: 'active', new: 'suspended' }] });
  });

  it('records nothing for updates that leave every captured column as it was', async () => {
    fx = await captureFixture(pgUrl!);
    const id = freshId();
    await insertRow(id);
    await fx.db.query(`UPDATE ${fx.table} SET note = 'not captured' WHERE id = $1`, [id]);
    await fx.db.query(`UPDATE ${fx.table} SET status = 'active', traffic_limit = 100 WHERE id = $1`, [id]);
    expect(await fx.pending()).toBe(0);
    // And a real change after them is captured alone, so the worker did run.
    await fx.db.query(`UPDATE ${fx.table} SET traffic_limit = 101 WHERE id = $1`, [id]);
    expect(await fx.pending()).toBe(1);
    startWorker();
    await drained();
    const events = await entityEvents(id);
    expect(events.map((e) => e.changes)).toEqual([[{ field: 'traffic_limit', old: 100, new: 101 }]]);
  });

  it('keeps a malformed context from failing the write, and records the change as the system with the problem named', async () => {
    fx = await captureFixture(pgUrl!);
    const id = freshId();
    await insertRow(id);
    await fx.db.query('BEGIN');
    await fx.db.query("SELECT set_config('vellum.context', '{not json', true)");
    await fx.db.query(`UPDATE ${fx.table} SET status = 'x' WHERE id = $1`, [id]);
    await fx.db.query('COMMIT');
    startWorker();
    await drained();
    const [event] = await entityEvents(id);
    expect(event).toMatchObject({ actor: { type: 'system', id: 'system' }, data: { capture: { contextProblem: 'vellum.context is not JSON' } } });
  });

  describe('fold-in', () => {
    const explicit = (id: string, changes: { field: string; old: unknown; new: unknown }[]) =>
      recordEvent(server.url, key, {
        type: 'reseller.auto_disabled',
        actor: { type: 'service', id: 'reseller-job' },
        entity: { type: 'ResellerConfig', id },
        changes,
      });

    it('folds the captured change into an explicit event recorded before the update commits', async () => {
      fx = await captureFixture(pgUrl!);
      const id = freshId();
      await insertRow(id);
      startWorker({ graceMs: 1500 });
      await fx.db.query('BEGIN');
      await fx.db.query(`UPDATE ${fx.table} SET status = 'disabled' WHERE id = $1`, [id]);
      await explicit(id, [{ field: 'status', old: 'active', new: 'disabled' }]);
      await fx.db.query('COMMIT');
      await drained();
      const events = await entityEvents(id);
      expect(events.map((e) => e.type)).toEqual(['reseller.auto_disabled']);
      expect(worker!.stats).toMatchObject({ recorded: 0, foldedChanges: 1, foldedRows: 1 });
      expect(logs.join('\n')).toMatch(/folded 1 change\(s\) \(1 row\(s\) entirely\)/);
    });

    it('folds the captured change into an explicit event recorded after the update, within the grace', async () => {
      fx = await captureFixture(pgUrl!);
      const id = freshId();
      await insertRow(id);
      startWorker({ graceMs: 1500 });
      await fx.db.query(`UPDATE ${fx.table} SET status = 'disabled' WHERE id = $1`, [id]);
      await new Promise((r) => setTimeout(r, 400));
      expect(await fx.pending()).toBe(1); // still held: nothing decided before the grace ends
      await explicit(id, [{ field: 'status', old: 'active', new: 'disabled' }]);
      await drained();
      const events = await entityEvents(id);
      expect(events.map((e) => e.type)).toEqual(['reseller.auto_disabled']);
      expect(worker!.stats).toMatchObject({ recorded: 0, foldedRows: 1 });
    });

    it('records the change when the explicit event says another transition, or comes after the window', async () => {
      fx = await captureFixture(pgUrl!);
      const [a, b] = [freshId(), freshId()];
      await insertRow(a);
      await insertRow(b);
      startWorker({ graceMs: 500 });
      await fx.db.query(`UPDATE ${fx.table} SET status = 'disabled' WHERE id = $1`, [a]);
      await explicit(a, [{ field: 'status', old: 'active', new: 'suspended' }]); // not the same from → to
      await fx.db.query(`UPDATE ${fx.table} SET status = 'disabled' WHERE id = $1`, [b]);
      await drained();
      await explicit(b, [{ field: 'status', old: 'active', new: 'disabled' }]); // too late: already captured
      expect((await entityEvents(a)).map((e) => e.type)).toEqual(['reseller.auto_disabled', 'resellerconfig.updated']);
      expect((await entityEvents(b)).map((e) => e.type)).toEqual(['resellerconfig.updated', 'reseller.auto_disabled']);
      expect(worker!.stats).toMatchObject({ recorded: 2, foldedChanges: 0 });
    });

    it('folds only the fields the explicit event records and captures the rest, naming the folded event', async () => {
      fx = await captureFixture(pgUrl!);
      const id = freshId();
      await insertRow(id);
      startWorker({ graceMs: 1000 });
      await fx.db.query(`UPDATE ${fx.table} SET status = 'disabled', traffic_limit = 0 WHERE id = $1`, [id]);
      await explicit(id, [{ field: 'status', old: 'active', new: 'disabled' }]);
      await drained();
      const [job, captured] = await entityEvents(id);
      expect(captured).toMatchObject({ type: 'resellerconfig.updated', changes: [{ field: 'traffic_limit', old: 100, new: 0 }] });
      expect(captured!.data).toMatchObject({ capture: { folded: [{ field: 'status', eventId: job!.id }] } });
    });

    it('lets one explicit change absorb one captured change: a repeated transition is captured the second time', async () => {
      fx = await captureFixture(pgUrl!);
      const id = freshId();
      await insertRow(id);
      startWorker({ graceMs: 1000 });
      await fx.db.query(`UPDATE ${fx.table} SET status = 'disabled' WHERE id = $1`, [id]);
      await fx.db.query(`UPDATE ${fx.table} SET status = 'active' WHERE id = $1`, [id]);
      await fx.db.query(`UPDATE ${fx.table} SET status = 'disabled' WHERE id = $1`, [id]);
      await explicit(id, [{ field: 'status', old: 'active', new: 'disabled' }]);
      await drained();
      const types = (await entityEvents(id)).map((e) => e.type);
      expect(types.filter((t) => t === 'resellerconfig.updated')).toHaveLength(2); // active→disabled once more, and disabled→active
      expect(worker!.stats).toMatchObject({ recorded: 2, foldedChanges: 1 });
    });
  });

  it('never lets a captured api_key leave the worker in clear, and still folds it into an explicit event', async () => {
    fx = await captureFixture(pgUrl!);
    const [a, b] = [freshId(), freshId()];
    await insertRow(a, { api_key: 'sk_live_first_secret_1234' });
    await insertRow(b, { api_key: 'sk_live_other_secret_5678' });
    // A recording proxy in front of the server: everything the worker sends goes through it.
    const bodies: string[] = [];
    const proxy = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(`${req.url ?? ''} ${body}`);
        const headers: Record<string, string> = {};
        for (const h of ['authorization', 'content-type', 'accept']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
        void fetch(`${server.url}${req.url ?? ''}`, { method: req.method!, headers, ...(body === '' ? {} : { body }) }).then(
          async (r) => {
            res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
            res.end(await r.text());
          },
        );
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      await fx.db.query(`UPDATE ${fx.table} SET api_key = 'sk_live_second_secret_9999' WHERE id = $1`, [a]);
      await fx.db.query(`UPDATE ${fx.table} SET api_key = 'sk_live_rotated_secret_4321' WHERE id = $1`, [b]);
      await recordEvent(server.url, key, {
        type: 'reseller.key_rotated',
        actor: { type: 'user', id: '7' },
        entity: { type: 'ResellerConfig', id: b },
        changes: [{ field: 'api_key', old: 'sk_live_other_secret_5678', new: 'sk_live_rotated_secret_4321' }],
      });
      startWorker({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, graceMs: 800 });
      await drained();
    } finally {
      await new Promise((r) => proxy.close(r));
    }
    const [event] = await entityEvents(a);
    expect(event!.changes).toEqual([{ field: 'api_key', old: '••••••••1234', new: '••••••••9999' }]);
    expect(event!.masked).toEqual(expect.arrayContaining(['/changes/0/old', '/changes/0/new']));
    expect((await entityEvents(b)).map((e) => e.type)).toEqual(['reseller.key_rotated']);
    expect(bodies.some((b) => b.startsWith('/v1/events '))).toBe(true);
    expect(bodies.join('\n')).not.toMatch(/sk_live/);
    expect(logs.join('\n')).not.toMatch(/sk_live/);
    expect(JSON.stringify(await storedEvents(server.url, key))).not.toMatch(/sk_live/);
  });

  it('resends rows whose DELETE was lost after the 201 without storing them twice', async () => {
    fx = await captureFixture(pgUrl!);
    const id = freshId();
    await insertRow(id);
    for (const limit of [1, 2, 3]) await fx.db.query(`UPDATE ${fx.table} SET traffic_limit = $2 WHERE id = $1`, [id, limit]);
    // The crash window: keep a copy of the rows, let the worker record and delete them, then put them back as if
    // the process had died between Vellum's 201 and the DELETE.
    const { rows: copy } = await fx.db.query(`SELECT * FROM ${fx.schema}.outbox`);
    expect(copy).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 350));
    const first = startWorker();
    await drained();
    await first.stop();
    expect(first.stats).toMatchObject({ recorded: 3, duplicates: 0 });
    for (const r of copy) {
      await fx.db.query(
        `INSERT INTO ${fx.schema}.outbox (id, table_name, entity_type, entity_id, op, old_values, new_values, context, txid, captured_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [r.id, r.table_name, r.entity_type, r.entity_id, r.op, r.old_values, r.new_values, r.context, r.txid, r.captured_at],
      );
    }
    const second = startWorker();
    await drained();
    expect(second.stats).toMatchObject({ recorded: 0, duplicates: 3 });
    const events = await entityEvents(id);
    expect(events.map((e) => e.changes![0]!.new)).toEqual([1, 2, 3]);
  });

  it('keeps a row Vellum refuses in the outbox with its error, and records the others', async () => {
    fx = await captureFixture(pgUrl!);
    const [a, b] = [freshId(), freshId()];
    await insertRow(a);
    await insertRow(b);
    // An actor id past Vellum's limits: the context parses, the server refuses the event.
    await withAuditContext(fx.db, { actor: { type: 'user', id: 'x'.repeat(5000) } }, (tx) =>
      tx.query(`UPDATE ${fx.table} SET status = 'bad' WHERE id = $1`, [a]),
    );
    await fx.db.query(`UPDATE ${fx.table} SET status = 'good' WHERE id = $1`, [b]);
    startWorker();
    await eventually(async () => expect(worker!.stats.recorded + worker!.stats.failedRows).toBe(2));
    const { rows } = await fx.db.query<{ entity_id: string; error: string | null }>(`SELECT entity_id, error FROM ${fx.schema}.outbox`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.entity_id).toBe(a);
    expect(rows[0]!.error).toMatch(/actor\/id/);
    expect(await entityEvents(b)).toHaveLength(1);
    expect(await entityEvents(a)).toHaveLength(0);
  });

  it('keeps a row whose id column was null in the outbox with its error instead of inventing an entity', async () => {
    fx = await captureFixture(pgUrl!);
    await installCapture(fx.db, { ...fx.target, idColumn: 'note' });
    const id = freshId();
    await insertRow(id);
    await fx.db.query(`UPDATE ${fx.table} SET status = 'b' WHERE id = $1`, [id]);
    startWorker();
    await eventually(async () => expect(worker!.stats.failedRows).toBe(1));
    const { rows } = await fx.db.query<{ error: string }>(`SELECT error FROM ${fx.schema}.outbox`);
    expect(rows).toEqual([{ error: 'the id column was null: no entity to record the change for' }]);
    expect(worker!.stats.recorded).toBe(0);
  });

  it('refuses to start with a key that cannot both record and search, or that the server does not know', async () => {
    fx = await captureFixture(pgUrl!);
    const res = await fetch(`${server.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'write only', scopes: ['events:write'] }),
    });
    const { secret } = (await res.json()) as { secret: string };
    const run = async (k: string) => {
      const io = captureIO({ VELLUM_KEY: k });
      const code = await runCli(['capture', 'run', '--database-url', pgUrl!, '--schema', fx.schema, '--url', server.url], io);
      return { code, err: io.err() };
    };
    const writeOnly = await run(secret);
    expect(writeOnly.code).toBe(1);
    expect(writeOnly.err).toContain('the key lacks events:read');
    expect(writeOnly.err).not.toContain(secret);
    const unknown = await run(generateApiKey());
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('UNAUTHENTICATED');
  });
});
