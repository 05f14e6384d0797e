import type { ErrorDetail } from '../errors/registry.ts';
import type { EventInput } from '../event/types.ts';

/** Size limits (DESIGN.md: 64 KiB per event, 1,000 events and 5 MiB per request), configurable. */
export interface IngestLimits {
  maxEventBytes: number;
  maxEventsPerRequest: number;
  maxRequestBytes: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxEventBytes: 64 * 1024,
  maxEventsPerRequest: 1000,
  maxRequestBytes: 5 * 1024 * 1024,
};

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; details: ErrorDetail[] };

/**
 * Validates a POST /v1/events body: one event object, or `{ "events": [...] }`. Reports every violation
 * with its JSON pointer (`/events/3/type`); never throws on any input.
 */
export function validateAppendRequest(body: unknown, limits: IngestLimits): ValidationResult<{ events: EventInput[]; batch: boolean }> {
  void body; void limits;
  throw new Error('not implemented');
}
