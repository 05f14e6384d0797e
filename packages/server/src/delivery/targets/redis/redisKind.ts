import { Redis } from 'ioredis';
import { parseTemplate, renderTemplate, type ErrorDetail, type StoredEvent, type Template } from '@vellum/core';
import type { DeliveryResult, DeliveryTarget, ParsedTarget } from '../../DeliveryTarget.ts';
import { commonChecks, snippet, stringList, storedSchedule, scheduleView, type TargetKind, type TargetLog } from '../targetKind.ts';

export interface RedisKindOptions {
  /** null: the server has no Redis, so `redis` targets are refused. */
  url: string | null;
  requestTimeoutMs: number;
  log: TargetLog;
}

export const REDIS_LIMITS = {
  /** Key and tag templates together. */
  templates: 50,
  /** A rendered key longer than this is skipped (an event field cannot name a key of any length). */
  renderedChars: 1024,
} as const;

/**
 * One event's invalidation, atomic (a script runs whole): delete the keys (KEYS[1..n]), then for each tag set
 * (KEYS[n+1..]) every member it names and the set itself. Members are deleted in slices so a large set stays
 * within Lua's argument limit. A tag key holding something other than a set fails the script (and the attempt)
 * before anything is deleted: a script's writes are not rolled back by a later error, so the check comes first.
 */
const INVALIDATE = `
local n = tonumber(ARGV[1])
for i = n + 1, #KEYS do
  local t = redis.call('TYPE', KEYS[i])['ok']
  if t ~= 'set' and t ~= 'none' then
    return redis.error_reply('tag key ' .. (i - n) .. ' of the event holds a ' .. t .. ', not a set')
  end
end
local deleted = 0
for i = 1, n do deleted = deleted + redis.call('DEL', KEYS[i]) end
for i = n + 1, #KEYS do
  local members = redis.call('SMEMBERS', KEYS[i])
  for j = 1, #members, 500 do
    deleted = deleted + redis.call('DEL', unpack(members, j, math.min(j + 499, #members)))
  end
  deleted = deleted + redis.call('DEL', KEYS[i])
end
return deleted
`;

type InvalidatingRedis = Redis & { vellumInvalidate(numKeys: number, ...args: (string | number)[]): Promise<number> };

/** What one event invalidates: its rendered keys and tag sets (a template whose field it lacks renders nothing). */
export function renderInvalidation(keys: readonly Template[], tags: readonly Template[], event: StoredEvent): { keys: string[]; tags: string[]; skipped: number } {
  let skipped = 0;
  const render = (templates: readonly Template[]): string[] => {
    const out = new Set<string>();
    for (const t of templates) {
      const r = renderTemplate(t, event);
      if (r === null || r === '') continue;
      if (r.length > REDIS_LIMITS.renderedChars) skipped++;
      else out.add(r);
    }
    return [...out];
  };
  return { keys: render(keys), tags: render(tags), skipped };
}

function parseTemplates(values: string[], at: string, problems: ErrorDetail[]): Template[] {
  const out: Template[] = [];
  values.forEach((v, i) => {
    if (v === '') return void problems.push({ path: `${at}/${i}`, message: 'must not be empty' });
    if (/[\x00-\x1f\x7f]/.test(v)) return void problems.push({ path: `${at}/${i}`, message: 'must not contain control characters' });
    const parsed = parseTemplate(v);
    if (parsed.ok) out.push(parsed.template);
    else for (const m of parsed.problems) problems.push({ path: `${at}/${i}`, message: m });
  });
  return out;
}

/** Redis cache invalidation: targets `{ kind: 'redis', keys: [...], tags: [...], retrySchedule? }`. */
export function redisKind(options: RedisKindOptions): TargetKind {
  const { url, requestTimeoutMs, log } = options;
  let client: InvalidatingRedis | null = null;
  let closed = false;

  /** The client, made on first use; ioredis reconnects by itself after a drop. */
  function redis(): InvalidatingRedis {
    if (url === null) throw new Error('the server has no Redis (redis.url)');
    if (closed) throw new Error('delivery targets are closed');
    if (client === null) {
      const c = new Redis(url, {
        lazyConnect: true,
        connectTimeout: Math.min(10_000, requestTimeoutMs),
        maxRetriesPerRequest: 1,
        connectionName: 'vellum-delivery',
      });
      // ioredis retries a lost connection for ever and reports every try: one line per outage is enough.
      let reported = false;
      c.on('ready', () => void (reported = false));
      c.on('error', (e: unknown) => {
        if (reported) return;
        reported = true;
        log.warn({ error: snippet(e instanceof Error ? e.message : String(e)) }, 'the Redis connection for delivery failed');
      });
      c.defineCommand('vellumInvalidate', { lua: INVALIDATE });
      client = c as InvalidatingRedis;
    }
    return client;
  }

  return {
    async parse(input, path, _previous): Promise<ParsedTarget> {
      const problems: ErrorDetail[] = [];
      const retrySchedule = commonChecks(input, ['keys', 'tags'], path, problems);
      if (url === null) problems.push({ path: `${path}/kind`, message: 'redis targets need a Redis server: this server has none configured (redis.url, VELLUM_REDIS_URL)' });
      const keys = stringList(input.keys, `${path}/keys`, problems, 'key templates such as "config:company:{data.company_id}"', REDIS_LIMITS.templates);
      const tags = stringList(input.tags, `${path}/tags`, problems, 'tag-set templates such as "tag:company:{data.company_id}"', REDIS_LIMITS.templates);
      if (keys.length + tags.length > REDIS_LIMITS.templates) {
        problems.push({ path, message: `holds ${keys.length + tags.length} key and tag templates; at most ${REDIS_LIMITS.templates} together` });
      } else {
        parseTemplates(keys, `${path}/keys`, problems);
        parseTemplates(tags, `${path}/tags`, problems);
        if (input.keys === undefined && input.tags === undefined) problems.push({ path, message: 'needs keys or tags (or both): templates of the cache keys and tag sets to invalidate' });
        else if (keys.length + tags.length === 0 && problems.length === 0) problems.push({ path, message: 'needs at least one key or tag template' });
      }
      if (problems.length > 0) return { ok: false, problems };
      return { ok: true, target: { kind: 'redis', keys, tags, ...(retrySchedule === undefined ? {} : { retrySchedule }) } };
    },

    view: (target) => ({ kind: 'redis', keys: target.keys ?? [], tags: target.tags ?? [], ...scheduleView(target) }),

    open(target): DeliveryTarget {
      const compile = (list: unknown): Template[] =>
        (Array.isArray(list) ? list : []).flatMap((s: unknown) => {
          const p = parseTemplate(String(s));
          return p.ok ? [p.template] : [];
        });
      const keys = compile(target.keys);
      const tags = compile(target.tags);
      return {
        endpoint: 'redis',
        retrySchedule: storedSchedule(target),
        async deliver(batch, signal): Promise<DeliveryResult> {
          let r: InvalidatingRedis;
          try {
            r = redis();
            if (r.status === 'wait' || r.status === 'end') await r.connect();
          } catch (e) {
            return { ok: false, kind: 'retry', error: `Redis is not reachable: ${snippet(e instanceof Error ? e.message : String(e))}`, statusCode: null, retryAfterMs: null };
          }
          const pipeline = r.pipeline();
          let queued = 0;
          let skipped = 0;
          for (const event of batch.events) {
            const inv = renderInvalidation(keys, tags, event);
            skipped += inv.skipped;
            if (inv.keys.length + inv.tags.length === 0) continue;
            (pipeline as unknown as { vellumInvalidate(n: number, ...a: (string | number)[]): void }).vellumInvalidate(
              inv.keys.length + inv.tags.length, ...inv.keys, ...inv.tags, inv.keys.length,
            );
            queued++;
          }
          if (skipped > 0) log.warn({ subscription: batch.subscription.id, skipped }, `rendered cache keys longer than ${REDIS_LIMITS.renderedChars} characters were skipped`);
          if (queued === 0) return { ok: true, statusCode: null };
          let onAbort: (() => void) | null = null;
          const aborted = new Promise<'aborted'>((resolve) => {
            onAbort = () => resolve('aborted');
            if (signal.aborted) resolve('aborted');
            else signal.addEventListener('abort', onAbort, { once: true });
          });
          try {
            const results = await Promise.race([pipeline.exec(), aborted]);
            if (results === 'aborted') return { ok: false, kind: 'retry', error: 'timed out: Redis did not answer in time', statusCode: null, retryAfterMs: null };
            const failed = (results ?? []).find(([err]) => err !== null);
            if (results === null || failed !== undefined) {
              const why = failed?.[0] instanceof Error ? failed[0].message : 'the pipeline was not run';
              return { ok: false, kind: 'retry', error: `Redis refused an invalidation: ${snippet(why)}`, statusCode: null, retryAfterMs: null };
            }
            return { ok: true, statusCode: null };
          } catch (e) {
            return { ok: false, kind: 'retry', error: `Redis failed: ${snippet(e instanceof Error ? e.message : String(e))}`, statusCode: null, retryAfterMs: null };
          } finally {
            if (onAbort !== null) signal.removeEventListener('abort', onAbort);
          }
        },
      };
    },

    async close() {
      closed = true;
      const c = client;
      client = null;
      if (c === null) return;
      try {
        await c.quit();
      } catch {
        c.disconnect();
      }
    },
  };
}
