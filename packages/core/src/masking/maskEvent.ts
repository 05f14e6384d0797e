import type { Change, EventInput } from '../event/types.ts';
import { jsonPointer } from '../validation/jsonPointer.ts';
import { applyMaskingStrategy, REDACTED } from './applyMaskingStrategy.ts';
import type { KeyClassifier } from './compileKeyClassifier.ts';
import type { MaskingStrategy, MaskResult } from './compileMasking.ts';

// Validated events nest at most 32 levels; anything deeper reached us unvalidated and is redacted whole
// rather than walked (fail closed, and no stack overflow).
const MAX_DEPTH = 64;

/** Adds a property without ever triggering the `__proto__` setter. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * One masking pass over one event. Copies only the containers on the way to a masked value, so an event
 * without sensitive keys comes back as the very same object.
 */
class MaskPass {
  readonly masked: string[] = [];
  private readonly path: (string | number)[] = [];

  constructor(private readonly classify: KeyClassifier, private readonly hashKey: string | undefined) {}

  private record(): void {
    this.masked.push(jsonPointer('', this.path, false));
  }

  /** Masks everything under `root`, whose pointer is `segments`. */
  under(segments: readonly (string | number)[], root: unknown): unknown {
    this.path.length = 0;
    this.path.push(...segments);
    return this.value(root, 1);
  }

  replace(strategy: Exclude<MaskingStrategy, 'drop'>, value: unknown): unknown {
    this.record();
    return applyMaskingStrategy(strategy, value, this.hashKey);
  }

  value(v: unknown, depth: number): unknown {
    if (typeof v !== 'object' || v === null) return v;
    if (depth > MAX_DEPTH) {
      this.record();
      return REDACTED;
    }
    return Array.isArray(v) ? this.array(v, depth) : this.object(v as Record<string, unknown>, depth);
  }

  private array(arr: readonly unknown[], depth: number): unknown[] {
    let out: unknown[] | undefined;
    for (let i = 0; i < arr.length; i++) {
      const item = arr[i];
      if (typeof item !== 'object' || item === null) {
        if (out !== undefined) out.push(item);
        continue;
      }
      this.path.push(i);
      const next = this.value(item, depth + 1);
      this.path.pop();
      if (out === undefined && next !== item) out = arr.slice(0, i);
      if (out !== undefined) out.push(next);
    }
    return out ?? (arr as unknown[]);
  }

  private object(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(obj);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const v = obj[key];
      let next = v;
      let drop = false;
      if (v !== undefined) {
        const strategy = this.classify(key);
        if (strategy !== undefined || (typeof v === 'object' && v !== null)) {
          this.path.push(key);
          if (strategy === 'drop') {
            drop = true;
            this.record();
          } else if (strategy !== undefined) {
            next = this.replace(strategy, v);
          } else {
            next = this.value(v, depth + 1);
          }
          this.path.pop();
        }
      }
      if (out === undefined) {
        if (!drop && next === v) continue;
        out = {};
        for (let j = 0; j < i; j++) setOwn(out, keys[j] as string, obj[keys[j] as string]);
      }
      if (!drop) setOwn(out, key, next);
    }
    return out ?? obj;
  }

  changes(changes: readonly Change[]): Change[] {
    let out: Change[] | undefined;
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i] as Change;
      const next = this.change(change, i);
      if (out === undefined && next !== change) out = changes.slice(0, i);
      if (out !== undefined) out.push(next);
    }
    return out ?? (changes as Change[]);
  }

  private change(change: Change, i: number): Change {
    if (typeof change !== 'object' || change === null) return change;
    const strategy = typeof change.field === 'string' ? this.classify(change.field) : undefined;
    let out: Change | undefined;
    for (const side of ['old', 'new'] as const) {
      if (!Object.prototype.hasOwnProperty.call(change, side) || change[side] === undefined) continue;
      const v = change[side];
      let next: unknown;
      this.path.length = 0;
      this.path.push('changes', i, side);
      if (strategy === 'drop') {
        this.record();
        out ??= { ...change };
        delete out[side];
        continue;
      } else if (strategy !== undefined) {
        // The field itself is sensitive: the whole value goes, whatever its shape.
        next = this.replace(strategy, v);
      } else {
        next = this.value(v, 1);
      }
      if (next !== v) {
        out ??= { ...change };
        out[side] = next;
      }
    }
    return out ?? change;
  }
}

/** Masks `data`, `context` and `changes` of one event; see compileMasking. */
export function maskEventWith(classify: KeyClassifier, hashKey: string | undefined, event: EventInput): MaskResult {
  const pass = new MaskPass(classify, hashKey);
  let out: EventInput | undefined;
  if (event.data !== undefined && typeof event.data === 'object' && event.data !== null) {
    const data = pass.under(['data'], event.data);
    if (data !== event.data) (out ??= { ...event }).data = data as Record<string, unknown>;
  }
  if (event.context !== undefined && typeof event.context === 'object' && event.context !== null) {
    const context = pass.under(['context'], event.context);
    if (context !== event.context) (out ??= { ...event }).context = context as EventInput['context'];
  }
  if (Array.isArray(event.changes)) {
    const changes = pass.changes(event.changes);
    if (changes !== event.changes) (out ??= { ...event }).changes = changes;
  }
  return { event: out ?? event, masked: pass.masked };
}
