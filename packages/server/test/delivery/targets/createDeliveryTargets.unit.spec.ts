import { describe, expect, it } from 'vitest';
import { createDeliveryTargets, newWebhookSecret, rotateWebhookSecret, type WebhookTargetRecord } from '../../../src/delivery/targets/createDeliveryTargets.ts';
import { recordingLog, testBatch, testEvent } from './receiver.ts';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

function targets() {
  const log = recordingLog();
  const t = createDeliveryTargets({
    config: { delivery: { webhookAllow: ['127.0.0.1'], requestTimeoutSeconds: 5 }, nats: { url: null }, redis: { url: null } },
    log,
    clock: () => T0,
  });
  return { t, log };
}

describe('createDeliveryTargets', () => {
  it('tells the API which secret to show once: a generated or given one, not one kept from before', async () => {
    const { t } = targets();
    const created = await t.parse({ kind: 'webhook', url: 'http://127.0.0.1:9/h' }, '/target', null);
    if (!created.ok) throw new Error('parse failed');
    const record = created.target as WebhookTargetRecord;
    expect(newWebhookSecret(record, null)).toBe(record.secrets[0]!.secret);
    const updated = await t.parse({ kind: 'webhook', url: 'http://127.0.0.1:9/other' }, '/target', record);
    expect(updated.ok && newWebhookSecret(updated.target, record)).toBeNull();
    const rotated = rotateWebhookSecret(record, T0, 60);
    expect(newWebhookSecret(rotated.target, record)).toBe(rotated.secret);
    expect(newWebhookSecret({ kind: 'nats', subject: 'a' }, null)).toBeNull();
  });

  it('keeps a webhook\'s secret dates when the same secret is given again', async () => {
    const { t } = targets();
    const given = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const first = await t.parse({ kind: 'webhook', url: 'http://127.0.0.1:9/h', secret: given }, '/target', null);
    if (!first.ok) throw new Error('parse failed');
    const later = createDeliveryTargets({ config: { delivery: { webhookAllow: ['127.0.0.1'], requestTimeoutSeconds: 5 }, nats: { url: null }, redis: { url: null } }, log: recordingLog(), clock: () => T0 + 60_000 });
    const again = await later.parse({ kind: 'webhook', url: 'http://127.0.0.1:9/h', secret: given }, '/target', first.target);
    expect(again.ok && again.target.secrets).toEqual(first.target.secrets);
    expect(again.ok && newWebhookSecret(again.target, first.target)).toBeNull();
    await later.close();
  });

  it('hides expired secrets from the view and never shows one whole', async () => {
    const { t } = targets();
    const record: WebhookTargetRecord = {
      kind: 'webhook', url: 'http://127.0.0.1:9/h', retrySchedule: ['5s'],
      secrets: [
        { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', createdAt: '2026-11-30T00:00:00.000Z', expiresAt: null },
        { secret: 'whsec_AAAA9r8GKYqrTwjUPD8ILPZIo2LaLaSw', createdAt: '2026-11-01T00:00:00.000Z', expiresAt: '2026-11-30T00:00:00.000Z' },
      ],
    };
    expect(t.view(record)).toEqual({
      kind: 'webhook', url: 'http://127.0.0.1:9/h', retrySchedule: ['5s'],
      secrets: [{ prefix: 'whsec_MfKQ…', createdAt: '2026-11-30T00:00:00.000Z', expiresAt: null }],
    });
  });

  it('opens a stored target it cannot use as a sender that fails in words, never a throw', async () => {
    const { t, log } = targets();
    for (const stored of [{ kind: 'smtp' }, { kind: 'webhook', url: 'not a url', secrets: [] }]) {
      const sender = t.open(stored as never);
      expect(await sender.deliver(testBatch([testEvent(1)]), AbortSignal.timeout(1000))).toMatchObject({ ok: false, kind: 'retry', error: expect.stringMatching(/not one this server can deliver to/) });
      expect(t.view(stored as never)).toMatchObject({ kind: stored.kind });
    }
    expect(log.lines.join('\n')).toMatch(/could not be opened/);
  });

  it('turns a throw inside a sender into a failed attempt', async () => {
    const { t, log } = targets();
    const damaged = t.open({ kind: 'webhook', url: 'http://127.0.0.1:9/h', secrets: 'not a list' } as never);
    expect(await damaged.deliver(testBatch([testEvent(1)]), AbortSignal.timeout(1000))).toEqual({
      ok: false, kind: 'retry', error: 'the target failed unexpectedly; see the server log', statusCode: null, retryAfterMs: null,
    });
    expect(log.lines.join('\n')).toMatch(/failed unexpectedly/);
  });

  it('refuses to open anything once closed', async () => {
    const { t } = targets();
    await t.close();
    expect(() => t.open({ kind: 'nats', subject: 'a' })).toThrow(/closed/);
  });
});
