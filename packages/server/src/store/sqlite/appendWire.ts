import { VellumError, isVellumError } from '@vellum/core';
import type { AppendOutcome, AppendResult, ErrorCode, ErrorDetail } from '@vellum/core';
import { storeError } from './appendBatches.ts';

/**
 * Append outcomes as plain data, for the trip from the writer thread back to the main thread: structured
 * clone keeps an Error's message but not its class or fields (code, meta), so errors travel as fields and
 * are rebuilt on arrival.
 */
export type WireError =
  | { kind: 'vellum'; code: ErrorCode; message: string; details: ErrorDetail[]; meta?: Record<string, unknown> }
  | { kind: 'other'; name: string; message: string; code?: string };

export type WireOutcome =
  | { status: 'committed'; results: AppendResult[] }
  | { status: 'rejected'; error: WireError };

export function errorToWire(error: unknown): WireError {
  if (isVellumError(error)) {
    return error.meta === undefined
      ? { kind: 'vellum', code: error.code, message: error.message, details: error.details }
      : { kind: 'vellum', code: error.code, message: error.message, details: error.details, meta: error.meta };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? { kind: 'other', name: e.name, message: e.message, code } : { kind: 'other', name: e.name, message: e.message };
}

export function errorFromWire(wire: WireError): unknown {
  if (wire.kind === 'vellum') {
    return new VellumError(wire.code, wire.meta === undefined
      ? { message: wire.message, details: wire.details }
      : { message: wire.message, details: wire.details, meta: wire.meta });
  }
  const error = Object.assign(new Error(`SQLite writer thread: ${wire.message}`), wire.code === undefined ? {} : { code: wire.code });
  error.name = wire.name;
  return storeError(error);
}

export const outcomeToWire = (outcome: AppendOutcome): WireOutcome =>
  outcome.status === 'committed' ? outcome : { status: 'rejected', error: errorToWire(outcome.error) };

export const outcomeFromWire = (wire: WireOutcome): AppendOutcome =>
  wire.status === 'committed' ? wire : { status: 'rejected', error: errorFromWire(wire.error) as VellumError };
