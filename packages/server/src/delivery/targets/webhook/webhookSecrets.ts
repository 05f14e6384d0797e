import { createHmac, randomBytes } from 'node:crypto';
import type { SubscriptionTargetRecord } from '@vellum/core';

/**
 * Standard Webhooks secrets (`whsec_` + base64 of 24 to 64 random bytes) and signatures
 * (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`). A webhook target keeps a list of secrets: the current one
 * (expiresAt null) and, during a rotation's grace period, the previous one, so receivers may switch over at leisure;
 * each request carries one signature per secret still valid.
 */

export interface WebhookSecret {
  secret: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; null for the current secret. */
  expiresAt: string | null;
}

export interface WebhookTargetRecord extends SubscriptionTargetRecord {
  kind: 'webhook';
  url: string;
  secrets: WebhookSecret[];
  retrySchedule?: string[];
}

const SECRET_FORM = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
/** Secrets kept at once (current plus those in a grace period), so rotating in a loop cannot grow the record. */
export const MAX_WEBHOOK_SECRETS = 5;
export const MAX_GRACE_SECONDS = 30 * 86_400;

/** A fresh secret: `whsec_` + base64 of 32 random bytes. */
export const generateWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** Why a given secret is not one (null: it is). */
export function webhookSecretProblem(secret: unknown): string | null {
  const form = 'must have the form whsec_<base64 of 24 to 64 random bytes> (or leave it out and one is generated)';
  if (typeof secret !== 'string' || secret.length > 200) return form;
  const match = SECRET_FORM.exec(secret);
  if (match === null || match[1]!.length % 4 !== 0) return form;
  const bytes = Buffer.from(match[1]!, 'base64').length;
  return bytes >= 24 && bytes <= 64 ? null : form;
}

const secretKey = (secret: string): Buffer => Buffer.from(secret.slice('whsec_'.length), 'base64');

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under one secret. */
export function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The secrets that still sign at `nowMs`: the current one and those whose grace period has not ended. */
export function validSecrets(secrets: readonly WebhookSecret[], nowMs: number): WebhookSecret[] {
  return secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > nowMs);
}

/** The `webhook-signature` header: one signature per valid secret, space-separated. */
export function signatureHeader(secrets: readonly WebhookSecret[], messageId: string, timestampSeconds: number, body: string, nowMs: number): string {
  return validSecrets(secrets, nowMs).map((s) => signWebhook(s.secret, messageId, timestampSeconds, body)).join(' ');
}

/** What the API shows of a secret: a short prefix and its dates, never the secret. */
export function secretView(s: WebhookSecret): { prefix: string; createdAt: string; expiresAt: string | null } {
  return { prefix: `${s.secret.slice(0, 'whsec_'.length + 4)}…`, createdAt: s.createdAt, expiresAt: s.expiresAt };
}

/**
 * Rotates a webhook target's secret: a fresh one becomes current, the previous current one stays valid for
 * `graceSeconds` more (requests carry both signatures meanwhile), secrets already past their grace are dropped.
 * Returns the record to store and the new secret (to show once).
 */
export function rotateWebhookSecret(record: WebhookTargetRecord, nowMs: number, graceSeconds: number): { target: WebhookTargetRecord; secret: string } {
  const grace = Math.max(0, Math.min(MAX_GRACE_SECONDS, Math.floor(graceSeconds)));
  const graceEnd = new Date(nowMs + grace * 1000).toISOString();
  const kept = validSecrets(record.secrets, nowMs).map((s) => {
    if (s.expiresAt === null) return { ...s, expiresAt: graceEnd };
    // One already ending keeps its own end (a rotation never extends an older secret's life).
    return Date.parse(s.expiresAt) < nowMs + grace * 1000 ? s : { ...s, expiresAt: graceEnd };
  });
  const secret = generateWebhookSecret();
  const fresh: WebhookSecret = { secret, createdAt: new Date(nowMs).toISOString(), expiresAt: null };
  const secrets = grace === 0 ? [fresh] : [fresh, ...kept].slice(0, MAX_WEBHOOK_SECRETS);
  return { target: { ...record, secrets }, secret };
}
