/**
 * What both middlewares derive from a request the same way: source by rules, request id, and the correlation
 * id from a W3C traceparent.
 */
import { randomUUID } from 'node:crypto';
import type { Actor } from '@vellum/core';
import type { RequestContext, Source } from './requestContext.ts';

/** A rule choosing the source: the first that matches wins. */
export interface SourceRule {
  /** The request path starts with this (`/admin`). */
  pathPrefix?: string;
  /** The request has this header (lowercase name)... */
  header?: string;
  /** ...with exactly this value (omit to match any value). */
  headerValue?: string;
  source: Source;
}

export interface MiddlewareOptions<Req> {
  /** The actor of the request, read when an event is recorded (so after your authentication ran). */
  actor?: (request: Req) => Actor | undefined;
  /** Rules for `source`; the first match wins. Default: none, so every request gets `defaultSource`. */
  sources?: SourceRule[] | ((request: Req) => Source | undefined);
  /** Default `api`. */
  defaultSource?: Source;
  /** Header carrying the caller's request id. Default `x-request-id`; without it the framework's id or a UUID. */
  requestIdHeader?: string;
}

export interface RequestFacts {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  ip: string | undefined;
  frameworkRequestId: string | undefined;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
// Request ids come from outside: keep them to what the server accepts in an event without fuss.
const SAFE_ID = /^[\x21-\x7e]{1,128}$/;

const header = (headers: RequestFacts['headers'], name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The trace id of a valid W3C traceparent (version 00 layout, not all zeros), else undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  if (traceparent === undefined) return undefined;
  const m = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!) || traceparent.startsWith('ff')) return undefined;
  return m[1];
}

export function sourceOf<Req>(request: Req, facts: RequestFacts, options: MiddlewareOptions<Req>): Source {
  const rules = options.sources;
  if (typeof rules === 'function') return rules(request) ?? options.defaultSource ?? 'api';
  for (const rule of rules ?? []) {
    if (rule.pathPrefix !== undefined && !facts.path.startsWith(rule.pathPrefix)) continue;
    if (rule.header !== undefined) {
      const v = header(facts.headers, rule.header.toLowerCase());
      if (v === undefined || (rule.headerValue !== undefined && v !== rule.headerValue)) continue;
    }
    return rule.source;
  }
  return options.defaultSource ?? 'api';
}

/** The fixed part of a request's context (everything but actor and route, which are read lazily). */
export function baseContext<Req>(request: Req, facts: RequestFacts, options: MiddlewareOptions<Req>): RequestContext {
  const given = header(facts.headers, (options.requestIdHeader ?? 'x-request-id').toLowerCase());
  const requestId = given !== undefined && SAFE_ID.test(given) ? given : (facts.frameworkRequestId ?? randomUUID());
  const ua = header(facts.headers, 'user-agent');
  return {
    source: sourceOf(request, facts, options),
    requestId,
    correlationId: traceIdOf(header(facts.headers, 'traceparent')) ?? requestId,
    ...(facts.ip === undefined ? {} : { ip: facts.ip }),
    ...(ua === undefined ? {} : { userAgent: ua.slice(0, 512) }),
  };
}
