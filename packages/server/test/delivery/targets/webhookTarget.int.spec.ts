import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createDeliveryTargets, rotateWebhookSecret, type WebhookTargetRecord } from '../../../src/delivery/targets/createDeliveryTargets.ts';
import type { DeliveryTargets } from '../../../src/delivery/DeliveryTarget.ts';
import type { ResolveHost } from '../../../src/delivery/targets/webhook/WebhookAddressGuard.ts';
import { recordingLog, startReceiver, testBatch, testEvent, type Receiver } from './receiver.ts';

let receiver: Receiver;
const opened: DeliveryTargets[] = [];

function targets(webhookAllow: string[] = ['127.0.0.1'], extra: { resolveHost?: ResolveHost; timeoutSeconds?: number } = {}) {
  const log = recordingLog();
  const t = createDeliveryTargets({
    config: { delivery: { webhookAllow, requestTimeoutSeconds: extra.timeoutSeconds ?? 5 }, nats: { url: null }, redis: { url: null } },
    log,
    ...(extra.resolveHost === undefined ? {} : { resolveHost: extra.resolveHost }),
  });
  opened.push(t);
  return { t, log };
}

async function webhook(t: DeliveryTargets, url: string, secret?: string): Promise<WebhookTargetRecord> {
  const parsed = await t.parse({ kind: 'webhook', url, ...(secret === undefined ? {} : { secret }) }, '/target', null);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.target as WebhookTargetRecord;
}

const signal = () => AbortSignal.timeout(5_000);

beforeAll(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
  receiver.received.length = 0;
});
afterAll(async () => {
  await receiver.close();
});

describe('webhook delivery', () => {
  it('POSTs the batch with Standard Webhooks headers that the standardwebhooks library verifies', async () => {
    const { t } = targets();
    const target = await webhook(t, receiver.url('/ok'));
    const sender = t.open(target);
    expect(sender.endpoint).toBe(`http://127.0.0.1:${receiver.port}`);
    const events = [testEvent(1), testEvent(2)];
    expect(await sender.deliver(testBatch(events), signal())).toEqual({ ok: true, statusCode: 200 });
    const [got] = receiver.received;
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['user-agent']).toMatch(/^Vellum-Webhooks\//);
    expect(got!.headers['webhook-id']).toBe('msg_0193a0b0000070008000000000000001');
    expect(got!.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(got!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const payload = new Webhook(target.secrets[0]!.secret).verify(got!.body, got!.headers as Record<string, string>);
    expect(payload).toEqual({
      type: 'vellum.events',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { subscription: { id: '0193a0b0-0000-7000-8000-00000000aaaa', name: 'hooks' }, tenant: 'acme', fromPosition: 1, toPosition: 2, events },
    });
  });

  it('keeps the same webhook-id on every retry of a batch and reuses the connection', async () => {
    const { t } = targets();
    const sender = t.open(await webhook(t, receiver.url('/accepted')));
    for (let i = 1; i <= 3; i++) expect(await sender.deliver(testBatch([testEvent(1)], 'msg_same', i), signal())).toEqual({ ok: true, statusCode: 204 });
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual(['msg_same', 'msg_same', 'msg_same']);
    // Keep-alive: three requests in a row do not need three connections.
    expect(new Set(receiver.received.map((r) => r.remotePort)).size).toBeLessThan(3);
  });

  it('signs with both secrets during a rotation, each verifying on its own', async () => {
    const { t } = targets();
    const before = await webhook(t, receiver.url('/ok'));
    const { target, secret } = rotateWebhookSecret(before, Date.now(), 3600);
    expect(await t.open(target).deliver(testBatch([testEvent(1)]), signal())).toMatchObject({ ok: true });
    const got = receiver.received[0]!;
    expect((got.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
    for (const s of [secret, before.secrets[0]!.secret]) expect(() => new Webhook(s).verify(got.body, got.headers as Record<string, string>)).not.toThrow();
  });

  it('reports 410 as gone and other failures as retries, with a short sanitized text', async () => {
    const { t } = targets();
    const deliver = async (path: string) => t.open(await webhook(t, receiver.url(path))).deliver(testBatch([testEvent(1)]), signal());
    expect(await deliver('/gone')).toEqual({ ok: false, kind: 'gone', statusCode: 410, error: expect.stringMatching(/410 Gone/) });
    const failed = await deliver('/fail');
    expect(failed).toMatchObject({ ok: false, kind: 'retry', statusCode: 500, retryAfterMs: null });
    if (failed.ok) return;
    expect(failed.error).toMatch(/^the receiver answered 500: database exploded at line 3 x+…$/);
    expect(failed.error.length).toBeLessThan(200);
  });

  it('honours Retry-After in seconds and as an HTTP date on 429 and 503', async () => {
    const { t } = targets();
    const deliver = async (path: string) => t.open(await webhook(t, receiver.url(path))).deliver(testBatch([testEvent(1)]), signal());
    expect(await deliver('/busy')).toMatchObject({ ok: false, kind: 'retry', statusCode: 429, retryAfterMs: 7000 });
    const unavailable = await deliver('/unavailable');
    expect(unavailable).toMatchObject({ ok: false, kind: 'retry', statusCode: 503 });
    const after = unavailable.ok || unavailable.kind !== 'retry' ? null : unavailable.retryAfterMs;
    expect(after).toBeGreaterThan(100_000);
    expect(after).toBeLessThanOrEqual(120_000);
    expect(await deliver('/unavailable-bare')).toMatchObject({ ok: false, kind: 'retry', statusCode: 503, retryAfterMs: null });
  });

  it('never follows a redirect, even to an address it is allowed to reach', async () => {
    const { t } = targets();
    const result = await t.open(await webhook(t, receiver.url('/redirect'))).deliver(testBatch([testEvent(1)]), signal());
    expect(result).toMatchObject({ ok: false, kind: 'retry', statusCode: 302, error: expect.stringMatching(/redirects are not followed/) });
    expect(receiver.received.map((r) => r.path)).toEqual(['/redirect']);
  });

  it('gives up on a receiver that hangs when the signal aborts', async () => {
    const { t } = targets(['127.0.0.1'], { timeoutSeconds: 1 });
    const started = Date.now();
    const result = await t.open(await webhook(t, receiver.url('/hang'))).deliver(testBatch([testEvent(1)]), AbortSignal.timeout(300));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ ok: false, kind: 'retry', statusCode: null, error: expect.stringMatching(/^timed out/) });
  });

  it('reports a reset connection and a refused one as retries', async () => {
    const { t } = targets();
    expect(await t.open(await webhook(t, receiver.url('/reset'))).deliver(testBatch([testEvent(1)]), signal()))
      .toMatchObject({ ok: false, kind: 'retry', statusCode: null, error: expect.stringMatching(/closed|reset/) });
    const closed = await startReceiver();
    const url = closed.url('/ok');
    await closed.close();
    expect(await t.open(await webhook(t, url)).deliver(testBatch([testEvent(1)]), signal()))
      .toMatchObject({ ok: false, kind: 'retry', statusCode: null, error: 'the connection was refused' });
  });

  it('reads a large answer only up to its cap', async () => {
    const { t } = targets();
    expect(await t.open(await webhook(t, receiver.url('/big'))).deliver(testBatch([testEvent(1)]), signal())).toEqual({ ok: true, statusCode: 200 });
  });

  it('never writes a secret to its log or into a result', async () => {
    const { t, log } = targets(['127.0.0.1'], { resolveHost: async () => [{ address: '127.0.0.1', family: 4 }] });
    const target = await webhook(t, receiver.url('/fail'));
    const results = [await t.open(target).deliver(testBatch([testEvent(1)]), signal())];
    const secret = target.secrets[0]!.secret;
    expect(JSON.stringify(results)).not.toContain(secret.slice(6, 20));
    expect(log.lines.join('\n')).not.toContain(secret.slice(6, 20));
    expect(JSON.stringify(t.view(target))).not.toContain(secret.slice(10));
  });
});

describe('webhook address guard', () => {
  it('refuses loopback, private, link-local and metadata addresses at parse time, saying how to allow them', async () => {
    const { t } = targets([]);
    const urls = [
      'http://127.0.0.1/h', 'http://localhost/h', 'http://10.1.2.3/h', 'http://[::1]/h', 'http://[::ffff:127.0.0.1]/h',
      'http://169.254.169.254/latest/meta-data', 'http://metadata.google.internal/computeMetadata/v1', 'http://192.168.0.10/h',
      'http://100.64.0.1/h', 'http://0.0.0.0/h', 'http://[fd00:ec2::254]/h', 'http://[fe80::1]/h', 'http://2130706433/h',
    ];
    for (const url of urls) {
      const parsed = await t.parse({ kind: 'webhook', url }, '/target', null);
      expect(parsed, url).toEqual({ ok: false, problems: [{ path: '/target/url', message: expect.stringMatching(/VELLUM_WEBHOOK_ALLOW/) }] });
    }
    const meta = await t.parse({ kind: 'webhook', url: 'http://169.254.169.254/' }, '/target', null);
    expect(meta.ok ? '' : meta.problems[0]!.message).toMatch(/^169\.254\.169\.254 is a cloud metadata address/);
  });

  it('lets the allow-list permit a host, an address or a CIDR', async () => {
    for (const allow of [['127.0.0.1'], ['127.0.0.0/8'], ['localhost'], ['::ffff:127.0.0.0/104']]) {
      const { t } = targets(allow);
      const url = allow[0] === 'localhost' ? `http://localhost:${receiver.port}/ok` : receiver.url('/ok');
      const parsed = await t.parse({ kind: 'webhook', url }, '/target', null);
      expect(parsed.ok, allow[0]).toBe(true);
    }
    const { t } = targets(['10.0.0.0/8']);
    expect((await t.parse({ kind: 'webhook', url: receiver.url('/ok') }, '/target', null)).ok).toBe(false);
  });

  it('refuses a host name that turned private since it was checked (DNS rebinding), at connect time', async () => {
    let answer = '93.184.216.34';
    const resolveHost: ResolveHost = async () => [{ address: answer, family: 4 }];
    const { t, log } = targets([], { resolveHost });
    const target = await webhook(t, `http://rebind.test:${receiver.port}/ok`);
    answer = '127.0.0.1';
    const result = await t.open(target).deliver(testBatch([testEvent(1)]), signal());
    expect(result).toMatchObject({ ok: false, kind: 'retry', statusCode: null, error: expect.stringMatching(/^refused at connect time: rebind\.test resolves to a loopback address/) });
    expect(receiver.received).toEqual([]);
    expect(log.lines.join('\n')).toMatch(/webhook address refused at connect time/);
  });

  it('connects through the guarded lookup when the address is allowed', async () => {
    const resolveHost: ResolveHost = async () => [{ address: '127.0.0.1', family: 4 }];
    const { t } = targets(['127.0.0.1/32'], { resolveHost });
    const target = await webhook(t, `http://receiver.test:${receiver.port}/ok`);
    expect(await t.open(target).deliver(testBatch([testEvent(1)]), signal())).toEqual({ ok: true, statusCode: 200 });
    expect(receiver.received[0]!.headers.host).toBe(`receiver.test:${receiver.port}`);
  });

  it('refuses every address of a name when one of them is private', async () => {
    const { t } = targets([], { resolveHost: async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }] });
    const parsed = await t.parse({ kind: 'webhook', url: 'https://two.test/h' }, '/target', null);
    expect(parsed).toEqual({ ok: false, problems: [{ path: '/target/url', message: expect.stringMatching(/two\.test resolves to a private/) }] });
    // What an internal name resolves to is not told.
    expect(JSON.stringify(parsed)).not.toContain('10.0.0.5');
  });

  it('checks a literal address again when sending, against the allow-list of the day', async () => {
    const allowed = targets(['127.0.0.1']).t;
    const target = await webhook(allowed, receiver.url('/ok'));
    const { t } = targets([]);
    expect(await t.open(target).deliver(testBatch([testEvent(1)]), signal())).toMatchObject({ ok: false, kind: 'retry', error: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback/) });
    expect(receiver.received).toEqual([]);
  });

  it('refuses an allow-list entry that is neither a host nor a CIDR', () => {
    expect(() => targets(['10.0.0.0/33', 'bad host'])).toThrow(/webhookAllow/);
  });
});

describe('webhook target parsing', () => {
  it('lists every problem with its path', async () => {
    const { t } = targets([]);
    const parsed = await t.parse({ kind: 'webhook', url: 'ftp://user:pw@example.com/x#y', secret: 'nope', retrySchedule: ['5s', 'later'], colour: 'red' }, '/target', null);
    expect(parsed).toEqual({
      ok: false,
      problems: [
        { path: '/target/colour', message: expect.stringMatching(/not a known property/) },
        { path: '/target/retrySchedule/1', message: expect.stringMatching(/duration/) },
        { path: '/target/secret', message: expect.stringMatching(/whsec_/) },
        { path: '/target/url', message: 'must be an http or https URL' },
        { path: '/target/url', message: expect.stringMatching(/credentials/) },
        { path: '/target/url', message: expect.stringMatching(/fragment/) },
      ],
    });
    expect(await t.parse({ kind: 'webhook' }, '/target', null)).toEqual({ ok: false, problems: [{ path: '/target/url', message: expect.stringMatching(/is required/) }] });
    expect(await t.parse({ kind: 'webhook', url: 'not a url' }, '/t', null)).toEqual({ ok: false, problems: [{ path: '/t/url', message: expect.stringMatching(/not a URL/) }] });
    expect(await t.parse({ kind: 'smtp' }, '/target', null)).toEqual({ ok: false, problems: [{ path: '/target/kind', message: 'must be one of webhook, nats, redis' }] });
    expect(await t.parse('https://x', '/target', null)).toEqual({ ok: false, problems: [{ path: '/target', message: expect.stringMatching(/must be an object/) }] });
  });

  it('keeps the stored secrets on an update that gives none, and replaces them when one is given', async () => {
    const { t } = targets();
    const first = await webhook(t, receiver.url('/ok'));
    const kept = await t.parse({ kind: 'webhook', url: receiver.url('/accepted'), retrySchedule: ['1s'] }, '/target', first);
    expect(kept).toEqual({ ok: true, target: { kind: 'webhook', url: receiver.url('/accepted'), secrets: first.secrets, retrySchedule: ['1s'] } });
    const given = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const replaced = await t.parse({ kind: 'webhook', url: receiver.url('/ok'), secret: given }, '/target', first);
    expect(replaced.ok && (replaced.target as WebhookTargetRecord).secrets.map((s) => s.secret)).toEqual([given]);
    expect(t.view(replaced.ok ? replaced.target : first)).toEqual({
      kind: 'webhook', url: receiver.url('/ok'),
      secrets: [{ prefix: 'whsec_MfKQ…', createdAt: expect.any(String), expiresAt: null }],
    });
  });
});
