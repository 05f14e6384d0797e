import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../ids/uuidv7.ts';
import { ALL_TENANTS } from '../store/EventStore.ts';
import {
  DELIVERIES_KEPT, type DeadLetterRecord, type DeliveryRecord, type PendingDelivery, type SubscriptionRecord,
  type SubscriptionStore,
} from '../store/SubscriptionStore.ts';

/** A fresh, empty SubscriptionStore and how to dispose of it. */
export interface SubscriptionStoreHandle {
  store: SubscriptionStore;
  /**
   * A second store on the same database (another node), when the store has one; the lease race then runs across
   * both. Closed by the handle's `close`.
   */
  twin?(): Promise<SubscriptionStore>;
  close(): Promise<void>;
}

export type SubscriptionStoreFactory = () => Promise<SubscriptionStoreHandle>;

const BASE_MS = Date.parse('2026-12-01T10:00:00.000Z');
let clock = 0;
/** Ids and times that sort in the order they were made (UUIDv7 of a clock moving a millisecond per call). */
const next = (): { id: string; at: string } => {
  const ms = BASE_MS + clock++;
  const random = new Uint8Array(10).map((_, i) => (ms * 7 + i * 31) & 0xff);
  return { id: uuidv7(ms, random), at: new Date(ms).toISOString() };
};
const iso = (ms: number): string => new Date(BASE_MS + ms).toISOString();

/** A subscription as the API would create it: a webhook with its secret, a filter with a bit of everything. */
export function aSubscription(tenant: string, name: string, overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  const { id, at } = next();
  return {
    id,
    tenant,
    name,
    filter: { types: ['configuration.*', 'user.login'], minSeverity: 'high', tags: ['eu', 'pci'], actorId: 'a\u0000b' },
    target: { kind: 'webhook', url: 'https://hooks.example.com/vellum', secrets: [{ secret: 'whsec_c2VjcmV0', expiresAt: null }] },
    status: 'active',
    statusReason: null,
    cursor: 0,
    pending: null,
    revision: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

const aPending = (fromPosition: number, attempts = 0): PendingDelivery => ({
  messageId: `msg_${fromPosition}`,
  fromPosition,
  toPosition: fromPosition + 9,
  events: 4,
  attempts,
  nextAttemptAt: iso(60_000),
  firstAttemptAt: iso(1_000),
  lastError: attempts === 0 ? null : 'HTTP 500 from the receiver',
});

function aDelivery(subscription: SubscriptionRecord, attempt: number, overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  const { id, at } = next();
  return {
    id, tenant: subscription.tenant, subscriptionId: subscription.id, messageId: 'msg_1', fromPosition: 1, toPosition: 10,
    events: 4, attempt, outcome: 'failed', statusCode: 500, error: 'HTTP 500', durationMs: 12, at, ...overrides,
  };
}

function aDeadLetter(subscription: SubscriptionRecord, fromPosition: number, overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  const { id, at } = next();
  return {
    id, tenant: subscription.tenant, subscriptionId: subscription.id, messageId: `msg_${fromPosition}`, fromPosition,
    toPosition: fromPosition + 9, events: 3, attempts: 7, lastError: 'timed out after 10 s', createdAt: at, ...overrides,
  };
}

/**
 * The contract every SubscriptionStore must meet, as a vitest suite: call it at the top level of a spec file.
 * `factory` is called before every test and must return a new, empty store; `close` is called after it.
 * Timestamps are ISO-8601 UTC strings as `Date.toISOString()` writes them and must come back as given.
 */
export function testSubscriptionStore(name: string, factory: SubscriptionStoreFactory): void {
  describe(`SubscriptionStore contract: ${name}`, () => {
    let handle: SubscriptionStoreHandle | undefined;
    beforeEach(async () => {
      handle = await factory();
    });
    afterEach(async () => {
      await handle?.close();
      handle = undefined;
    });
    const store = (): SubscriptionStore => handle!.store;
    const twin = (): Promise<SubscriptionStore> => handle!.twin?.() ?? Promise.resolve(handle!.store);
    describeCreateAndRead(store);
    describeTenantLimit(store, twin);
    describeUpdates(store);
    describeDeletes(store);
    describeLeases(store, twin);
    describeDeliveries(store);
    describeDeadLetters(store);
  });
}

type Get = () => SubscriptionStore;

function describeTenantLimit(store: Get, twin: () => Promise<SubscriptionStore>): void {
  it('refuses a create past maxPerTenant with limitReached, writing nothing; other tenants and no limit are unaffected', async () => {
    for (const n of [1, 2]) expect(await store().createSubscription(aSubscription('acme', `s-${n}`), { maxPerTenant: 3 })).toStrictEqual({ created: true });
    expect(await store().createSubscription(aSubscription('acme', 's-3'), { maxPerTenant: 3 })).toStrictEqual({ created: true });
    const fourth = aSubscription('acme', 's-4');
    expect(await store().createSubscription(fourth, { maxPerTenant: 3 })).toStrictEqual({ created: false, limitReached: true });
    expect(await store().getSubscription('acme', fourth.id)).toBeNull();
    // A name clash at the limit is still a clash, not a new subscription.
    expect((await store().createSubscription(aSubscription('acme', 's-1'), { maxPerTenant: 4 })).created).toBe(false);
    expect(await store().createSubscription(aSubscription('globex', 's-1'), { maxPerTenant: 3 })).toStrictEqual({ created: true });
    expect(await store().createSubscription(aSubscription('acme', 's-5'))).toStrictEqual({ created: true });
    expect(await store().listSubscriptions('acme')).toHaveLength(4);
  });

  it('lets creates racing from two nodes take a tenant exactly to the limit, never past it', async () => {
    const other = await twin();
    for (const round of [0, 1, 2]) {
      const tenant = `race-${round}`;
      for (let i = 0; i < 3; i++) await store().createSubscription(aSubscription(tenant, `first-${i}`));
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) =>
        (i % 2 === 0 ? store() : other).createSubscription(aSubscription(tenant, `racer-${i}`), { maxPerTenant: 5 })));
      expect(outcomes.filter((o) => o.created)).toHaveLength(2);
      expect(outcomes.filter((o) => !o.created && o.limitReached === true)).toHaveLength(6);
      expect(await store().listSubscriptions(tenant)).toHaveLength(5);
    }
  });
}

function describeCreateAndRead(store: Get): void {
  it('creates a subscription and reads it back field for field, filter and target JSON included', async () => {
    const record = aSubscription('acme', 'orders');
    expect(await store().createSubscription(record)).toStrictEqual({ created: true });
    expect(await store().getSubscription('acme', record.id)).toStrictEqual(record);
  });

  it('refuses a second subscription of the same name in a tenant, writing nothing, but not in another tenant', async () => {
    const first = aSubscription('acme', 'orders');
    await store().createSubscription(first);
    const clash = aSubscription('acme', 'orders', { target: { kind: 'nats', subject: 'x' } });
    expect(await store().createSubscription(clash)).toStrictEqual({ created: false });
    expect(await store().getSubscription('acme', clash.id)).toBeNull();
    expect(await store().listSubscriptions('acme')).toStrictEqual([first]);
    const elsewhere = aSubscription('globex', 'orders');
    expect(await store().createSubscription(elsewhere)).toStrictEqual({ created: true });
    // Names compare exactly: another case is another name.
    expect(await store().createSubscription(aSubscription('acme', 'Orders'))).toStrictEqual({ created: true });
  });

  it("lists a tenant's subscriptions oldest first, and every tenant's with '*'", async () => {
    const a1 = aSubscription('acme', 'zeta');
    const g1 = aSubscription('globex', 'one');
    const a2 = aSubscription('acme', 'alpha');
    for (const s of [a2, g1, a1]) await store().createSubscription(s); // inserted out of order on purpose
    expect(await store().listSubscriptions('acme')).toStrictEqual([a1, a2]);
    expect(await store().listSubscriptions('globex')).toStrictEqual([g1]);
    expect(await store().listSubscriptions('initech')).toStrictEqual([]);
    expect(await store().listSubscriptions(ALL_TENANTS)).toStrictEqual([a1, g1, a2]);
  });

  it("keeps tenants apart: another tenant's id is unknown to get, update, delete and the delivery lists", async () => {
    const theirs = aSubscription('globex', 'orders');
    await store().createSubscription(theirs);
    await store().recordDelivery(aDelivery(theirs, 1));
    await store().addDeadLetter(aDeadLetter(theirs, 1));
    expect(await store().getSubscription('acme', theirs.id)).toBeNull();
    expect(await store().listSubscriptions('acme')).toStrictEqual([]);
    expect(await store().updateSubscription('acme', theirs.id, 1, { status: 'paused' }, iso(5))).toBeNull();
    expect(await store().deleteSubscription('acme', theirs.id)).toBe(false);
    expect(await store().listDeliveries('acme', theirs.id, 10)).toStrictEqual([]);
    expect(await store().listDeadLetters('acme', theirs.id, 10)).toStrictEqual([]);
    expect(await store().deleteDeadLetters('acme', theirs.id)).toBe(0);
    // A record claiming another tenant for the subscription is dropped, not filed under either.
    await store().recordDelivery({ ...aDelivery(theirs, 2), tenant: 'acme' });
    await store().addDeadLetter({ ...aDeadLetter(theirs, 11), tenant: 'acme' });
    // Untouched for its own tenant.
    expect(await store().getSubscription('globex', theirs.id)).toStrictEqual(theirs);
    expect(await store().listDeliveries('globex', theirs.id, 10)).toHaveLength(1);
    expect(await store().listDeadLetters('globex', theirs.id, 10)).toHaveLength(1);
  });

  it('returns copies: editing a record it returned changes nothing stored', async () => {
    const record = aSubscription('acme', 'orders');
    await store().createSubscription(record);
    const read = (await store().getSubscription('acme', record.id))!;
    read.filter.types!.push('mutated');
    (read.target as Record<string, unknown>).url = 'https://evil.example';
    expect(await store().getSubscription('acme', record.id)).toStrictEqual(record);
  });
}

function describeUpdates(store: Get): void {
  it('applies changes when the revision matches: revision + 1, updatedAt set, absent fields kept', async () => {
    const record = aSubscription('acme', 'orders');
    await store().createSubscription(record);
    const updated = await store().updateSubscription('acme', record.id, 1, { cursor: 42 }, iso(10_000));
    const expected = { ...record, cursor: 42, revision: 2, updatedAt: iso(10_000) };
    expect(updated).toStrictEqual(expected);
    expect(await store().getSubscription('acme', record.id)).toStrictEqual(expected);
    // No changes at all still counts as an update (the revision moves).
    expect(await store().updateSubscription('acme', record.id, 2, {}, iso(11_000))).toStrictEqual({ ...expected, revision: 3, updatedAt: iso(11_000) });
  });

  it('round-trips every changeable field, pending set and cleared', async () => {
    const record = aSubscription('acme', 'orders');
    await store().createSubscription(record);
    const changes = {
      name: 'orders-eu',
      filter: { types: ['order.*'], severities: ['low' as const, 'critical' as const], entityType: 'order', from: iso(0), to: iso(99) },
      target: { kind: 'redis' as const, keys: ['config:company:{data.company_id}'], tags: ['tag:company:{data.company_id}'], nested: { deep: [1, null, true, 'é'] } },
      status: 'disabled' as const,
      statusReason: 'the receiver answered 410 Gone',
      cursor: 9_007_199_254,
      pending: aPending(9_007_199_255, 3),
    };
    const updated = await store().updateSubscription('acme', record.id, 1, changes, iso(20_000));
    const expected: SubscriptionRecord = { ...record, ...changes, revision: 2, updatedAt: iso(20_000) };
    expect(updated).toStrictEqual(expected);
    expect(await store().getSubscription('acme', record.id)).toStrictEqual(expected);
    const cleared = await store().updateSubscription('acme', record.id, 2, { pending: null, statusReason: null, status: 'active' }, iso(21_000));
    expect(cleared).toStrictEqual({ ...expected, pending: null, statusReason: null, status: 'active', revision: 3, updatedAt: iso(21_000) });
    expect(await store().getSubscription('acme', record.id)).toStrictEqual(cleared);
  });

  it('answers conflict to a stale revision and changes nothing', async () => {
    const record = aSubscription('acme', 'orders');
    await store().createSubscription(record);
    await store().updateSubscription('acme', record.id, 1, { cursor: 5 }, iso(1));
    expect(await store().updateSubscription('acme', record.id, 1, { cursor: 99, status: 'paused' }, iso(2))).toBe('conflict');
    expect(await store().updateSubscription('acme', record.id, 7, { cursor: 99 }, iso(2))).toBe('conflict');
    expect(await store().getSubscription('acme', record.id)).toMatchObject({ cursor: 5, status: 'active', revision: 2, updatedAt: iso(1) });
  });

  it("answers conflict to a rename onto another subscription's name, but allows keeping its own", async () => {
    const one = aSubscription('acme', 'one');
    const two = aSubscription('acme', 'two');
    const theirs = aSubscription('globex', 'three');
    for (const s of [one, two, theirs]) await store().createSubscription(s);
    expect(await store().updateSubscription('acme', two.id, 1, { name: 'one' }, iso(1))).toBe('conflict');
    expect(await store().getSubscription('acme', two.id)).toStrictEqual(two);
    expect(await store().updateSubscription('acme', one.id, 1, { name: 'one', cursor: 3 }, iso(1))).toMatchObject({ name: 'one', cursor: 3 });
    // Another tenant's name is free to take.
    expect(await store().updateSubscription('acme', two.id, 1, { name: 'three' }, iso(1))).toMatchObject({ name: 'three', revision: 2 });
  });

  it('answers null for an unknown subscription', async () => {
    expect(await store().updateSubscription('acme', next().id, 1, { cursor: 1 }, iso(1))).toBeNull();
  });

  it('lets exactly one of two updates from the same revision win', async () => {
    const record = aSubscription('acme', 'orders');
    await store().createSubscription(record);
    const results = await Promise.all([1, 2, 3, 4].map((c) => store().updateSubscription('acme', record.id, 1, { cursor: c }, iso(c))));
    const winners = results.filter((r) => r !== 'conflict');
    expect(winners).toHaveLength(1);
    expect(await store().getSubscription('acme', record.id)).toStrictEqual(winners[0]);
  });
}

function describeDeletes(store: Get): void {
  it('deletes a subscription with its deliveries, dead letters and lease, and says whether there was one', async () => {
    const doomed = aSubscription('acme', 'doomed');
    const kept = aSubscription('acme', 'kept');
    await store().createSubscription(doomed);
    await store().createSubscription(kept);
    for (const s of [doomed, kept]) {
      await store().recordDelivery(aDelivery(s, 1));
      await store().addDeadLetter(aDeadLetter(s, 1));
    }
    expect(await store().acquireLease(doomed.id, 'node-a', iso(0), iso(60_000))).toBe(true);
    expect(await store().acquireLease(kept.id, 'node-a', iso(0), iso(60_000))).toBe(true);

    expect(await store().deleteSubscription('acme', doomed.id)).toBe(true);
    expect(await store().deleteSubscription('acme', doomed.id)).toBe(false);
    expect(await store().getSubscription('acme', doomed.id)).toBeNull();
    expect(await store().listSubscriptions('acme')).toStrictEqual([kept]);
    expect(await store().acquireLease(doomed.id, 'node-b', iso(1), iso(60_000))).toBe(false);

    // Created again under the same id, it starts with nothing: the old rows went with it, the lease too.
    await store().createSubscription(doomed);
    expect(await store().listDeliveries('acme', doomed.id, 10)).toStrictEqual([]);
    expect(await store().listDeadLetters('acme', doomed.id, 10)).toStrictEqual([]);
    expect(await store().acquireLease(doomed.id, 'node-b', iso(1), iso(60_000))).toBe(true);
    // The other subscription kept everything.
    expect(await store().listDeliveries('acme', kept.id, 10)).toHaveLength(1);
    expect(await store().listDeadLetters('acme', kept.id, 10)).toHaveLength(1);
    expect(await store().acquireLease(kept.id, 'node-b', iso(1), iso(60_000))).toBe(false);
  });

  it('answers false for an unknown id', async () => {
    expect(await store().deleteSubscription('acme', next().id)).toBe(false);
  });
}

function describeLeases(store: Get, twin: () => Promise<SubscriptionStore>): void {
  it('takes a free lease, refuses it to others until it expires, and renews it for its owner', async () => {
    const s = aSubscription('acme', 'orders');
    await store().createSubscription(s);
    expect(await store().acquireLease(s.id, 'node-a', iso(0), iso(30_000))).toBe(true);
    expect(await store().acquireLease(s.id, 'node-b', iso(10_000), iso(40_000))).toBe(false);
    // Renewed by its owner: now held until 60 s.
    expect(await store().acquireLease(s.id, 'node-a', iso(20_000), iso(60_000))).toBe(true);
    expect(await store().acquireLease(s.id, 'node-b', iso(45_000), iso(75_000))).toBe(false);
    // `until` equal to `now` is not yet expired; earlier is.
    expect(await store().acquireLease(s.id, 'node-b', iso(60_000), iso(90_000))).toBe(false);
    expect(await store().acquireLease(s.id, 'node-b', iso(60_001), iso(90_000))).toBe(true);
    // Taken over: the old owner cannot renew it.
    expect(await store().acquireLease(s.id, 'node-a', iso(61_000), iso(91_000))).toBe(false);
  });

  it('gives the lease up on release by its owner only', async () => {
    const s = aSubscription('acme', 'orders');
    await store().createSubscription(s);
    await store().acquireLease(s.id, 'node-a', iso(0), iso(30_000));
    await store().releaseLease(s.id, 'node-b');
    expect(await store().acquireLease(s.id, 'node-b', iso(1_000), iso(31_000))).toBe(false);
    await store().releaseLease(s.id, 'node-a');
    expect(await store().acquireLease(s.id, 'node-b', iso(1_000), iso(31_000))).toBe(true);
    // Releasing what one does not hold (or an unknown subscription's lease) is a no-op.
    await store().releaseLease(s.id, 'node-a');
    await store().releaseLease(next().id, 'node-a');
    expect(await store().acquireLease(s.id, 'node-a', iso(2_000), iso(32_000))).toBe(false);
  });

  it("leases any tenant's subscription, each independently, and none that does not exist", async () => {
    const a = aSubscription('acme', 'orders');
    const g = aSubscription('globex', 'orders');
    await store().createSubscription(a);
    await store().createSubscription(g);
    expect(await store().acquireLease(a.id, 'node-a', iso(0), iso(30_000))).toBe(true);
    expect(await store().acquireLease(g.id, 'node-b', iso(0), iso(30_000))).toBe(true);
    expect(await store().acquireLease(next().id, 'node-a', iso(0), iso(30_000))).toBe(false);
  });

  it('gives a lease asked for by several owners at once to exactly one of them', async () => {
    const other = await twin();
    for (const round of [0, 1, 2]) {
      const s = aSubscription('acme', `race-${round}`);
      await store().createSubscription(s);
      const owners = ['node-a', 'node-b', 'node-c', 'node-d', 'node-e', 'node-f'];
      const won = await Promise.all(owners.map((owner, i) =>
        (i % 2 === 0 ? store() : other).acquireLease(s.id, owner, iso(0), iso(30_000))));
      expect(won.filter(Boolean)).toHaveLength(1);
      // The winner holds it: every other owner is still refused.
      const winner = owners[won.indexOf(true)]!;
      for (const owner of owners) {
        expect(await store().acquireLease(s.id, owner, iso(1), iso(30_000))).toBe(owner === winner);
      }
    }
  });
}

function describeDeliveries(store: Get): void {
  it("lists a subscription's delivery attempts newest first, up to the limit, and only its own", async () => {
    const s = aSubscription('acme', 'orders');
    const other = aSubscription('acme', 'other');
    await store().createSubscription(s);
    await store().createSubscription(other);
    const attempts = [
      aDelivery(s, 1),
      aDelivery(s, 2, { outcome: 'gone', statusCode: 410, error: 'HTTP 410 Gone' }),
      aDelivery(s, 1, { outcome: 'delivered', statusCode: null, error: null, messageId: 'msg_2', fromPosition: 11, toPosition: 20 }),
      aDelivery(s, 7, { outcome: 'dead-lettered' }),
    ];
    for (const d of attempts) await store().recordDelivery(d);
    await store().recordDelivery(aDelivery(other, 1));
    expect(await store().listDeliveries('acme', s.id, 10)).toStrictEqual([...attempts].reverse());
    expect(await store().listDeliveries('acme', s.id, 2)).toStrictEqual([attempts[3], attempts[2]]);
    expect(await store().listDeliveries('acme', other.id, 10)).toHaveLength(1);
    expect(await store().listDeliveries('acme', next().id, 10)).toStrictEqual([]);
    // Counted as recorded: every outcome but `delivered` is a failure.
    expect(await store().deliveryCounts('acme', s.id)).toStrictEqual({ attempts: 4, failures: 3 });
    expect(await store().deliveryCounts('acme', other.id)).toStrictEqual({ attempts: 1, failures: 1 });
  });

  it('counts nothing for a new subscription, and answers null for an unknown, deleted or other tenant\'s one', async () => {
    const s = aSubscription('acme', 'orders');
    await store().createSubscription(s);
    expect(await store().deliveryCounts('acme', s.id)).toStrictEqual({ attempts: 0, failures: 0 });
    await store().recordDelivery(aDelivery(s, 1));
    expect(await store().deliveryCounts('globex', s.id)).toBeNull();
    expect(await store().deliveryCounts('acme', next().id)).toBeNull();
    await store().deleteSubscription('acme', s.id);
    expect(await store().deliveryCounts('acme', s.id)).toBeNull();
    // Re-created under the same id, it starts from zero.
    await store().createSubscription(s);
    expect(await store().deliveryCounts('acme', s.id)).toStrictEqual({ attempts: 0, failures: 0 });
  });

  it(`keeps at least the newest ${DELIVERIES_KEPT} attempts of a busy subscription`, async () => {
    const s = aSubscription('acme', 'busy');
    const quiet = aSubscription('acme', 'quiet');
    await store().createSubscription(s);
    await store().createSubscription(quiet);
    await store().recordDelivery(aDelivery(quiet, 1));
    const recorded: DeliveryRecord[] = [];
    for (let i = 0; i < DELIVERIES_KEPT + 60; i++) {
      const d = aDelivery(s, 1, { messageId: `msg_${i}`, fromPosition: i * 10 + 1, toPosition: i * 10 + 10, outcome: 'delivered' });
      recorded.push(d);
      await store().recordDelivery(d);
    }
    const listed = await store().listDeliveries('acme', s.id, 10_000);
    expect(listed.length).toBeGreaterThanOrEqual(DELIVERIES_KEPT);
    expect(listed.length).toBeLessThanOrEqual(recorded.length);
    expect(listed.slice(0, DELIVERIES_KEPT)).toStrictEqual(recorded.slice(-DELIVERIES_KEPT).reverse());
    // What was kept is a run of the newest, not a sample.
    expect(listed).toStrictEqual(recorded.slice(-listed.length).reverse());
    // Another subscription's history is not pruned with it.
    expect(await store().listDeliveries('acme', quiet.id, 10)).toHaveLength(1);
    // The counts keep what pruning dropped.
    expect(await store().deliveryCounts('acme', s.id)).toStrictEqual({ attempts: recorded.length, failures: 0 });
  });

  it('drops an attempt recorded for a subscription that no longer exists', async () => {
    const s = aSubscription('acme', 'orders');
    await store().createSubscription(s);
    await store().deleteSubscription('acme', s.id);
    await store().recordDelivery(aDelivery(s, 1));
    await store().addDeadLetter(aDeadLetter(s, 1));
    await store().createSubscription(s);
    expect(await store().listDeliveries('acme', s.id, 10)).toStrictEqual([]);
    expect(await store().listDeadLetters('acme', s.id, 10)).toStrictEqual([]);
    expect(await store().deliveryCounts('acme', s.id)).toStrictEqual({ attempts: 0, failures: 0 });
  });
}

function describeDeadLetters(store: Get): void {
  it("lists a subscription's dead letters oldest first, up to the limit, and only its own", async () => {
    const s = aSubscription('acme', 'orders');
    const other = aSubscription('acme', 'other');
    await store().createSubscription(s);
    await store().createSubscription(other);
    const letters = [aDeadLetter(s, 1), aDeadLetter(s, 11, { lastError: null }), aDeadLetter(s, 21)];
    for (const d of letters) await store().addDeadLetter(d);
    await store().addDeadLetter(aDeadLetter(other, 1));
    expect(await store().listDeadLetters('acme', s.id, 10)).toStrictEqual(letters);
    expect(await store().listDeadLetters('acme', s.id, 2)).toStrictEqual(letters.slice(0, 2));
    expect(await store().listDeadLetters('acme', other.id, 10)).toHaveLength(1);
  });

  it("records a failed retry on the dead letter named (attempts + 1, its error), and on no other subscription's or tenant's", async () => {
    const s = aSubscription('acme', 'orders');
    const other = aSubscription('acme', 'other');
    await store().createSubscription(s);
    await store().createSubscription(other);
    const [first, second] = [aDeadLetter(s, 1), aDeadLetter(s, 11)];
    await store().addDeadLetter(first!);
    await store().addDeadLetter(second!);
    expect(await store().recordDeadLetterAttempt('acme', s.id, first!.id, 'HTTP 503 from the receiver')).toBe(true);
    expect(await store().recordDeadLetterAttempt('acme', s.id, first!.id, null)).toBe(true);
    expect(await store().listDeadLetters('acme', s.id, 10)).toStrictEqual([{ ...first!, attempts: first!.attempts + 2, lastError: null }, second]);
    expect(await store().recordDeadLetterAttempt('acme', other.id, second!.id, 'x')).toBe(false);
    expect(await store().recordDeadLetterAttempt('globex', s.id, second!.id, 'x')).toBe(false);
    expect(await store().recordDeadLetterAttempt('acme', s.id, next().id, 'x')).toBe(false);
    expect(await store().listDeadLetters('acme', s.id, 10)).toStrictEqual([{ ...first!, attempts: first!.attempts + 2, lastError: null }, second]);
  });

  it('deletes the dead letters named, ignoring ids that are not this subscription’s, and returns how many went', async () => {
    const s = aSubscription('acme', 'orders');
    const other = aSubscription('acme', 'other');
    await store().createSubscription(s);
    await store().createSubscription(other);
    const letters = [aDeadLetter(s, 1), aDeadLetter(s, 11), aDeadLetter(s, 21), aDeadLetter(s, 31)];
    for (const d of letters) await store().addDeadLetter(d);
    const foreign = aDeadLetter(other, 1);
    await store().addDeadLetter(foreign);
    const deleted = await store().deleteDeadLetters('acme', s.id, [letters[1]!.id, letters[3]!.id, foreign.id, next().id]);
    expect(deleted).toBe(2);
    expect(await store().listDeadLetters('acme', s.id, 10)).toStrictEqual([letters[0], letters[2]]);
    expect(await store().listDeadLetters('acme', other.id, 10)).toStrictEqual([foreign]);
    expect(await store().deleteDeadLetters('acme', s.id, [])).toBe(0);
    expect(await store().listDeadLetters('acme', s.id, 10)).toHaveLength(2);
  });

  it("deletes all of a subscription's dead letters, and no other subscription's or tenant's", async () => {
    const s = aSubscription('acme', 'orders');
    const other = aSubscription('acme', 'other');
    const theirs = aSubscription('globex', 'orders');
    for (const x of [s, other, theirs]) {
      await store().createSubscription(x);
      await store().addDeadLetter(aDeadLetter(x, 1));
      await store().addDeadLetter(aDeadLetter(x, 11));
    }
    expect(await store().deleteDeadLetters('globex', s.id)).toBe(0);
    expect(await store().deleteDeadLetters('acme', s.id)).toBe(2);
    expect(await store().deleteDeadLetters('acme', s.id)).toBe(0);
    expect(await store().listDeadLetters('acme', s.id, 10)).toStrictEqual([]);
    expect(await store().listDeadLetters('acme', other.id, 10)).toHaveLength(2);
    expect(await store().listDeadLetters('globex', theirs.id, 10)).toHaveLength(2);
  });
}
