import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { createDeliveryTargets } from '../../../src/delivery/targets/createDeliveryTargets.ts';
import type { DeliveryTargets } from '../../../src/delivery/DeliveryTarget.ts';
import { service } from '../../support/services.ts';
import { recordingLog, testBatch, testEvent } from './receiver.ts';

const natsUrl = await service('nats');

describe.skipIf(!natsUrl)('nats targets (real JetStream)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];
  const opened: DeliveryTargets[] = [];

  const targets = (url: string | null = natsUrl) => {
    const t = createDeliveryTargets({ config: { delivery: { webhookAllow: [], requestTimeoutSeconds: 5 }, nats: { url }, redis: { url: null } }, log: recordingLog() });
    opened.push(t);
    return t;
  };

  /** A stream of its own for a unique subject prefix, so parallel runs never meet. */
  async function freshStream(): Promise<{ prefix: string; name: string }> {
    const prefix = `vtest_${randomBytes(6).toString('hex')}`;
    const name = prefix.toUpperCase();
    await jsm.streams.add({ name, subjects: [`${prefix}.>`] });
    streams.push(name);
    return { prefix, name };
  }

  beforeAll(async () => {
    nc = await connect({ servers: natsUrl! });
    jsm = await nc.jetstreamManager();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    for (const name of streams) await jsm.streams.delete(name).catch(() => undefined);
    await nc.close();
  });

  async function open(t: DeliveryTargets, subject: string) {
    const parsed = await t.parse({ kind: 'nats', subject }, '/target', null);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    return t.open(parsed.target);
  }

  it('publishes each event once with its id as Nats-Msg-Id, so a retried batch is stored once', async () => {
    const { prefix, name } = await freshStream();
    const t = targets();
    const sender = await open(t, `${prefix}.{tenant}.{type}`);
    expect(sender.endpoint).toBe('nats');
    const events = [testEvent(1), testEvent(2), testEvent(3)];
    expect(await sender.deliver(testBatch(events), AbortSignal.timeout(5_000))).toEqual({ ok: true, statusCode: null });
    expect(await sender.deliver(testBatch(events, undefined, 2), AbortSignal.timeout(5_000))).toEqual({ ok: true, statusCode: null });
    const info = await jsm.streams.info(name);
    expect(info.state.messages).toBe(3);
    for (let seq = 1; seq <= 3; seq++) {
      const msg = await jsm.streams.getMessage(name, { seq });
      expect(msg.subject).toBe(`${prefix}.acme.configuration_updated`);
      expect(msg.header.get('Nats-Msg-Id')).toBe(events[seq - 1]!.id);
      expect(msg.json()).toEqual(events[seq - 1]);
    }
  });

  it('makes rendered values subject-safe and renders an absent field as _', async () => {
    const { prefix, name } = await freshStream();
    const sender = await open(targets(), `${prefix}.{tenant}.{data.region}.{actor.name}`);
    const event = testEvent(1, { tenant: 'a b', data: { region: 'eu.*>\tx' } });
    expect(await sender.deliver(testBatch([event]), AbortSignal.timeout(5_000))).toMatchObject({ ok: true });
    const msg = await jsm.streams.getMessage(name, { seq: 1 });
    expect(msg.subject).toBe(`${prefix}.a_b.eu____x._`);
  });

  it('asks for a retry when no stream takes the subject', async () => {
    const sender = await open(targets(), `vtest_nostream_${randomBytes(4).toString('hex')}.{type}`);
    expect(await sender.deliver(testBatch([testEvent(1)]), AbortSignal.timeout(5_000))).toMatchObject({
      ok: false, kind: 'retry', statusCode: null, error: expect.stringMatching(/no JetStream stream takes subject vtest_nostream_\w+\.configuration_updated/),
    });
  });

  it('asks for a retry when NATS cannot be reached', async () => {
    const t = targets('nats://127.0.0.1:1');
    const sender = await open(t, 'audit.{type}');
    expect(await sender.deliver(testBatch([testEvent(1)]), AbortSignal.timeout(5_000))).toMatchObject({ ok: false, kind: 'retry', error: expect.stringMatching(/^NATS is not reachable/) });
  });

  it('refuses subjects with wildcards, empty tokens or bad placeholders, and any nats target on a server without NATS', async () => {
    const t = targets();
    const problems = async (subject: unknown, server = t) => {
      const parsed = await server.parse({ kind: 'nats', subject }, '/target', null);
      return parsed.ok ? [] : parsed.problems;
    };
    expect(await problems('audit.*')).toEqual([{ path: '/target/subject', message: expect.stringMatching(/wildcards/) }]);
    expect(await problems('audit.{type}.>')).toEqual([{ path: '/target/subject', message: expect.stringMatching(/wildcards/) }]);
    expect(await problems('audit..{type}')).toEqual([{ path: '/target/subject', message: expect.stringMatching(/empty token/) }]);
    expect(await problems('.audit')).toEqual([{ path: '/target/subject', message: expect.stringMatching(/empty token/) }]);
    expect(await problems('audit {type}')).toEqual([{ path: '/target/subject', message: expect.stringMatching(/whitespace/) }]);
    expect(await problems('audit.{tpye}')).toEqual([{ path: '/target/subject', message: expect.stringMatching(/^at character 7: \{tpye\} names no event field/) }]);
    expect(await problems(undefined)).toEqual([{ path: '/target/subject', message: expect.stringMatching(/is required/) }]);
    expect(await problems('audit.{type}', targets(null))).toEqual([{ path: '/target/kind', message: expect.stringMatching(/no.*nats\.url/) }]);
    const ok = await t.parse({ kind: 'nats', subject: 'audit.{tenant}.{type}', retrySchedule: ['1s', '1m'] }, '/target', null);
    expect(ok).toEqual({ ok: true, target: { kind: 'nats', subject: 'audit.{tenant}.{type}', retrySchedule: ['1s', '1m'] } });
    expect(t.view(ok.ok ? ok.target : { kind: 'nats' })).toEqual({ kind: 'nats', subject: 'audit.{tenant}.{type}', retrySchedule: ['1s', '1m'] });
    expect(t.open(ok.ok ? ok.target : { kind: 'nats' }).retrySchedule).toEqual(['1s', '1m']);
  });
});
