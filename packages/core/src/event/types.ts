/**
 * The event model (DESIGN.md, "Event model"). `EventInput` is what a client sends; `StoredEvent` is what
 * the log keeps and returns. Everything here is plain data.
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const OUTCOMES = ['success', 'failure'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Actor {
  type: string;
  id: string;
  name?: string;
  email?: string;
}

export interface Entity {
  type: string;
  id: string;
  name?: string;
}

export interface Change {
  field: string;
  old?: unknown;
  new?: unknown;
}

export interface EventContext {
  ip?: string;
  userAgent?: string;
  route?: string;
  requestId?: string;
  [key: string]: unknown;
}

/** An event as a client sends it. Only `type` and `actor` are required. */
export interface EventInput {
  type: string;
  action?: string;
  severity?: Severity;
  outcome?: Outcome;
  actor: Actor;
  entity?: Entity;
  stream?: string;
  expectedVersion?: number;
  source?: string;
  changes?: Change[];
  context?: EventContext;
  data?: Record<string, unknown>;
  tags?: string[];
  correlationId?: string;
  causationId?: string;
  occurredAt?: string;
  idempotencyKey?: string;
}

/** An event as the log keeps it: the client's fields (masked) plus what the server adds. */
export interface StoredEvent {
  id: string;
  tenant: string;
  position: number;
  stream: string;
  streamVersion: number;
  type: string;
  action?: string;
  severity: Severity;
  outcome?: Outcome;
  actor: Actor;
  entity?: Entity;
  source?: string;
  changes?: Change[];
  context?: EventContext;
  data?: Record<string, unknown>;
  tags?: string[];
  correlationId?: string;
  causationId?: string;
  occurredAt: string;
  recordedAt: string;
  idempotencyKey?: string;
  /** JSON-pointer-like paths (`/data/api_key`) of the values that masking replaced or dropped. */
  masked?: string[];
  /** Lowercase hex SHA-256 over 0x00 ‖ JCS(event without hash). */
  hash: string;
}

/** A stored event before commit: everything but what the commit assigns (position, version, hash). */
export type UnsealedEvent = Omit<StoredEvent, 'position' | 'streamVersion' | 'hash'>;

/**
 * An event ready to append: validated, masked and normalised, with its id and recording time. Plain data, so it
 * can be cloned to a writer thread or serialised as it is.
 */
export interface PreparedEvent {
  event: UnsealedEvent;
  /** The stream version the client expects before this event (0 = the stream must not exist yet). */
  expectedVersion?: number;
  /**
   * Set exactly when the event carries an idempotency key: identifies the client's content, so a retry with the
   * key can be told apart from a different event reusing it. A keyless event has nothing to compare it with.
   */
  fingerprint?: string;
}

/** What an append reports for one event (the 201 body's `events[]`). */
export interface AppendResult {
  id: string;
  position: number;
  stream: string;
  streamVersion: number;
  hash: string;
  duplicate?: true;
}

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);
