/**
 * Fold-in: a captured change that an explicit event already records is not stored again. Pure: the worker fetches
 * the candidates (same entity, occurredAt inside the window) and keeps the set of explicit changes already used.
 */
import type { Change, StoredEvent } from '@vellum/core';
import { canonicalJson } from '@vellum/core';
import { CAPTURE_KEY_PREFIX } from './capturedEvent.ts';

/** `<event id>/<field>`: one explicit change absorbs one captured change, never two. */
export type ConsumedChanges = Set<string>;

export interface FoldResult {
  /** The changes no explicit event records: these are stored as a captured event. */
  remaining: Change[];
  folded: { field: string; eventId: string }[];
}

/** Absent and null are the same value to a column ("no value"). */
const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);

export const isCapturedEvent = (e: Pick<StoredEvent, 'idempotencyKey'>): boolean => e.idempotencyKey?.startsWith(CAPTURE_KEY_PREFIX) === true;

/**
 * Matches each captured change (already masked as the server would mask it) against the candidates' changes: same
 * entity, same field, same old → new, not itself a captured event, not already used. Candidates are taken oldest
 * first so that repeated identical changes pair up in order.
 */
export function foldChanges(
  entity: { type: string; id: string },
  captured: readonly Change[],
  candidates: readonly StoredEvent[],
  consumed: ConsumedChanges,
): FoldResult {
  const explicit = candidates
    .filter((e) => !isCapturedEvent(e) && e.entity?.type === entity.type && e.entity.id === entity.id)
    .sort((a, b) => a.position - b.position);
  const remaining: Change[] = [];
  const folded: FoldResult['folded'] = [];
  for (const change of captured) {
    const match = explicit.find(
      (e) =>
        !consumed.has(`${e.id}/${change.field}`) &&
        (e.changes ?? []).some((c) => c.field === change.field && same(c.old, change.old) && same(c.new, change.new)),
    );
    if (match === undefined) {
      remaining.push(change);
    } else {
      consumed.add(`${match.id}/${change.field}`);
      folded.push({ field: change.field, eventId: match.id });
    }
  }
  return { remaining, folded };
}
