/** Sizes and counts a subscription request may reach, in one place (docs/subscriptions.md lists them). */
export const SUBSCRIPTION_LIMITS = {
  /** Characters in a subscription's name. */
  nameChars: 100,
  /** Subscriptions one tenant may have: each costs a worker's attention on every commit of the tenant. */
  perTenant: 100,
  /** Values of one array filter (types, severities, tags), as for a repeated search parameter. */
  filterValues: 100,
  /** `GET .../deliveries?limit=`: the store keeps at least the newest 200. */
  deliveriesDefault: 50,
  deliveriesMax: 200,
  /** `GET .../dead-letters?limit=`. */
  deadLettersDefault: 100,
  deadLettersMax: 1000,
  /** Dead letters named in one retry or purge, and retried at once when none are named. */
  deadLetterIds: 100,
  /** `POST .../rotate-secret`: how long the old secret keeps signing beside the new one. */
  graceSecondsDefault: 86_400,
  graceSecondsMax: 30 * 86_400,
  /** Re-reads after a compare-and-set lost to a concurrent change (the worker moving the cursor) before giving up. */
  updateAttempts: 8,
} as const;
