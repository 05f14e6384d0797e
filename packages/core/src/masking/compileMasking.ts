import { VellumError } from '../errors/registry.ts';
import type { ErrorDetail } from '../errors/registry.ts';
import type { EventInput } from '../event/types.ts';
import { jsonPointer } from '../validation/jsonPointer.ts';
import { compileKeyClassifier, keyRule, normaliseKey } from './compileKeyClassifier.ts';
import type { KeyClassifier, KeyRule } from './compileKeyClassifier.ts';
import { DEFAULT_SENSITIVE_KEYS } from './defaultSensitiveKeys.ts';
import { maskEventWith } from './maskEvent.ts';

export { DEFAULT_SENSITIVE_KEYS } from './defaultSensitiveKeys.ts';
export { REDACTED } from './applyMaskingStrategy.ts';

export type MaskingStrategy = 'partial' | 'redact' | 'hash' | 'drop';

export const MASKING_STRATEGIES: readonly MaskingStrategy[] = ['partial', 'redact', 'hash', 'drop'];

export interface MaskingRule {
  /**
   * A key name, matched case-, separator- (`_`, `-`, space, `.`, any ASCII punctuation) and camelCase-insensitively as a substring
   * (`api key` masks `x-api-key` and `stripeApiKey`; names shorter than 4 letters must be a whole word of the
   * key), or `/regex/flags`, tested against the key as sent.
   */
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

/** Defaults of the masking configuration, in one place. */
export const MASKING_DEFAULTS = {
  defaults: true,
  defaultStrategy: 'partial',
  /** HMAC keys shorter than this are guessable enough to let anyone reverse hashed low-entropy values. */
  minHashKeyChars: 16,
} as const satisfies { defaults: boolean; defaultStrategy: MaskingStrategy; minHashKeyChars: number };

const CONFIG_OPTIONS = ['defaults', 'defaultStrategy', 'rules', 'tenants', 'hashKey'];
const RULE_FIELDS = ['key', 'strategy'];
const strategyMessage = (v: unknown): string =>
  `unknown strategy ${JSON.stringify(v) ?? String(v)}; use one of ${MASKING_STRATEGIES.join(', ')}`;
const HASH_KEY_MESSAGE = `the hash strategy needs masking.hashKey, a secret of at least ${MASKING_DEFAULTS.minHashKeyChars} characters`;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrategy = (v: unknown): v is MaskingStrategy => typeof v === 'string' && (MASKING_STRATEGIES as readonly string[]).includes(v);

/**
 * Compiles the rules once; throws VellumError INVALID_CONFIG naming every bad rule (`/masking/rules/2/key`).
 *
 * The masker masks values under sensitive keys in `data` and `context` at any depth (inside arrays too), the
 * `old`/`new` of a change whose `field` is sensitive, and sensitive keys inside other changes' values. A
 * sensitive key's whole value is masked, whatever its shape. Tenant rules come first, then `rules`, then the
 * built-in keys; the first match decides the strategy. Input events are never mutated.
 */
export function compileMasking(config: MaskingConfig): Masker {
  const details: ErrorDetail[] = [];
  const bad = (segments: (string | number)[], message: string): void => {
    details.push({ path: jsonPointer('/masking', segments), message });
  };
  if (!isRecord(config)) {
    throw new VellumError('INVALID_CONFIG', { details: [{ path: '/masking', message: 'must be an object' }] });
  }
  for (const key of Object.keys(config)) {
    if (!CONFIG_OPTIONS.includes(key)) bad([key], `unknown option; known: ${CONFIG_OPTIONS.join(', ')}`);
  }

  const hashKeyValue: unknown = config.hashKey;
  let hashKey: string | undefined;
  if (hashKeyValue !== undefined) {
    if (typeof hashKeyValue !== 'string' || hashKeyValue.length < MASKING_DEFAULTS.minHashKeyChars) {
      bad(['hashKey'], `must be a secret string of at least ${MASKING_DEFAULTS.minHashKeyChars} characters`);
    } else {
      hashKey = hashKeyValue;
    }
  }
  // A bad hashKey is reported once, above, rather than again at every rule that uses hash.
  const checkHash = (strategy: MaskingStrategy, segments: (string | number)[]): void => {
    if (strategy === 'hash' && hashKeyValue === undefined) bad(segments, HASH_KEY_MESSAGE);
  };

  const useDefaults: unknown = config.defaults ?? MASKING_DEFAULTS.defaults;
  if (typeof useDefaults !== 'boolean') bad(['defaults'], 'must be true or false');
  const defaultStrategy: unknown = config.defaultStrategy ?? MASKING_DEFAULTS.defaultStrategy;
  if (!isStrategy(defaultStrategy)) bad(['defaultStrategy'], strategyMessage(defaultStrategy));
  else if (useDefaults !== false) checkHash(defaultStrategy, ['defaultStrategy']);

  const compileRules = (rules: unknown, segments: (string | number)[]): KeyRule[] => {
    if (rules === undefined) return [];
    if (!Array.isArray(rules)) {
      bad(segments, 'must be an array of rules like { "key": "iban", "strategy": "redact" }');
      return [];
    }
    const out: KeyRule[] = [];
    rules.forEach((rule: unknown, i) => {
      const at = [...segments, i];
      if (!isRecord(rule)) {
        bad(at, 'must be a rule like { "key": "iban", "strategy": "redact" }');
        return;
      }
      for (const field of Object.keys(rule)) {
        if (!RULE_FIELDS.includes(field)) bad([...at, field], 'unknown rule field; known: key, strategy');
      }
      const strategy: unknown = rule['strategy'] ?? 'partial';
      if (!isStrategy(strategy)) bad([...at, 'strategy'], strategyMessage(strategy));
      else checkHash(strategy, [...at, 'strategy']);
      const key = compileRuleKey(rule['key']);
      if (typeof key === 'object' && 'problem' in key) bad([...at, 'key'], key.problem);
      else if (isStrategy(strategy)) out.push(keyRule(key, strategy));
    });
    return out;
  };

  const globalRules = compileRules(config.rules, ['rules']);
  const tenantRules = new Map<string, KeyRule[]>();
  if (config.tenants !== undefined) {
    if (!isRecord(config.tenants)) {
      bad(['tenants'], 'must be an object of tenant id → rules');
    } else {
      for (const tenant of Object.keys(config.tenants)) {
        tenantRules.set(tenant, compileRules(config.tenants[tenant], ['tenants', tenant]));
      }
    }
  }
  if (details.length > 0) {
    throw new VellumError('INVALID_CONFIG', {
      message: `The masking configuration is not valid: ${details.length} problem${details.length === 1 ? '' : 's'}; see details.`,
      details,
    });
  }

  const builtIn = useDefaults === false
    ? []
    : DEFAULT_SENSITIVE_KEYS.map((k) => keyRule(k, defaultStrategy as MaskingStrategy));
  const base = [...globalRules, ...builtIn];
  const globalClassifier = compileKeyClassifier(base);
  const tenantClassifiers = new Map<string, KeyClassifier>();
  for (const [tenant, rules] of tenantRules) {
    if (rules.length > 0) tenantClassifiers.set(tenant, compileKeyClassifier([...rules, ...base]));
  }

  return {
    maskEvent(tenant: string, event: EventInput): MaskResult {
      return maskEventWith(tenantClassifiers.get(tenant) ?? globalClassifier, hashKey, event);
    },
  };
}

/** A rule's key as a name or a RegExp, or why it is refused. */
function compileRuleKey(key: unknown): string | RegExp | { problem: string } {
  if (typeof key !== 'string') return { problem: 'must be a key name like api_key, or a /regex/' };
  if (key.startsWith('/') && key.length > 1) {
    const close = key.lastIndexOf('/');
    if (close === 0) return { problem: 'starts like a /regex/ but has no closing /' };
    const source = key.slice(1, close);
    if (source === '') return { problem: 'an empty /regex/ would mask every key' };
    // g and y make RegExp.test stateful across keys, which would mask a key one time and not the next.
    const flags = key.slice(close + 1).replace(/[gy]/g, '');
    try {
      return new RegExp(source, flags);
    } catch (e) {
      return { problem: `is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  if (normaliseKey(key) === '') return { problem: 'must name a key (like api_key, with at least one letter or digit) or be a /regex/' };
  return key;
}
