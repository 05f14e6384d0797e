/**
 * Drains the capture outbox of an application's PostgreSQL into Vellum events through the HTTP API.
 *
 * At-least-once with idempotency: a row is deleted only after Vellum acknowledged its event (201), and each row's
 * event carries `capture:<database identity>:<outbox id>` as its idempotency key, so a crash between the POST and
 * the DELETE resends a duplicate that Vellum answers with the original result instead of storing it twice.
 * Fold-in: a row is held until captured_at + grace (database clock); then the changes an explicit event already
 * records (same entity, field, old → new, occurredAt within ± grace of captured_at) are dropped, not stored again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Change, EventInput, Masker, StoredEvent } from '@vellum/core';
import { compileMasking } from '@vellum/core';
import { CAPTURE_DEFAULTS, quoteIdent } from './captureSql.ts';
import { buildCapturedEvent, changesOf, SYSTEM_ACTOR } from './capturedEvent.ts';
import type { OutboxRow } from './capturedEvent.ts';
import { foldChanges } from './foldIn.ts';
import type { ConsumedChanges } from './foldIn.ts';

export const CAPTURE_WORKER_DEFAULTS = {
  graceMs: 2000,
  batchSize: 100,
  pollMs: 500,
  /** Backoff while Vellum or the database is unreachable: doubling from the first delay to the cap, with jitter. */
  firstBackoffMs: 250,
  maxBackoffMs: 30_000,
  /** Explicit changes remembered as used, so one explicit event absorbs one captured change per field. */
  maxConsumed: 10_000,
  /** Candidate events fetched per entity and batch (one page of the search API). */
  candidateLimit: 1000,
} as const;

export interface CaptureWorkerOptions {
  /** The application's PostgreSQL, where `vellum capture install` put the outbox. */
  databaseUrl: string;
  /** Vellum's base URL and an API key with events:write and events:read. */
  url: string;
  key: string;
  /** For admin keys: the tenant to record into (Vellum-Tenant header). */
  tenant?: string;
  schema?: string;
  graceMs?: number;
  batchSize?: number;
  pollMs?: number;
  maxBackoffMs?: number;
  /** Progress and trouble, one line each. Never given the key or a captured value. */
  log?: (line: string) => void;
  /** Client-side masking before anything leaves the process (the server masks again). Default: the built-in keys. */
  masker?: Masker;
}

export interface CaptureStats {
  /** Events stored by Vellum (duplicates of earlier attempts not counted). */
  recorded: number;
  /** Retries Vellum recognised by idempotency key (a crash or lost answer between POST and DELETE). */
  duplicates: number;
  /** Captured changes dropped because an explicit event records them. */
  foldedChanges: number;
  /** Rows whose every change was folded: nothing was stored for them. */
  foldedRows: number;
  /** Rows Vellum refused as invalid; kept in the outbox with `error` set. */
  failedRows: number;
  lastError: string | null;
}

/** Vellum answered something worth retrying later (down, overloaded, auth being fixed). */
class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

interface PostOutcome {
  status: number;
  body: { events?: { duplicate?: boolean }[]; error?: { code?: string; message?: string; details?: { path: string; message: string }[] } };
  retryAfterMs?: number;
}

export class CaptureWorker {
  readonly stats: CaptureStats = { recorded: 0, duplicates: 0, foldedChanges: 0, foldedRows: 0, failedRows: 0, lastError: null };
  readonly #o: Required<Omit<CaptureWorkerOptions, 'tenant' | 'masker'>> & { tenant: string | undefined; masker: Masker };
  readonly #base: URL;
  #consumed: ConsumedChanges = new Set();
  /** Search results for the batch in hand, by entity. */
  readonly #batchCandidates = new Map<string, StoredEvent[]>();
  #db: pg.Client | null = null;
  #identity = '';
  #stop = new AbortController();
  #running: Promise<void> | null = null;

  constructor(options: CaptureWorkerOptions) {
    this.#o = {
      databaseUrl: options.databaseUrl,
      url: options.url,
      key: options.key,
      tenant: options.tenant,
      schema: options.schema ?? CAPTURE_DEFAULTS.schema,
      graceMs: options.graceMs ?? CAPTURE_WORKER_DEFAULTS.graceMs,
      batchSize: options.batchSize ?? CAPTURE_WORKER_DEFAULTS.batchSize,
      pollMs: options.pollMs ?? CAPTURE_WORKER_DEFAULTS.pollMs,
      maxBackoffMs: options.maxBackoffMs ?? CAPTURE_WORKER_DEFAULTS.maxBackoffMs,
      log: options.log ?? (() => {}),
      masker: options.masker ?? compileMasking({}),
    };
    this.#base = new URL(options.url);
  }

  /** Runs in the background until stop(). */
  start(): void {
    this.#running ??= this.#loop();
  }

  /** Finishes the batch in hand (its rows are deleted only if Vellum acknowledged them), then disconnects. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    await this.#disconnect();
  }

  /** Runs until the signal aborts (the CLI's Ctrl-C). */
  async run(signal?: AbortSignal): Promise<void> {
    signal?.addEventListener('abort', () => this.#stop.abort(), { once: true });
    if (signal?.aborted === true) this.#stop.abort();
    this.start();
    await this.#running;
    await this.#disconnect();
  }

  get #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.#stop.signal });
    } catch {
      // stopped: return at once
    }
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        if (!(await this.#connect())) {
          await this.#pause(this.#o.pollMs);
          continue;
        }
        const handled = await this.#drainOnce();
        if (failures > 0) this.#o.log(`capture: resumed after ${failures} failed attempt(s)`);
        failures = 0;
        if (handled < this.#o.batchSize) await this.#pause(this.#o.pollMs);
      } catch (err) {
        failures += 1;
        const message = describe(err);
        this.stats.lastError = message;
        if (!(err instanceof TransientError)) await this.#disconnect(); // a database error: start from a fresh connection
        const exp = Math.min(this.#o.maxBackoffMs, CAPTURE_WORKER_DEFAULTS.firstBackoffMs * 2 ** Math.min(failures - 1, 20));
        const delay = Math.max(err instanceof TransientError ? (err.retryAfterMs ?? 0) : 0, Math.round(exp * (0.5 + Math.random() / 2)));
        this.#o.log(`capture: ${message}; retrying in ${delay} ms (attempt ${failures})`);
        await this.#pause(delay);
      }
    }
  }

  /** Connects and takes the per-outbox lock; false while another worker holds it (one drains, the others wait). */
  async #connect(): Promise<boolean> {
    if (this.#db !== null) return true;
    const db = new pg.Client({ connectionString: this.#o.databaseUrl, application_name: 'vellum-capture' });
    db.on('error', () => {
      // A dropped connection surfaces as a failed query too; the loop reconnects then. Without this listener
      // node-postgres would crash the process.
    });
    await db.connect();
    try {
      const s = quoteIdent(this.#o.schema);
      const lock = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`${this.#o.schema}.outbox`]);
      if (lock.rows[0]?.ok !== true) {
        await db.end();
        if (this.stats.lastError !== 'locked') this.#o.log(`capture: another worker drains ${this.#o.schema}.outbox; waiting`);
        this.stats.lastError = 'locked';
        return false;
      }
      const meta = await db.query<{ identity: string }>(`SELECT identity FROM ${s}.meta`);
      this.#identity = meta.rows[0]!.identity;
    } catch (err) {
      await db.end().catch(() => {});
      throw err;
    }
    this.#db = db;
    this.#o.log(`capture: draining ${this.#o.schema}.outbox into ${this.#base.origin} (grace ${this.#o.graceMs} ms)`);
    return true;
  }

  async #disconnect(): Promise<void> {
    const db = this.#db;
    this.#db = null;
    await db?.end().catch(() => {});
  }

  /** One batch: the rows past their grace, oldest first. Resolves with how many rows it settled. */
  async #drainOnce(): Promise<number> {
    const db = this.#db;
    if (db === null) throw new Error('not connected');
    const s = quoteIdent(this.#o.schema);
    const { rows } = await db.query<OutboxRow>(
      `SELECT id::text, table_name, entity_type, entity_id, op, old_values, new_values, context, txid::text, captured_at
         FROM ${s}.outbox
        WHERE error IS NULL AND captured_at <= clock_timestamp() - make_interval(secs => $1::double precision / 1000)
        ORDER BY outbox.id LIMIT $2`,
      [this.#o.graceMs, this.#o.batchSize],
    );
    if (rows.length === 0) return 0;

    const toSend: { row: OutboxRow; event: EventInput }[] = [];
    const settled: string[] = [];
    let foldedChanges = 0;
    let foldedRows = 0;
    // Fold decisions count as made only once the batch settles: a retried batch must see the same explicit changes free.
    const consumed = new Set(this.#consumed);
    this.#batchCandidates.clear();
    const failed: { id: string; error: string }[] = [];
    for (const row of rows) {
      if (row.entity_id === null) {
        failed.push({ id: row.id, error: 'the id column was null: no entity to record the change for' });
        continue;
      }
      const captured = this.#mask(changesOf(row));
      const at = row.captured_at.getTime();
      const candidates = (await this.#candidates(row, rows)).filter((e) => Math.abs(Date.parse(e.occurredAt) - at) <= this.#o.graceMs);
      const { remaining, folded } = foldChanges({ type: row.entity_type, id: row.entity_id }, captured, candidates, consumed);
      foldedChanges += folded.length;
      if (remaining.length === 0) {
        foldedRows += 1;
        settled.push(row.id);
        continue;
      }
      const event = buildCapturedEvent(row, this.#identity, remaining, folded);
      toSend.push({ row, event: this.#o.masker.maskEvent(this.#o.tenant ?? 'default', event).event });
    }
    const before = { ...this.stats };
    await this.#send(toSend, settled, failed);
    if (failed.length > 0) {
      await db.query(`UPDATE ${s}.outbox SET error = f.error FROM jsonb_to_recordset($1::jsonb) AS f(id bigint, error text) WHERE outbox.id = f.id`, [
        JSON.stringify(failed),
      ]);
    }
    if (settled.length > 0) await db.query(`DELETE FROM ${s}.outbox WHERE id = ANY($1::bigint[])`, [settled]);
    this.#consumed = consumed;
    this.#trimConsumed();
    this.stats.foldedChanges += foldedChanges;
    this.stats.foldedRows += foldedRows;
    this.stats.failedRows += failed.length;
    this.#o.log(
      `capture: ${rows.length} row(s): recorded ${this.stats.recorded - before.recorded}, duplicates ${this.stats.duplicates - before.duplicates}, ` +
        `folded ${foldedChanges} change(s) (${foldedRows} row(s) entirely), refused ${failed.length}`,
    );
    return rows.length;
  }

  #mask(changes: Change[]): Change[] {
    // Mask as the server would, so a masked value is compared in the form the explicit event was stored in.
    return this.#o.masker.maskEvent(this.#o.tenant ?? 'default', { type: 'capture.check', actor: SYSTEM_ACTOR, changes }).event.changes ?? [];
  }

  /**
   * The same entity's events with occurredAt within ± grace of any of the batch's rows for that entity: one search
   * per entity and batch (a burst of updates to one row costs one request), narrowed per row by the caller.
   */
  async #candidates(row: OutboxRow, batch: readonly OutboxRow[]): Promise<StoredEvent[]> {
    const entityKey = `${row.entity_type}\u0000${row.entity_id}`;
    const cached = this.#batchCandidates.get(entityKey);
    if (cached !== undefined) return cached;
    const times = batch.filter((r) => r.entity_type === row.entity_type && r.entity_id === row.entity_id).map((r) => r.captured_at.getTime());
    const params = new URLSearchParams({
      entityType: row.entity_type,
      entityId: row.entity_id ?? '',
      from: new Date(Math.min(...times) - this.#o.graceMs).toISOString(),
      to: new Date(Math.max(...times) + this.#o.graceMs + 1).toISOString(), // `to` is exclusive
      order: 'asc',
      limit: String(CAPTURE_WORKER_DEFAULTS.candidateLimit),
    });
    const res = await this.#fetch(`/v1/events?${params.toString()}`, { method: 'GET' });
    if (res.status !== 200) throw new TransientError(`search answered ${res.status} ${res.body.error?.code ?? ''}`.trim(), res.retryAfterMs);
    const events = (res.body as { events?: StoredEvent[] }).events ?? [];
    this.#batchCandidates.set(entityKey, events);
    return events;
  }

  /** Posts the batch; on a refusal isolates the culprits one by one. Settled rows are appended to `settled`. */
  async #send(items: { row: OutboxRow; event: EventInput }[], settled: string[], failed: { id: string; error: string }[]): Promise<void> {
    if (items.length === 0) return;
    const res = await this.#post(items.map((i) => i.event));
    if (res.status === 201) {
      this.#count(res);
      settled.push(...items.map((i) => i.row.id));
      return;
    }
    if (!isRefusal(res.status)) throw new TransientError(`POST /v1/events answered ${res.status} ${res.body.error?.code ?? ''}`.trim(), res.retryAfterMs);
    if (items.length > 1) {
      // A batch is all-or-nothing: find which rows Vellum refuses, and send the others.
      for (const item of items) await this.#send([item], settled, failed);
      return;
    }
    const item = items[0]!;
    if (res.status === 409 && res.body.error?.code === 'IDEMPOTENCY_KEY_REUSED') {
      // The key was recorded before with another body: an earlier attempt was stored, and then a late explicit
      // event changed the fold-in decision. The row is in Vellum once already; never twice.
      this.stats.duplicates += 1;
      settled.push(item.row.id);
      this.#o.log(`capture: outbox row ${item.row.id} was recorded by an earlier attempt (idempotency key reused with a different fold-in)`);
      return;
    }
    const error = [res.body.error?.message ?? `HTTP ${res.status}`, ...(res.body.error?.details ?? []).map((d) => `${d.path}: ${d.message}`)].join('; ');
    failed.push({ id: item.row.id, error: error.slice(0, 2000) });
    this.#o.log(`capture: Vellum refused outbox row ${item.row.id} (${res.status}); kept with its error for inspection`);
  }

  #count(res: PostOutcome): void {
    for (const e of res.body.events ?? []) {
      if (e.duplicate === true) this.stats.duplicates += 1;
      else this.stats.recorded += 1;
    }
  }

  #post(events: EventInput[]): Promise<PostOutcome> {
    return this.#fetch('/v1/events', { method: 'POST', body: JSON.stringify({ events }) });
  }

  async #fetch(path: string, init: { method: 'GET' | 'POST'; body?: string }): Promise<PostOutcome> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#o.key}`, accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#o.tenant !== undefined) headers['vellum-tenant'] = this.#o.tenant;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.#base), { ...init, headers, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new TransientError(`cannot reach ${this.#base.origin}: ${cause?.code ?? (err as Error).message}`);
    }
    const text = await res.text();
    let body: PostOutcome['body'] = {};
    try {
      body = JSON.parse(text) as PostOutcome['body'];
    } catch {
      // not JSON (a proxy's error page): the status decides
    }
    const retryAfter = Number(res.headers.get('retry-after'));
    return { status: res.status, body, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}) };
  }

  #trimConsumed(): void {
    // Oldest first (insertion order): an explicit event old enough to fall out is long past any row's window.
    for (const k of this.#consumed) {
      if (this.#consumed.size <= CAPTURE_WORKER_DEFAULTS.maxConsumed) break;
      this.#consumed.delete(k);
    }
  }
}

/** Statuses that mean "this content will never be accepted": everything else is retried. */
const isRefusal = (status: number): boolean => status === 400 || status === 409 || status === 413 || status === 422;

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
