import type { MaskingStrategy } from './compileMasking.ts';

/** A rule ready to test keys with. */
export type KeyRule =
  | { kind: 'contains'; pattern: string; strategy: MaskingStrategy }
  | { kind: 'word'; pattern: string; strategy: MaskingStrategy }
  | { kind: 'regex'; pattern: RegExp; strategy: MaskingStrategy };

/** The strategy for a key, or undefined when the key is not sensitive. */
export type KeyClassifier = (key: string) => MaskingStrategy | undefined;

// Below this length a substring match misfires too often (`ssn` in `business_name`), so the pattern must be a word.
const MIN_CONTAINS_LENGTH = 4;
// Keys come from clients, so the cache is bounded; it is simply emptied when full (hot keys return at once).
const CACHE_LIMIT = 4096;

const isAsciiAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/**
 * Separates the words of a key: ASCII punctuation and spaces, and Unicode white space too — `api\u00a0key` (a
 * no-break space) is as much an API key as `api key`, and must not slip past the masking by its spelling.
 */
const isSeparator = (c: number): boolean => (c < 128 ? !isAsciiAlnum(c) : /\s/.test(String.fromCharCode(c)));

/** Lowercase, without separators: `X-API_Key` → `xapikey`, `apiKey` → `apikey`. */
export function normaliseKey(key: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (isSeparator(c)) {
      out += key.slice(start, i);
      start = i + 1;
    }
  }
  return (start === 0 ? key : out + key.slice(start)).toLowerCase();
}

/** The words of a key, lowercased: `userSSNLast4` → user, ssn, last, 4; `x-api_key` → x, api, key. */
export function splitKeyWords(key: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= key.length; i++) {
    const c = i < key.length ? key.charCodeAt(i) : 32;
    const separator = isSeparator(c);
    if (start >= 0) {
      const p = key.charCodeAt(i - 1);
      const boundary = separator
        || (isUpper(c) && (isLower(p) || isDigit(p)))
        // the last capital of an acronym starts the next word: SSNNumber → SSN, Number
        || (isUpper(c) && isUpper(p) && i + 1 < key.length && isLower(key.charCodeAt(i + 1)))
        || (isDigit(c) !== isDigit(p) && !separator && c < 128 && p < 128);
      if (boundary) {
        words.push(key.slice(start, i).toLowerCase());
        start = -1;
      }
    }
    if (start < 0 && !separator) start = i;
  }
  return words;
}

/** Turns a rule's key (a name, or `/regex/flags` already parsed) into a KeyRule. */
export function keyRule(key: string | RegExp, strategy: MaskingStrategy): KeyRule {
  if (typeof key !== 'string') return { kind: 'regex', pattern: key, strategy };
  const pattern = normaliseKey(key);
  return { kind: pattern.length < MIN_CONTAINS_LENGTH ? 'word' : 'contains', pattern, strategy };
}

function wordsMatch(words: readonly string[], pattern: string): boolean {
  // Consecutive words may spell the pattern together (`s_s_n`); usually it is a single word.
  for (let i = 0; i < words.length; i++) {
    let joined = '';
    for (let j = i; j < words.length && joined.length < pattern.length; j++) {
      joined += words[j];
      if (joined === pattern) return true;
    }
  }
  return false;
}

/** First matching rule wins. Results are cached per raw key. */
export function compileKeyClassifier(rules: readonly KeyRule[]): KeyClassifier {
  const cache = new Map<string, MaskingStrategy | null>();
  const needsWords = rules.some((r) => r.kind === 'word');
  return (key: string) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const normalised = normaliseKey(key);
    const words = needsWords ? splitKeyWords(key) : [];
    let result: MaskingStrategy | null = null;
    for (const rule of rules) {
      const match = rule.kind === 'contains' ? normalised.includes(rule.pattern)
        : rule.kind === 'word' ? wordsMatch(words, rule.pattern)
        : rule.pattern.test(key);
      if (match) {
        result = rule.strategy;
        break;
      }
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, result);
    return result ?? undefined;
  };
}
