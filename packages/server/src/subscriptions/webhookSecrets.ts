import type { SubscriptionTargetRecord } from '@vellum/core';

/**
 * The one place the subscription API reads a secret out of a stored target: to show, once, the secret the targets
 * generated for a webhook created (or re-targeted) without one. Everything else about targets is the targets'
 * business (app.deliveryTargets), and nothing else here ever reads a secret.
 */
export function generatedWebhookSecret(input: unknown, stored: SubscriptionTargetRecord): string | null {
  if (stored.kind !== 'webhook') return null;
  const given = typeof input === 'object' && input !== null && (input as Record<string, unknown>).secret !== undefined;
  if (given) return null;
  return currentSecret(stored);
}

/** The secret a webhook signs with now (the newest). */
export function currentSecret(stored: SubscriptionTargetRecord): string | null {
  const direct = stored.secret;
  if (typeof direct === 'string') return direct;
  const list = stored.secrets;
  if (Array.isArray(list) && list.length > 0) {
    const first = list[0] as unknown;
    if (typeof first === 'string') return first;
    if (typeof first === 'object' && first !== null && typeof (first as { secret?: unknown }).secret === 'string') return (first as { secret: string }).secret;
  }
  return null;
}
