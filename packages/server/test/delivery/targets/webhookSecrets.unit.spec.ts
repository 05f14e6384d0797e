import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import {
  generateWebhookSecret, rotateWebhookSecret, secretView, signatureHeader, signWebhook, validSecrets, webhookSecretProblem, type WebhookTargetRecord,
} from '../../../src/delivery/targets/webhook/webhookSecrets.ts';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

describe('webhook signatures', () => {
  it('match the Standard Webhooks reference vector', () => {
    expect(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'))
      .toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verify with the standardwebhooks library, and fail with another secret or body', () => {
    const secret = generateWebhookSecret();
    const now = Date.now();
    const ts = Math.floor(now / 1000);
    const body = JSON.stringify({ type: 'vellum.events', data: { n: 1 } });
    const headers = { 'webhook-id': 'm1', 'webhook-timestamp': String(ts), 'webhook-signature': signatureHeader([{ secret, createdAt: '', expiresAt: null }], 'm1', ts, body, now) };
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'vellum.events', data: { n: 1 } });
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(secret).verify(body.replace('1', '2'), headers)).toThrow(/No matching signature/);
  });
});

describe('webhook secrets', () => {
  it('generates whsec_ + base64 of 32 random bytes, different every time', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
    expect(webhookSecretProblem(a)).toBeNull();
  });

  it('accepts given secrets of the whsec_ form only', () => {
    expect(webhookSecretProblem('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeNull();
    for (const bad of [42, '', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_', 'whsec_short', 'whsec_not base64 at all!!!!!!!!!!!!', `whsec_${Buffer.alloc(65).toString('base64')}`, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS']) {
      expect(webhookSecretProblem(bad), String(bad)).toMatch(/whsec_<base64 of 24 to 64 random bytes>/);
    }
  });

  it('shows only a short prefix', () => {
    const s = { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', createdAt: 'c', expiresAt: null };
    expect(secretView(s)).toEqual({ prefix: 'whsec_MfKQ…', createdAt: 'c', expiresAt: null });
  });
});

describe('rotateWebhookSecret', () => {
  const record: WebhookTargetRecord = { kind: 'webhook', url: 'https://r.example/h', secrets: [{ secret: generateWebhookSecret(), createdAt: new Date(T0).toISOString(), expiresAt: null }] };

  it('makes a fresh current secret and keeps the old one for the grace period, signing with both meanwhile', () => {
    const now = Date.now();
    const { target, secret } = rotateWebhookSecret(record, now, 3600);
    expect(target.secrets).toEqual([
      { secret, createdAt: new Date(now).toISOString(), expiresAt: null },
      { ...record.secrets[0], expiresAt: new Date(now + 3_600_000).toISOString() },
    ]);
    const ts = Math.floor(now / 1000);
    const body = '{"x":1}';
    const header = signatureHeader(target.secrets, 'm', ts, body, now);
    expect(header.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': 'm', 'webhook-timestamp': String(ts), 'webhook-signature': header };
    expect(new Webhook(secret).verify(body, headers)).toEqual({ x: 1 });
    expect(new Webhook(record.secrets[0]!.secret).verify(body, headers)).toEqual({ x: 1 });
    // After the grace period only the new secret signs.
    const later = now + 3_600_001;
    expect(validSecrets(target.secrets, later).map((s) => s.secret)).toEqual([secret]);
    expect(signatureHeader(target.secrets, 'm', ts, body, later).split(' ')).toHaveLength(1);
  });

  it('drops secrets whose grace ended, never extends one, and keeps at most five', () => {
    let current = record;
    for (let i = 0; i < 8; i++) current = rotateWebhookSecret(current, T0 + i * 1000, 86_400).target;
    expect(current.secrets).toHaveLength(5);
    const ended = rotateWebhookSecret(current, T0 + 2 * 86_400_000, 60).target;
    // The old ones' grace ended; the one current until now gets the new grace.
    expect(ended.secrets.map((s) => s.expiresAt)).toEqual([null, new Date(T0 + 2 * 86_400_000 + 60_000).toISOString()]);
    expect(ended.secrets[1]!.secret).toBe(current.secrets[0]!.secret);
    const short = rotateWebhookSecret(record, T0, 60).target;
    const again = rotateWebhookSecret(short, T0 + 1000, 3600).target;
    expect(again.secrets[2]!.expiresAt).toBe(new Date(T0 + 60_000).toISOString());
    expect(rotateWebhookSecret(record, T0, 0).target.secrets).toHaveLength(1);
  });
});
