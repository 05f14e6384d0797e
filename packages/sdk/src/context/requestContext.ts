/**
 * Who and where an event comes from, carried through AsyncLocalStorage: the middleware (or withContext for jobs)
 * sets it once, and every record() in that request, including in promises, timers and callbacks the request
 * started, picks it up. Explicit fields on the event always win over the context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor, EventInput } from '@vellum/core';

export type Source = 'ui' | 'api' | 'console' | 'system';

export interface RequestContext {
  actor?: Actor;
  source?: string;
  ip?: string;
  userAgent?: string;
  route?: string;
  requestId?: string;
  correlationId?: string;
  causationId?: string;
  /** More keys for the event's `context` (masked like the rest). */
  extra?: Record<string, unknown>;
}

/** An event for record(): `actor` may come from the context instead. */
export type RecordInput = Omit<EventInput, 'actor'> & { actor?: Actor };

/**
 * A context whose fields are read when an event is recorded, not when the request starts: the actor is usually
 * known only after the authentication hook, and Express knows the route only after routing.
 */
export type ContextProvider = () => RequestContext;

const storage = new AsyncLocalStorage<ContextProvider>();

/**
 * Runs `fn` with `ctx` attached to every event it records (a job, a queue consumer, a script). Nested calls
 * merge, the inner context winning.
 *
 * @example
 * await withContext({ actor: { type: 'system', id: 'nightly-billing' }, source: 'system' }, () => runBilling());
 */
export function withContext<T>(ctx: RequestContext | ContextProvider, fn: () => T): T {
  const outer = storage.getStore();
  const inner: ContextProvider = typeof ctx === 'function' ? ctx : () => ctx;
  const provider: ContextProvider = outer === undefined ? inner : () => mergeContexts(outer(), inner());
  return storage.run(provider, fn);
}

/** The context in force here, if any. */
export function currentContext(): RequestContext | undefined {
  const provider = storage.getStore();
  return provider === undefined ? undefined : provider();
}

function mergeContexts(outer: RequestContext, inner: RequestContext): RequestContext {
  const out: RequestContext = { ...outer };
  for (const [k, v] of Object.entries(inner)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  if (outer.extra !== undefined || inner.extra !== undefined) out.extra = { ...outer.extra, ...inner.extra };
  return out;
}

/** The event with the context's fields filled in where the event left them out. */
export function applyContext(event: RecordInput, ctx: RequestContext | undefined): RecordInput {
  if (ctx === undefined) return event;
  const out: RecordInput = { ...event };
  if (out.actor === undefined && ctx.actor !== undefined) out.actor = ctx.actor;
  if (out.source === undefined && ctx.source !== undefined) out.source = ctx.source;
  if (out.correlationId === undefined && ctx.correlationId !== undefined) out.correlationId = ctx.correlationId;
  if (out.causationId === undefined && ctx.causationId !== undefined) out.causationId = ctx.causationId;
  const fromCtx: Record<string, unknown> = { ...ctx.extra };
  if (ctx.ip !== undefined) fromCtx['ip'] = ctx.ip;
  if (ctx.userAgent !== undefined) fromCtx['userAgent'] = ctx.userAgent;
  if (ctx.route !== undefined) fromCtx['route'] = ctx.route;
  if (ctx.requestId !== undefined) fromCtx['requestId'] = ctx.requestId;
  if (Object.keys(fromCtx).length > 0) {
    const explicit = event.context !== undefined && typeof event.context === 'object' && event.context !== null ? event.context : {};
    out.context = { ...fromCtx, ...explicit };
  }
  return out;
}
