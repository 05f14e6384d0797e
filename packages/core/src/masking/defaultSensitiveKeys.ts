/**
 * The keys masked out of the box (DESIGN.md, "Masking"). Matching ignores case, separators and camelCase,
 * and a key matches when it contains the pattern (`db_password`, `X-Api-Key`, `stripeSecretKey`); patterns
 * shorter than four letters must be a whole word of the key instead, so `ssn` masks `user_ssn` and `SSNLast4`
 * but not `business_name`.
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'token',
  'api key',
  'authorization',
  'cookie',
  'private key',
  'client secret',
  'credit card',
  'card number',
  'ssn',
];
