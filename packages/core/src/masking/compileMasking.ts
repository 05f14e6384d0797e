import type { EventInput } from '../event/types.ts';

export type MaskingStrategy = 'partial' | 'redact' | 'hash' | 'drop';

export interface MaskingRule {
  /** A key name (matched case-, `_`/`-`/space- and camelCase-insensitively, as a substring) or `/regex/flags`. */
  key: string;
  strategy?: MaskingStrategy;
}

export interface MaskingConfig {
  /** Apply the built-in sensitive keys (password, secret, token, api key, ...). Default true. */
  defaults?: boolean;
  /** Strategy for the built-in keys. Default 'partial'. */
  defaultStrategy?: MaskingStrategy;
  rules?: MaskingRule[];
  /** Per-tenant extra rules. */
  tenants?: Record<string, MaskingRule[]>;
  /** Secret for the `hash` strategy (HMAC-SHA256). Required if any rule uses `hash`. */
  hashKey?: string;
}

export interface MaskResult {
  event: EventInput;
  /** Paths of masked values, e.g. `/data/credentials/api_key`, `/changes/0/new`. */
  masked: string[];
}

export interface Masker {
  maskEvent(tenant: string, event: EventInput): MaskResult;
}

/** Compiles the rules once; throws VellumError INVALID_CONFIG naming every bad rule. */
export function compileMasking(config: MaskingConfig): Masker {
  void config;
  throw new Error('not implemented');
}
