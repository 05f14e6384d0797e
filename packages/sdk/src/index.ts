/**
 * @vellum/sdk: record audit events without blocking the request that caused them (a durable SQLite outbox and a
 * background flusher), build `changes` with diff(), carry request context through Fastify and Express, and read
 * events back, or follow them live with client.live(). See packages/sdk/README.md.
 */
export { createClient } from './client/VellumClient.ts';
export type { VellumClient, RecordReceipt, ClientStats, CloseResult, DeadLetters } from './client/VellumClient.ts';
export type { DeadLetter } from './outbox/SqliteOutbox.ts';
export { SDK_DEFAULTS } from './options.ts';
export type { ClientOptions, ClientErrorInfo } from './options.ts';
export type { RetryPolicy } from './http/backoff.ts';
export { backoffDelay, parseRetryAfter } from './http/backoff.ts';
export {
  VellumOptionsError, VellumRequestError, VellumNetworkError, VellumRecordError, VellumOutboxLockedError, VellumTimeoutError,
} from './errors.ts';
export { diff } from './diff/diff.ts';
export type { DiffOptions } from './diff/diff.ts';
export { withContext, currentContext } from './context/requestContext.ts';
export type { RequestContext, RecordInput, Source, ContextProvider } from './context/requestContext.ts';
export { traceIdOf } from './context/requestFacts.ts';
export type { SourceRule, MiddlewareOptions } from './context/requestFacts.ts';
export { vellumFastify } from './context/vellumFastify.ts';
export type { VellumFastifyOptions } from './context/vellumFastify.ts';
export { vellumExpress } from './context/vellumExpress.ts';
export type { VellumExpressOptions } from './context/vellumExpress.ts';
export type { SearchFilter, SearchPage, TrailOptions, TrailPage } from './read/readEvents.ts';
export type { LiveFilter, LiveOptions } from './read/liveEvents.ts';
export type { EventInput, StoredEvent, AppendResult, Change, Actor, Entity, Severity } from '@vellum/core';
export { withAuditContext, AUDIT_CONTEXT_SETTING } from './withAuditContext.ts';
export type { AuditContext, QueryableClient } from './withAuditContext.ts';
