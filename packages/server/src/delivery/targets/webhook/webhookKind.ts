import { Agent, request } from 'undici';
import type { Readable } from 'node:stream';
import { parseIp, type ErrorDetail, type SubscriptionTargetRecord } from '@vellum/core';
import type { DeliveryBatch, DeliveryResult, DeliveryTarget, ParsedTarget } from '../../DeliveryTarget.ts';
import { VERSION } from '../../../version.ts';
import { commonChecks, snippet, storedSchedule, scheduleView, type TargetKind, type TargetLog } from '../targetKind.ts';
import { normalHost, WebhookAddressRefused, type WebhookAddressGuard } from './WebhookAddressGuard.ts';
import { generateWebhookSecret, secretView, signatureHeader, validSecrets, webhookSecretProblem, type WebhookSecret, type WebhookTargetRecord } from './webhookSecrets.ts';

export const WEBHOOK_LIMITS = {
  urlChars: 2048,
  /** A receiver's answer is read up to this and discarded (a whole small answer lets the connection be reused). */
  responseBytes: 16 * 1024,
  /** The longest Retry-After honoured. */
  retryAfterMs: 86_400_000,
} as const;

export interface WebhookKindOptions {
  guard: WebhookAddressGuard;
  requestTimeoutMs: number;
  clock: () => number;
  log: TargetLog;
}

const USER_AGENT = `Vellum-Webhooks/${VERSION} (+https://github.com/vellum)`;

/** `https://host:port`, what the circuit breaker counts failures against. */
export function webhookEndpoint(url: URL): string {
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return `${url.protocol}//${url.hostname}:${port}`;
}

/** Retry-After as seconds or an HTTP date, in milliseconds from `nowMs` (null when absent or unreadable). */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return null;
  const trimmed = text.trim();
  let ms: number;
  if (/^\d{1,10}$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at) || !/[a-z]/i.test(trimmed)) return null;
    ms = at - nowMs;
  }
  return Math.max(0, Math.min(WEBHOOK_LIMITS.retryAfterMs, ms));
}

/** Reads at most `cap` bytes of a body and drops the rest (closing the connection when it was longer). */
async function readCapped(body: Readable & { text?: unknown }, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > cap) {
      chunks.push(b.subarray(0, b.length - (size - cap)));
      body.destroy();
      break;
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const ERROR_TEXT: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset before an answer',
  EPIPE: 'the connection was closed while sending',
  UND_ERR_SOCKET: 'the connection was closed before a complete answer',
  UND_ERR_CLOSED: 'the connection was closed before a complete answer',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS is not answering)',
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  ETIMEDOUT: 'connecting timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the answer',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the answer',
};

/** A failure in words: never the URL's path or query (which may carry a token), never a secret. */
function describeFailure(e: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `timed out: no complete answer within ${Math.round(timeoutMs / 1000)}s`;
  let err: unknown = e;
  for (let i = 0; i < 3 && err instanceof Error; i++) {
    if (err instanceof WebhookAddressRefused) return `refused at connect time: ${err.message}`;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && ERROR_TEXT[code] !== undefined) return ERROR_TEXT[code];
    if (typeof code === 'string' && /CERT|SSL|TLS/.test(code)) return `TLS failed (${code})`;
    if (err.name === 'AbortError') return `timed out: no complete answer within ${Math.round(timeoutMs / 1000)}s`;
    err = err.cause;
  }
  const code = (e as { code?: unknown }).code;
  return `the request failed (${typeof code === 'string' ? code : snippet(e instanceof Error ? e.name : 'error', 40)})`;
}

function outcome(statusCode: number, headers: Record<string, string | string[] | undefined>, text: string, nowMs: number): DeliveryResult {
  if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode };
  if (statusCode === 410) return { ok: false, kind: 'gone', error: 'the receiver answered 410 Gone: it takes no more deliveries', statusCode };
  if (statusCode >= 300 && statusCode < 400) {
    return {
      ok: false,
      kind: 'retry',
      error: `the receiver answered ${statusCode} (a redirect); redirects are not followed, so give the subscription the final URL`,
      statusCode,
      retryAfterMs: null,
    };
  }
  const retryAfterMs = statusCode === 429 || statusCode === 503 ? parseRetryAfter(headers['retry-after'], nowMs) : null;
  const said = snippet(text);
  return { ok: false, kind: 'retry', error: `the receiver answered ${statusCode}${said === '' ? '' : `: ${said}`}`, statusCode, retryAfterMs };
}

/** Webhooks (Standard Webhooks): targets `{ kind: 'webhook', url, secret?, retrySchedule? }`. */
export function webhookKind(options: WebhookKindOptions): TargetKind {
  const { guard, requestTimeoutMs, clock, log } = options;
  // One keep-alive agent for every webhook; its DNS lookup is the connect-time half of the address guard.
  const agent = new Agent({
    connect: { lookup: guard.lookup as never, timeout: Math.min(10_000, requestTimeoutMs) },
    keepAliveTimeout: 30_000,
    headersTimeout: requestTimeoutMs + 1_000,
    bodyTimeout: requestTimeoutMs + 1_000,
    connections: 32,
  });

  async function checkUrl(value: unknown, at: string, problems: ErrorDetail[]): Promise<URL | null> {
    if (typeof value !== 'string' || value.length === 0) {
      problems.push({ path: at, message: 'is required: the http(s) URL to POST events to' });
      return null;
    }
    if (value.length > WEBHOOK_LIMITS.urlChars) {
      problems.push({ path: at, message: `is longer than ${WEBHOOK_LIMITS.urlChars} characters` });
      return null;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      problems.push({ path: at, message: 'is not a URL (such as https://receiver.example/hooks/vellum)' });
      return null;
    }
    const before = problems.length;
    if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push({ path: at, message: 'must be an http or https URL' });
    if (url.username !== '' || url.password !== '') problems.push({ path: at, message: 'must not hold credentials (user:password@); receivers check the webhook-signature instead' });
    if (url.hash !== '') problems.push({ path: at, message: 'must not have a #fragment (it is never sent)' });
    if (problems.length > before) return null;
    const problem = await guard.checkHost(url.hostname);
    if (problem !== null) {
      problems.push({ path: at, message: problem });
      return null;
    }
    return url;
  }

  function keptSecrets(previous: SubscriptionTargetRecord | null, nowMs: number): WebhookSecret[] {
    if (previous?.kind !== 'webhook' || !Array.isArray(previous.secrets)) return [];
    return validSecrets(previous.secrets as WebhookSecret[], nowMs);
  }

  return {
    async parse(input, path, previous): Promise<ParsedTarget> {
      const problems: ErrorDetail[] = [];
      const retrySchedule = commonChecks(input, ['url', 'secret'], path, problems);
      if (input.secret !== undefined) {
        const problem = webhookSecretProblem(input.secret);
        if (problem !== null) problems.push({ path: `${path}/secret`, message: problem });
      }
      const url = await checkUrl(input.url, `${path}/url`, problems);
      if (problems.length > 0 || url === null) return { ok: false, problems };

      const nowMs = clock();
      const kept = keptSecrets(previous, nowMs);
      let secrets: WebhookSecret[];
      if (typeof input.secret === 'string') {
        // The same secret given again changes nothing (a PATCH resending the whole target keeps its dates).
        secrets = kept[0]?.secret === input.secret ? kept : [{ secret: input.secret, createdAt: new Date(nowMs).toISOString(), expiresAt: null }];
      } else {
        secrets = kept.length > 0 ? kept : [{ secret: generateWebhookSecret(), createdAt: new Date(nowMs).toISOString(), expiresAt: null }];
      }
      const target: WebhookTargetRecord = { kind: 'webhook', url: url.href, secrets, ...(retrySchedule === undefined ? {} : { retrySchedule }) };
      return { ok: true, target };
    },

    view(target) {
      const record = target as WebhookTargetRecord;
      const secrets = Array.isArray(record.secrets) ? validSecrets(record.secrets, clock()) : [];
      return { kind: 'webhook', url: record.url, secrets: secrets.map(secretView), ...scheduleView(target) };
    },

    open(target): DeliveryTarget {
      const record = target as WebhookTargetRecord;
      const url = new URL(record.url);
      const endpoint = webhookEndpoint(url);
      const host = normalHost(url.hostname);
      return {
        endpoint,
        retrySchedule: storedSchedule(target),
        async deliver(batch: DeliveryBatch, signal: AbortSignal): Promise<DeliveryResult> {
          // A literal address never goes through the lookup: check it here, against today's allow-list.
          if (parseIp(host) !== null) {
            const problem = guard.hostAllowed(host) ? null : guard.addressProblem(host, host);
            if (problem !== null) return { ok: false, kind: 'retry', error: `refused: ${problem}`, statusCode: null, retryAfterMs: null };
          }
          const nowMs = clock();
          const timestamp = Math.floor(nowMs / 1000);
          const body = JSON.stringify({
            type: 'vellum.events',
            timestamp: new Date(nowMs).toISOString(),
            data: {
              subscription: { id: batch.subscription.id, name: batch.subscription.name },
              tenant: batch.subscription.tenant,
              fromPosition: batch.fromPosition,
              toPosition: batch.toPosition,
              events: batch.events,
            },
          });
          const signature = signatureHeader(record.secrets, batch.messageId, timestamp, body, nowMs);
          if (signature === '') return { ok: false, kind: 'retry', error: 'the webhook has no valid secret left; set or rotate one', statusCode: null, retryAfterMs: null };
          try {
            const res = await request(url, {
              method: 'POST',
              dispatcher: agent,
              signal,
              headers: {
                'content-type': 'application/json',
                'user-agent': USER_AGENT,
                'webhook-id': batch.messageId,
                'webhook-timestamp': String(timestamp),
                'webhook-signature': signature,
              },
              body,
            });
            const text = await readCapped(res.body, WEBHOOK_LIMITS.responseBytes);
            return outcome(res.statusCode, res.headers, text, clock());
          } catch (e) {
            const error = describeFailure(e, signal, requestTimeoutMs);
            if (error.startsWith('refused')) log.warn({ subscription: batch.subscription.id, endpoint }, 'webhook address refused at connect time');
            return { ok: false, kind: 'retry', error, statusCode: null, retryAfterMs: null };
          }
        },
      };
    },

    async close() {
      await agent.close();
    },
  };
}
