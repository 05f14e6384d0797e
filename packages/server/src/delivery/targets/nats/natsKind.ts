import { connect, type NatsConnection, type JetStreamClient } from 'nats';
import { parseTemplate, templateValue, type ErrorDetail, type StoredEvent, type Template } from '@vellum/core';
import type { DeliveryResult, DeliveryTarget, ParsedTarget } from '../../DeliveryTarget.ts';
import { commonChecks, snippet, storedSchedule, scheduleView, type TargetKind, type TargetLog } from '../targetKind.ts';

export interface NatsKindOptions {
  /** null: the server has no NATS, so `nats` targets are refused. */
  url: string | null;
  requestTimeoutMs: number;
  log: TargetLog;
}

/** A rendered value is cut to this many characters, so an event field cannot make a subject of any length. */
const VALUE_CHARS = 128;

/**
 * A value made into one subject token: `.` (token separator), `*` and `>` (wildcards), whitespace and control
 * characters become `_`; an empty or absent value is `_` (the event is still published, never silently dropped).
 */
export function subjectToken(value: string | null): string {
  if (value === null || value === '') return '_';
  return value.slice(0, VALUE_CHARS).replace(/[.*>\s\x00-\x1f\x7f]/g, '_');
}

/** Renders a subject template for one event (every placeholder becomes one safe token). */
export function renderSubject(template: Template, event: StoredEvent): string {
  let out = '';
  for (const part of template.parts) out += typeof part === 'string' ? part : subjectToken(templateValue(event, part.path));
  return out;
}

/** Why a template cannot render a valid subject (the placeholders stand for safe tokens), or null. */
function subjectProblem(template: Template): string | null {
  const sample = template.parts.map((p) => (typeof p === 'string' ? p : 'x')).join('');
  if (/[\s\x00-\x1f\x7f]/.test(sample)) return 'must not contain whitespace or control characters';
  const tokens = sample.split('.');
  if (tokens.some((t) => t === '')) return 'must be tokens separated by single dots (no empty token, no leading or trailing dot)';
  if (tokens.some((t) => t.includes('*') || t.includes('>'))) return 'must not contain the wildcards * or > (a message is published to one subject)';
  return null;
}

/** NATS JetStream: targets `{ kind: 'nats', subject: 'audit.{tenant}.{type}', retrySchedule? }`. */
export function natsKind(options: NatsKindOptions): TargetKind {
  const { url, requestTimeoutMs, log } = options;
  let connection: Promise<{ nc: NatsConnection; js: JetStreamClient }> | null = null;
  let closed = false;

  /** The connection, opened on first use; a failed attempt is forgotten so the next delivery tries again. */
  function jetstream(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    if (url === null) return Promise.reject(new Error('the server has no NATS (nats.url)'));
    if (closed) return Promise.reject(new Error('delivery targets are closed'));
    if (connection === null) {
      connection = connect({ servers: url, name: 'vellum-delivery', timeout: Math.min(10_000, requestTimeoutMs), reconnect: true, maxReconnectAttempts: -1 }).then(
        (nc) => {
          void nc.closed().then((err) => {
            if (err !== undefined && !closed) log.warn({ error: snippet(String(err)) }, 'the NATS connection for delivery closed');
            connection = null;
          });
          return { nc, js: nc.jetstream({ timeout: requestTimeoutMs }) };
        },
        (e: unknown) => {
          connection = null;
          throw e;
        },
      );
    }
    return connection;
  }

  return {
    async parse(input, path, _previous): Promise<ParsedTarget> {
      const problems: ErrorDetail[] = [];
      const retrySchedule = commonChecks(input, ['subject'], path, problems);
      if (url === null) problems.push({ path: `${path}/kind`, message: 'nats targets need a NATS server: this server has none configured (nats.url, VELLUM_NATS_URL)' });
      const at = `${path}/subject`;
      if (typeof input.subject !== 'string' || input.subject === '') {
        problems.push({ path: at, message: 'is required: a subject template such as "audit.{tenant}.{type}"' });
      } else {
        const parsed = parseTemplate(input.subject);
        if (!parsed.ok) for (const m of parsed.problems) problems.push({ path: at, message: m });
        else {
          const problem = subjectProblem(parsed.template);
          if (problem !== null) problems.push({ path: at, message: problem });
        }
      }
      if (problems.length > 0) return { ok: false, problems };
      return { ok: true, target: { kind: 'nats', subject: input.subject as string, ...(retrySchedule === undefined ? {} : { retrySchedule }) } };
    },

    view: (target) => ({ kind: 'nats', subject: target.subject, ...scheduleView(target) }),

    open(target): DeliveryTarget {
      const parsed = parseTemplate(String(target.subject));
      const template = parsed.ok ? parsed.template : null;
      return {
        endpoint: 'nats',
        retrySchedule: storedSchedule(target),
        async deliver(batch, signal): Promise<DeliveryResult> {
          if (template === null) return { ok: false, kind: 'retry', error: 'the stored subject template is not valid', statusCode: null, retryAfterMs: null };
          let js: JetStreamClient;
          try {
            ({ js } = await jetstream());
          } catch (e) {
            return { ok: false, kind: 'retry', error: `NATS is not reachable: ${snippet(e instanceof Error ? e.message : String(e))}`, statusCode: null, retryAfterMs: null };
          }
          // One at a time, in position order: a failure stops the batch, and the retry republishes it whole under
          // the same message ids, which JetStream drops as duplicates for those already stored.
          for (const event of batch.events) {
            if (signal.aborted) return { ok: false, kind: 'retry', error: 'timed out before every event was published', statusCode: null, retryAfterMs: null };
            const subject = renderSubject(template, event);
            try {
              await js.publish(subject, JSON.stringify(event), { msgID: event.id, timeout: requestTimeoutMs });
            } catch (e) {
              const code = (e as { code?: unknown }).code;
              const text = code === '503' || /no responders/i.test(String(e))
                ? `no JetStream stream takes subject ${snippet(subject, 200)}`
                : `JetStream did not acknowledge the publish to ${snippet(subject, 200)}: ${snippet(e instanceof Error ? e.message : String(e))}`;
              return { ok: false, kind: 'retry', error: text, statusCode: null, retryAfterMs: null };
            }
          }
          return { ok: true, statusCode: null };
        },
      };
    },

    async close() {
      closed = true;
      const open = connection;
      connection = null;
      if (open === null) return;
      try {
        const { nc } = await open;
        await nc.drain();
      } catch {
        // Never connected, or already gone: nothing to release.
      }
    },
  };
}
