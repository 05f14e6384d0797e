import { InMemoryEventStore } from '@vellum/core';
import { InMemoryAccessStore } from './InMemoryAccessStore.ts';
import { InMemoryIntegrityStore } from './InMemoryIntegrityStore.ts';
import { InMemoryPersonalDataStore } from './InMemoryPersonalDataStore.ts';
import { InMemoryRetentionStore } from './InMemoryRetentionStore.ts';
import { InMemorySubscriptionStore } from './InMemorySubscriptionStore.ts';
import type { VellumStore } from './VellumStore.ts';

/**
 * A whole store in process memory (the `memory:` location): for tests and demos; nothing survives a restart.
 * `events` may be a subclass of the reference in-memory store, e.g. with a delay to simulate a slow disk; the
 * Merkle trees read their leaves from it.
 */
export function createMemoryStore(events: InMemoryEventStore = new InMemoryEventStore()): VellumStore {
  const access = new InMemoryAccessStore();
  const integrity = new InMemoryIntegrityStore(events);
  const personal = new InMemoryPersonalDataStore();
  return {
    append: (batches) => events.append(batches),
    readStream: (tenant, stream, options) => events.readStream(tenant, stream, options),
    search: (tenant, query) => events.search(tenant, query),
    getById: (tenant, id) => events.getById(tenant, id),
    stats: (tenant, query) => events.stats(tenant, query),
    headPosition: (tenant) => events.headPosition(tenant),
    ping: () => events.ping(),
    close: () => events.close(),
    createTenant: (tenant) => access.createTenant(tenant),
    getTenant: (id) => access.getTenant(id),
    listTenants: () => access.listTenants(),
    createKey: (record) => access.createKey(record),
    findKeyByHash: (hash) => access.findKeyByHash(hash),
    findKeyById: (tenant, id) => access.findKeyById(tenant, id),
    listKeys: (tenant) => access.listKeys(tenant),
    countKeys: () => access.countKeys(),
    revokeKey: (tenant, id, at) => access.revokeKey(tenant, id, at),
    expireKeyBy: (tenant, id, at) => access.expireKeyBy(tenant, id, at),
    recordKeyUsage: (usage) => access.recordKeyUsage(usage),
    getOrCreateSecret: (name, candidate) => access.getOrCreateSecret(name, candidate),
    leafHashes: (tenant, fromPosition, limit) => integrity.leafHashes(tenant, fromPosition, limit),
    treeState: (tenant) => integrity.treeState(tenant),
    advanceTree: (tenant, fromSize, next, nodes) => integrity.advanceTree(tenant, fromSize, next, nodes),
    merkleNodes: (tenant, ids) => integrity.merkleNodes(tenant, ids),
    tenantsBehind: () => integrity.tenantsBehind(),
    saveCheckpoint: (checkpoint) => integrity.saveCheckpoint(checkpoint),
    latestCheckpoint: (tenant) => integrity.latestCheckpoint(tenant),
    checkpointAt: (tenant, treeSize) => integrity.checkpointAt(tenant, treeSize),
    subjectKey: (tenant, subject, candidate) => personal.subjectKey(tenant, subject, candidate),
    subjectKeysOrCreate: (tenant, candidates) => personal.subjectKeysOrCreate(tenant, candidates),
    subjectKeys: (tenant, subjects) => personal.subjectKeys(tenant, subjects),
    forgetSubject: (tenant, subject, at) => personal.forgetSubject(tenant, subject, at),
    migrate: () => undefined,
    subscriptions: new InMemorySubscriptionStore(),
    retention: new InMemoryRetentionStore(events),
  };
}
