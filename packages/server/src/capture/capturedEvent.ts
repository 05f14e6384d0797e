/**
 * Outbox row → Vellum event, as plain functions: the event type rule, the audit context the application set for
 * the transaction, the changes, and the idempotency key that makes every retry of a row land once.
 */
import type { Actor, Change, EventContext, EventInput } from '@vellum/core';
import { isPlainObject } from '@vellum/core';

export interface OutboxRow {
  id: string;
  table_name: string;
  entity_type: string;
  /** Null when the id column was null: the worker refuses such a row rather than guess an entity. */
  entity_id: string | null;
  op: 'insert' | 'update' | 'delete';
  old_values: Record<string, unknown>;
  new_values: Record<string, unknown>;
  context: string | null;
  txid: string;
  captured_at: Date;
}

/** What the application may set in `vellum.context` (JSON); every other key is ignored. */
export interface AuditContext {
  actor?: Actor;
  source?: string;
  correlationId?: string;
  causationId?: string;
  context?: EventContext;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'system' };

const OP_SUFFIX = { insert: 'created', update: 'updated', delete: 'deleted' } as const;
const OP_ACTION = { insert: 'create', update: 'update', delete: 'delete' } as const;

/** `ResellerConfig` + update → `resellerconfig.updated` (install refuses entity types that would not lowercase to a valid segment). */
export const capturedEventType = (entityType: string, op: OutboxRow['op']): string => `${entityType.toLowerCase()}.${OP_SUFFIX[op]}`;

/** Captured events carry this key prefix: fold-in never folds a captured change into another captured event. */
export const CAPTURE_KEY_PREFIX = 'capture:';
export const captureIdempotencyKey = (identity: string, outboxId: string): string => `${CAPTURE_KEY_PREFIX}${identity}:${outboxId}`;

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * The transaction's context, or what is usable of it. A malformed context never drops the change: it is recorded
 * with the system actor and the problem named in `data.capture.contextProblem`, for someone to fix the caller.
 */
export function parseAuditContext(text: string | null): { context: AuditContext | null; problem?: string } {
  if (text === null) return { context: null };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { context: null, problem: 'vellum.context is not JSON' };
  }
  if (!isPlainObject(raw)) return { context: null, problem: 'vellum.context is not a JSON object' };
  const out: AuditContext = {};
  const problems: string[] = [];
  const actor = raw.actor;
  if (actor !== undefined) {
    if (isPlainObject(actor) && isText(actor.type) && isText(actor.id)) {
      out.actor = { type: actor.type, id: actor.id };
      if (isText(actor.name)) out.actor.name = actor.name;
      if (isText(actor.email)) out.actor.email = actor.email;
    } else problems.push('actor needs string type and id');
  }
  for (const key of ['source', 'correlationId', 'causationId'] as const) {
    if (raw[key] === undefined) continue;
    if (isText(raw[key])) out[key] = raw[key];
    else problems.push(`${key} must be a non-empty string`);
  }
  if (raw.context !== undefined) {
    if (isPlainObject(raw.context)) out.context = raw.context as EventContext;
    else problems.push('context must be an object');
  }
  return problems.length === 0 ? { context: out } : { context: out, problem: problems.join('; ') };
}

/** One change per captured column the row holds (an update holds only the columns that changed). */
export function changesOf(row: OutboxRow): Change[] {
  const fields = Object.keys(row.op === 'delete' ? row.old_values : row.new_values);
  return fields.map((field) => {
    const change: Change = { field };
    if (row.op !== 'insert') change.old = row.old_values[field] ?? null;
    if (row.op !== 'delete') change.new = row.new_values[field] ?? null;
    return change;
  });
}

/**
 * The event recorded for a row's changes that no explicit event recorded. Deterministic in the row (occurredAt is
 * the capture time), so a retry after a crash sends the same body under the same idempotency key.
 */
export function buildCapturedEvent(row: OutboxRow, identity: string, changes: Change[], folded: { field: string; eventId: string }[]): EventInput {
  const { context, problem } = parseAuditContext(row.context);
  const event: EventInput = {
    type: capturedEventType(row.entity_type, row.op),
    action: OP_ACTION[row.op],
    actor: context?.actor ?? SYSTEM_ACTOR,
    entity: { type: row.entity_type, id: row.entity_id ?? '' },
    changes,
    occurredAt: row.captured_at.toISOString(),
    idempotencyKey: captureIdempotencyKey(identity, row.id),
    data: {
      capture: {
        table: row.table_name,
        txid: row.txid,
        outboxId: row.id,
        ...(folded.length > 0 ? { folded } : {}),
        ...(problem === undefined ? {} : { contextProblem: problem }),
      },
    },
  };
  // No context at all: a code path outside any request (a job, a psql session). With a context but no source, we
  // leave source out rather than claim "system" for a user's action.
  const source = context === null ? 'system' : context.source;
  if (source !== undefined) event.source = source;
  if (context?.correlationId !== undefined) event.correlationId = context.correlationId;
  if (context?.causationId !== undefined) event.causationId = context.causationId;
  if (context?.context !== undefined) event.context = context.context;
  return event;
}
