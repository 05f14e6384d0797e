import { hasPersonalFields, hasSealedFields, newSubjectKey, openPersonalFields, sealPersonalFields, subjectOf } from '@vellum/core';
import type { AppendBatch, PersonalDataStore, PreparedEvent, StoredEvent, UnsealedEvent } from '@vellum/core';

export interface PersonalDataOptions {
  /** Seal new events' fields (reads open sealed values either way). */
  enabled: boolean;
  fields: readonly string[];
  /**
   * How long a subject key is kept in memory. Forgetting takes effect on the forgetting node at once and on every
   * other node within this time (like key revocation, auth/authenticate.ts): well under a second.
   */
  cacheTtlMs?: number;
  now?: () => number;
}

/** What a key read tells: the key, null when forgotten, undefined when the subject never had one. */
type KeyState = Uint8Array | null | undefined;

/**
 * Crypto-shredding at the server's edges: ingest seals the configured fields of each event with its subject's key
 * (after masking, before the event is hashed — so the hash covers the ciphertext); reads open them again, or show
 * `[erased]` once the subject is forgotten. Keys are read in one batch per request and cached briefly.
 *
 * A forgotten subject's later events are accepted and stored with `[erased]` in place of their personal values:
 * an audit trail must not drop events, and the erasure request covers the person's data from then on too (a new
 * key would make the person's data recoverable again). The forget itself is recorded, so the gap is explained.
 */
export class PersonalDataService {
  readonly enabled: boolean;
  readonly fields: readonly string[];
  readonly #store: PersonalDataStore;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { key: Uint8Array | null; until: number }>();
  /** Store lookups gathering subjects until the end of this event-loop turn (#round). */
  readonly #rounds = new Map<string, { wanted: Set<string>; result: Promise<Map<string, KeyState>> }>();
  /** Each sealed prepared event's form before sealing, while the batch lives (see readerForm). */
  readonly #beforeSealing = new WeakMap<PreparedEvent, UnsealedEvent>();

  constructor(store: PersonalDataStore, options: PersonalDataOptions) {
    this.#store = store;
    this.enabled = options.enabled;
    this.fields = [...options.fields];
    this.#ttlMs = options.cacheTtlMs ?? 500;
    this.#now = options.now ?? Date.now;
  }

  /** Seals the batch's events in place (each prepared event is replaced by its sealed copy). */
  async sealBatch(batch: AppendBatch): Promise<void> {
    if (!this.enabled || this.fields.length === 0) return;
    const subjects = new Set<string>();
    for (const prepared of batch.events) if (hasPersonalFields(prepared.event, this.fields)) subjects.add(subjectOf(prepared.event));
    if (subjects.size === 0) return;
    const keys = await this.#keys(batch.tenant, [...subjects], true);
    for (const prepared of batch.events) {
      const subject = subjectOf(prepared.event);
      if (!subjects.has(subject)) continue;
      const key = keys.get(subject) ?? null;
      // Only a sealed value reads back as it was: a forgotten subject's new values are stored as `[erased]`.
      if (key !== null) this.#beforeSealing.set(prepared, prepared.event);
      prepared.event = sealPersonalFields(prepared.event, this.fields, key, batch.tenant);
    }
  }

  /**
   * A just-committed event as `open` would read it back, without decrypting: its form before sealing when it was
   * sealed with a key, else the stored form. Lets this node's live streams skip re-reading what it just wrote.
   */
  readerForm(prepared: PreparedEvent): UnsealedEvent {
    return this.#beforeSealing.get(prepared) ?? prepared.event;
  }

  /** The events as a reader sees them: sealed values decrypted, or `[erased]`. Events of any tenants. */
  async open<E extends StoredEvent>(events: readonly E[]): Promise<E[]> {
    if (this.fields.length === 0) return [...events];
    const wanted = new Map<string, Set<string>>();
    for (const event of events) {
      if (!hasSealedFields(event, this.fields)) continue;
      let subjects = wanted.get(event.tenant);
      if (subjects === undefined) wanted.set(event.tenant, (subjects = new Set()));
      subjects.add(subjectOf(event));
    }
    if (wanted.size === 0) return [...events];
    const keys = new Map<string, Map<string, KeyState>>();
    for (const [tenant, subjects] of wanted) keys.set(tenant, await this.#keys(tenant, [...subjects], false));
    return events.map((event) => {
      const tenantKeys = keys.get(event.tenant);
      if (tenantKeys === undefined) return event;
      return openPersonalFields(event, this.fields, tenantKeys.get(subjectOf(event)) ?? null);
    });
  }

  async openOne<E extends StoredEvent>(event: E): Promise<E> {
    return (await this.open([event]))[0] as E;
  }

  /**
   * Destroys the subject's key; effective on this node at once. Null when this tenant holds no personal data of the
   * subject (it never had a key): nothing to erase, and the route answers 404 as for any unknown id — so naming another
   * tenant's subject tells nothing and stores nothing.
   */
  async forget(tenant: string, subject: string, at: string): Promise<{ forgotten: boolean; forgottenAt: string } | null> {
    if (!(await this.#store.subjectKeys(tenant, [subject])).has(subject)) return null;
    const result = await this.#store.forgetSubject(tenant, subject, at);
    this.#cache.set(cacheId(tenant, subject), { key: null, until: Number.POSITIVE_INFINITY });
    return result;
  }

  /** Keys of `subjects` (cache, then the store); with `create`, subjects without a key get one. */
  async #keys(tenant: string, subjects: readonly string[], create: boolean): Promise<Map<string, KeyState>> {
    const now = this.#now();
    const keys = new Map<string, KeyState>();
    const missing: string[] = [];
    for (const subject of subjects) {
      const cached = this.#cache.get(cacheId(tenant, subject));
      if (cached !== undefined && cached.until > now) keys.set(subject, cached.key);
      else missing.push(subject);
    }
    if (missing.length === 0) return keys;
    const stored = await this.#round(tenant, create, missing);
    for (const subject of missing) keys.set(subject, stored.get(subject));
    return keys;
  }

  /**
   * The store lookups of every request of this event-loop turn, in one read (and one creation, one commit) per tenant:
   * under many small concurrent requests, a read and a commit each per request were a sizeable share of ingestion.
   */
  #round(tenant: string, create: boolean, subjects: readonly string[]): Promise<Map<string, KeyState>> {
    const id = `${create ? 'create' : 'read'}\u0000${tenant}`;
    let round = this.#rounds.get(id);
    if (round === undefined) {
      const wanted = new Set<string>();
      const result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.#rounds.delete(id);
        return this.#fromStore(tenant, [...wanted], create);
      });
      round = { wanted, result };
      this.#rounds.set(id, round);
    }
    for (const subject of subjects) round.wanted.add(subject);
    return round.result;
  }

  /** One batch read, then (with `create`) one creation for the subjects without a key; the answers are cached. */
  async #fromStore(tenant: string, subjects: readonly string[], create: boolean): Promise<Map<string, KeyState>> {
    const stored: Map<string, KeyState> = await this.#store.subjectKeys(tenant, subjects);
    if (create) {
      const candidates = new Map(subjects.filter((s) => !stored.has(s)).map((s) => [s, newSubjectKey()] as const));
      if (candidates.size > 0) for (const [s, key] of await this.#store.subjectKeysOrCreate(tenant, candidates)) stored.set(s, key);
    }
    const until = this.#now() + this.#ttlMs;
    for (const subject of subjects) {
      const key = stored.get(subject);
      // A forget on this node is final: never overwrite its entry with an older read.
      if (key !== undefined && this.#ttlMs > 0 && this.#cache.get(cacheId(tenant, subject))?.until !== Number.POSITIVE_INFINITY) {
        this.#cache.set(cacheId(tenant, subject), { key, until });
      }
    }
    if (this.#cache.size > 10_000) this.#sweep(this.#now());
    return stored;
  }

  #sweep(now: number): void {
    for (const [id, entry] of this.#cache) if (entry.until <= now) this.#cache.delete(id);
  }
}

const cacheId = (tenant: string, subject: string): string => `${tenant}\u0000${subject}`;
