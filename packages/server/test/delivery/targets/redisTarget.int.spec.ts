import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createDeliveryTargets } from '../../../src/delivery/targets/createDeliveryTargets.ts';
import type { DeliveryTargets } from '../../../src/delivery/DeliveryTarget.ts';
import { service } from '../../support/services.ts';
import { recordingLog, testBatch, testEvent } from './receiver.ts';

const redisUrl = await service('redis');

describe.skipIf(!redisUrl)('redis targets (real Redis)', () => {
  let redis: Redis;
  const opened: DeliveryTargets[] = [];
  let p: string;

  const targets = (url: string | null = redisUrl) => {
    const t = createDeliveryTargets({ config: { delivery: { webhookAllow: [], requestTimeoutSeconds: 5 }, nats: { url: null }, redis: { url } }, log: recordingLog() });
    opened.push(t);
    return t;
  };

  async function open(t: DeliveryTargets, target: Record<string, unknown>) {
    const parsed = await t.parse({ kind: 'redis', ...target }, '/target', null);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    return t.open(parsed.target);
  }

  beforeAll(() => {
    redis = new Redis(redisUrl!);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
    const keys = await redis.keys(`${p}*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('deletes the rendered keys and every member of the rendered tag sets, with the sets', async () => {
    p = `vtest:${randomBytes(4).toString('hex')}:`;
    await redis.mset(`${p}config:company:123`, 'a', `${p}config:company:999`, 'b', `${p}m1`, '1', `${p}m2`, '2', `${p}other`, 'keep');
    await redis.sadd(`${p}tag:company:123`, `${p}m1`, `${p}m2`, `${p}missing-member`);
    const sender = await open(targets(), { keys: [`${p}config:company:{data.company_id}`], tags: [`${p}tag:company:{data.company_id}`] });
    expect(sender.endpoint).toBe('redis');
    expect(await sender.deliver(testBatch([testEvent(1)]), AbortSignal.timeout(5_000))).toEqual({ ok: true, statusCode: null });
    expect(await redis.exists(`${p}config:company:123`, `${p}m1`, `${p}m2`, `${p}tag:company:123`)).toBe(0);
    expect(await redis.mget(`${p}config:company:999`, `${p}other`)).toEqual(['b', 'keep']);
    // A retry of the same batch finds nothing left to delete and is still a success.
    expect(await sender.deliver(testBatch([testEvent(1)]), AbortSignal.timeout(5_000))).toEqual({ ok: true, statusCode: null });
  });

  it('skips a template whose field the event lacks or holds an object, and applies the others', async () => {
    p = `vtest:${randomBytes(4).toString('hex')}:`;
    await redis.mset(`${p}c:1`, 'x', `${p}c:2`, 'y', `${p}user:5`, 'z', `${p}c:[object Object]`, 'w');
    const sender = await open(targets(), { keys: [`${p}c:{data.company_id}`, `${p}user:{actor.id}`] });
    const events = [testEvent(1, { data: { company_id: 1 } }), testEvent(2, { data: {} }), testEvent(3, { data: { company_id: { nested: 2 } }, actor: { type: 'user', id: '5' } })];
    expect(await sender.deliver(testBatch(events), AbortSignal.timeout(5_000))).toEqual({ ok: true, statusCode: null });
    expect(await redis.exists(`${p}c:1`)).toBe(0);
    expect(await redis.exists(`${p}user:5`)).toBe(0);
    expect(await redis.mget(`${p}c:2`, `${p}c:[object Object]`)).toEqual(['y', 'w']);
  });

  it('asks for a retry when a tag key is not a set, and leaves that event untouched', async () => {
    p = `vtest:${randomBytes(4).toString('hex')}:`;
    await redis.set(`${p}tag:123`, 'a string');
    await redis.set(`${p}k:123`, 'v');
    const sender = await open(targets(), { keys: [`${p}k:{data.company_id}`], tags: [`${p}tag:{data.company_id}`] });
    expect(await sender.deliver(testBatch([testEvent(1)]), AbortSignal.timeout(5_000))).toMatchObject({
      ok: false, kind: 'retry', error: expect.stringMatching(/^Redis refused an invalidation: .*not a set/),
    });
    expect(await redis.get(`${p}k:123`)).toBe('v');
  });

  it('asks for a retry when Redis cannot be reached', async () => {
    p = 'vtest:unreachable:';
    const sender = await open(targets('redis://127.0.0.1:1'), { keys: ['k:{type}'] });
    expect(await sender.deliver(testBatch([testEvent(1)]), AbortSignal.timeout(5_000))).toMatchObject({ ok: false, kind: 'retry', statusCode: null });
  });

  it('lists every parse problem with its path, and refuses redis targets on a server without Redis', async () => {
    p = 'vtest:parse:';
    const t = targets();
    const parsed = await t.parse({ kind: 'redis', keys: ['ok:{type}', '', 'x:{nope}', 7], tags: 'tag:{type}', ttl: 5 }, '/target', null);
    expect(parsed).toEqual({
      ok: false,
      problems: [
        { path: '/target/ttl', message: expect.stringMatching(/not a known property/) },
        { path: '/target/keys/3', message: expect.stringMatching(/must be a string/) },
        { path: '/target/tags', message: expect.stringMatching(/must be a list/) },
        { path: '/target/keys/1', message: 'must not be empty' },
        { path: '/target/keys/2', message: expect.stringMatching(/^at character 3: \{nope\} names no event field/) },
      ],
    });
    expect(await t.parse({ kind: 'redis' }, '/target', null)).toEqual({ ok: false, problems: [{ path: '/target', message: expect.stringMatching(/needs keys or tags/) }] });
    expect(await t.parse({ kind: 'redis', keys: [] }, '/target', null)).toEqual({ ok: false, problems: [{ path: '/target', message: expect.stringMatching(/at least one/) }] });
    const tooMany = await t.parse({ kind: 'redis', keys: Array(30).fill('k:{type}'), tags: Array(21).fill('t:{type}') }, '/target', null);
    expect(tooMany).toEqual({ ok: false, problems: [{ path: '/target', message: expect.stringMatching(/holds 51 key and tag templates; at most 50/) }] });
    const huge = await t.parse({ kind: 'redis', keys: Array(100_000).fill(1) }, '/target', null);
    expect(huge).toEqual({ ok: false, problems: [{ path: '/target/keys', message: 'holds 100000 entries; at most 50' }] });
    const long = await t.parse({ kind: 'redis', keys: ['k'.repeat(513)] }, '/target', null);
    expect(long).toEqual({ ok: false, problems: [{ path: '/target/keys/0', message: 'is longer than 512 characters' }] });
    expect(await t.parse({ kind: 'redis', keys: ['k:{type}'] }, '/target', null)).toEqual({ ok: true, target: { kind: 'redis', keys: ['k:{type}'], tags: [] } });
    expect(await targets(null).parse({ kind: 'redis', keys: ['k:{type}'] }, '/target', null)).toEqual({
      ok: false, problems: [{ path: '/target/kind', message: expect.stringMatching(/no.*redis\.url/) }],
    });
  });
});
