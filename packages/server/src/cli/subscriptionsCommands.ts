import type { Command } from 'commander';
import { CliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';
import { connect, parseIntegerOption } from './connection.ts';
import { addEventFilterOptions, eventFilterFrom } from './filterOptions.ts';
import { terminalSafe } from './formatTable.ts';
import type { VellumClient } from './VellumClient.ts';
import {
  formatDeadLetters, formatDeliveries, formatSubscription, formatSubscriptionsTable,
  type DeadLetterJson, type DeliveryJson, type SubscriptionViewJson,
} from '../subscriptions/formatSubscriptions.ts';

interface ServerOptions {
  url?: string;
  key?: string;
  json?: boolean;
  tenant?: string;
}

interface TargetOptions {
  url?: string;
  webhookUrl?: string;
  secret?: string;
  natsSubject?: string;
  redisKey?: string[];
  redisTag?: string[];
  retrySchedule?: string;
}

const KEY_HELP = 'API key with the subscriptions:manage scope (env VELLUM_KEY)';
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function withServer(command: Command): Command {
  return command
    .option('--server <url>', 'server URL (env VELLUM_URL; default http://127.0.0.1:7070)')
    .option('--key <key>', KEY_HELP)
    .option('--tenant <id>', 'admin keys: act on this tenant (the Vellum-Tenant header)')
    .option('--json', "print the server's JSON response instead of text");
}

/**
 * `--url` names the webhook in `create` and `update` (as the issue's `vellum subscriptions create --url` has it),
 * so the server's URL is `--server` here (or VELLUM_URL, as everywhere).
 */
function client(options: ServerOptions & { server?: string }, io: CliIO): VellumClient {
  return connect({ ...(options.server === undefined ? {} : { url: options.server }), ...(options.key === undefined ? {} : { key: options.key }) }, io);
}

function print(io: CliIO, options: ServerOptions, value: unknown, text: () => string): void {
  io.stdout.write(options.json === true ? `${JSON.stringify(value, null, 2)}\n` : text());
}

const path = (id: string, rest = '') => `/v1/subscriptions/${encodeURIComponent(id)}${rest}`;

function addTargetOptions(command: Command): Command {
  return command
    .option('--url <url>', 'webhook target: the receiver\'s URL (https://…)')
    .option('--secret <whsec>', 'webhook target: the signing secret (whsec_ + base64); default: on create the server generates one and prints it once, on update the webhook keeps its secret')
    .option('--nats-subject <subject>', 'NATS JetStream target: the subject, a template such as audit.{tenant}.{type}')
    .option('--redis-key <template>', 'Redis cache-invalidation target: a key to delete, a template such as config:company:{data.company_id}; repeatable', collect)
    .option('--redis-tag <template>', 'Redis target: a set whose members are deleted (then the set), e.g. tag:company:{data.company_id}; repeatable', collect)
    .option('--retry-schedule <durations>', 'waits between attempts, comma-separated (5s,5m,30m); default the server\'s');
}

/** The target the flags describe, or undefined when none was given (an update that keeps its target). */
function targetFrom(options: TargetOptions): Record<string, unknown> | undefined {
  const kinds = [options.url !== undefined, options.natsSubject !== undefined, options.redisKey !== undefined || options.redisTag !== undefined].filter(Boolean).length;
  if (kinds > 1) throw new CliError('give one target: --url (webhook), --nats-subject (NATS) or --redis-key/--redis-tag (Redis)');
  if (options.secret !== undefined && options.url === undefined) throw new CliError('--secret goes with --url (a webhook target)');
  const retry = options.retrySchedule === undefined ? {} : { retrySchedule: options.retrySchedule.split(',').map((s) => s.trim()).filter((s) => s !== '') };
  if (options.url !== undefined) return { kind: 'webhook', url: options.url, ...(options.secret === undefined ? {} : { secret: options.secret }), ...retry };
  if (options.natsSubject !== undefined) return { kind: 'nats', subject: options.natsSubject, ...retry };
  if (options.redisKey !== undefined || options.redisTag !== undefined) {
    return { kind: 'redis', ...(options.redisKey === undefined ? {} : { keys: options.redisKey }), ...(options.redisTag === undefined ? {} : { tags: options.redisTag }), ...retry };
  }
  if (options.retrySchedule !== undefined) throw new CliError('--retry-schedule goes with a target (--url, --nats-subject or --redis-key/--redis-tag)');
  return undefined;
}

/** --start-from: now, beginning, a position, or an RFC 3339 time. */
function startFrom(value: string | undefined): unknown {
  if (value === undefined || value === 'now' || value === 'beginning') return value;
  if (/^\d+$/.test(value)) return { position: Number(value) };
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return { time: value };
  throw new CliError(`--start-from must be now, beginning, a position (1234) or a time (2026-12-01T00:00:00Z); got ${JSON.stringify(value)}`);
}

function printSecret(answer: { secret?: string; notice?: string }): string {
  if (answer.secret === undefined) return '';
  return `\n    ${terminalSafe(answer.secret)}\n\n${answer.notice ?? 'Save this secret now: it will not be shown again.'}\n`;
}

export function addSubscriptionsCommands(program: Command, io: CliIO): void {
  const subs = program
    .command('subscriptions')
    .description('Durable subscriptions (webhook, NATS, Redis cache invalidation) on a running server: create, list, show, change, pause, replay; deliveries and dead letters.');

  withServer(subs.command('list').description("List the tenant's subscriptions (GET /v1/subscriptions); never a secret.").option('--all', "admin keys: every tenant's subscriptions")).action(
    async (options: ServerOptions & { all?: boolean }) => {
      if (options.all === true && options.tenant !== undefined) throw new CliError('give --tenant or --all, not both');
      const params = new URLSearchParams(options.all === true ? { tenant: '*' } : {});
      const answer = await client(options, io).call<{ subscriptions: SubscriptionViewJson[] }>('/v1/subscriptions', { params, tenant: options.tenant });
      print(io, options, answer, () => (answer.subscriptions.length === 0 ? 'no subscriptions\n' : formatSubscriptionsTable(answer.subscriptions, options.all === true)));
    },
  );

  const create = withServer(addTargetOptions(subs
    .command('create')
    .description('Create a subscription (POST /v1/subscriptions) with one target and the event filters; a generated webhook secret is printed once.')
    .requiredOption('--name <name>', 'a name unique in the tenant (1..100 characters)')
    .option('--start-from <where>', 'now (default: only new events), beginning, a position (the first to deliver) or an RFC 3339 time')));
  addEventFilterOptions(create);
  create.action(async (options: ServerOptions & TargetOptions & { name: string; startFrom?: string } & Record<string, unknown>) => {
    const target = targetFrom(options);
    if (target === undefined) throw new CliError('give a target: --url (webhook), --nats-subject (NATS) or --redis-key/--redis-tag (Redis)');
    const filter = eventFilterFrom(options);
    const from = startFrom(options.startFrom);
    const body = { name: options.name, target, ...(filter === undefined ? {} : { filter }), ...(from === undefined ? {} : { startFrom: from }) };
    const answer = await client(options, io).call<{ subscription: SubscriptionViewJson; secret?: string; notice?: string }>('/v1/subscriptions', { method: 'POST', body, tenant: options.tenant });
    print(io, options, answer, () => `Created subscription "${terminalSafe(answer.subscription.name)}" (${answer.subscription.id}).\n${printSecret(answer)}\n${formatSubscription(answer.subscription)}`);
  });

  withServer(subs.command('show').description('Show one subscription with its delivery stats (GET /v1/subscriptions/:id).').argument('<id>', 'the subscription id')).action(
    async (id: string, options: ServerOptions) => {
      const answer = await client(options, io).call<SubscriptionViewJson>(path(id), { tenant: options.tenant });
      print(io, options, answer, () => formatSubscription(answer));
    },
  );

  const update = withServer(addTargetOptions(subs
    .command('update')
    .description('Change the name, target or filter (PATCH /v1/subscriptions/:id). Filter flags replace the whole filter; --match-all clears it. A new webhook keeps its secret unless --secret is given.')
    .argument('<id>', 'the subscription id')
    .option('--name <name>', 'a new name')
    .option('--match-all', 'clear the filter: deliver every event of the tenant')));
  addEventFilterOptions(update);
  update.action(async (id: string, options: ServerOptions & TargetOptions & { name?: string; matchAll?: boolean } & Record<string, unknown>) => {
    const target = targetFrom(options);
    let filter = eventFilterFrom(options);
    if (options.matchAll === true) {
      if (filter !== undefined) throw new CliError('give filter flags or --match-all, not both');
      filter = {};
    }
    const body = { ...(options.name === undefined ? {} : { name: options.name }), ...(target === undefined ? {} : { target }), ...(filter === undefined ? {} : { filter }) };
    if (Object.keys(body).length === 0) throw new CliError('nothing to change: give --name, a target, filter flags or --match-all');
    const answer = await client(options, io).call<SubscriptionViewJson>(path(id), { method: 'PATCH', body, tenant: options.tenant });
    print(io, options, answer, () => `Updated subscription "${terminalSafe(answer.name)}".\n${formatSubscription(answer)}`);
  });

  for (const [verb, help] of [
    ['pause', 'Pause delivery (POST .../pause); the cursor stays where it is.'],
    ['resume', 'Resume delivery (POST .../resume), also after a receiver answered 410 Gone.'],
  ] as const) {
    withServer(subs.command(verb).description(help).argument('<id>', 'the subscription id')).action(async (id: string, options: ServerOptions) => {
      const answer = await client(options, io).call<SubscriptionViewJson>(path(id, `/${verb}`), { method: 'POST', body: {}, tenant: options.tenant });
      print(io, options, answer, () => `Subscription "${terminalSafe(answer.name)}" is ${answer.status}.\n`);
    });
  }

  withServer(subs
    .command('replay')
    .description('Move the cursor (POST .../replay): deliver again from a position, or from the first event recorded at or after a time.')
    .argument('<id>', 'the subscription id')
    .option('--position <n>', 'the first position to deliver')
    .option('--time <time>', 'an RFC 3339 time, e.g. 2026-12-01T00:00:00Z')).action(async (id: string, options: ServerOptions & { position?: string; time?: string }) => {
    if ((options.position === undefined) === (options.time === undefined)) throw new CliError('give --position or --time (one of them)');
    const body = options.time !== undefined ? { time: options.time } : { position: parseIntegerOption('--position', options.position, 1, Number.MAX_SAFE_INTEGER) };
    const answer = await client(options, io).call<SubscriptionViewJson>(path(id, '/replay'), { method: 'POST', body, tenant: options.tenant });
    print(io, options, answer, () => `Subscription "${terminalSafe(answer.name)}" delivers again after position ${answer.cursor}.\n`);
  });

  withServer(subs.command('delete').description('Delete a subscription with its deliveries and dead letters (DELETE /v1/subscriptions/:id).').argument('<id>', 'the subscription id')).action(
    async (id: string, options: ServerOptions) => {
      await client(options, io).call<unknown>(path(id), { method: 'DELETE', tenant: options.tenant, accept: '*/*' }).catch((err: unknown) => {
        // 204 has no body: a JSON parse failure after a 2xx is success.
        if (err instanceof SyntaxError) return;
        throw err;
      });
      print(io, options, { deleted: id }, () => `Deleted subscription ${terminalSafe(id)}.\n`);
    },
  );

  withServer(subs
    .command('deliveries')
    .description('The latest delivery attempts, newest first (GET .../deliveries).')
    .argument('<id>', 'the subscription id')
    .option('--limit <n>', 'how many (1..200, default 50)')).action(async (id: string, options: ServerOptions & { limit?: string }) => {
    const params = new URLSearchParams(options.limit === undefined ? {} : { limit: options.limit });
    const answer = await client(options, io).call<{ deliveries: DeliveryJson[] }>(path(id, '/deliveries'), { params, tenant: options.tenant });
    print(io, options, answer, () => formatDeliveries(answer.deliveries));
  });

  withServer(subs
    .command('rotate-secret')
    .description("Give a webhook a new signing secret (POST .../rotate-secret) and print it once; the old one keeps signing beside it for the grace period.")
    .argument('<id>', 'the subscription id')
    .option('--grace-seconds <n>', 'how long the old secret keeps signing (default 86400, at most 2592000; 0 stops it now)')).action(
    async (id: string, options: ServerOptions & { graceSeconds?: string }) => {
      const grace = parseIntegerOption('--grace-seconds', options.graceSeconds, 0, 30 * 86_400);
      const answer = await client(options, io).call<{ subscription: SubscriptionViewJson; secret: string; notice?: string }>(path(id, '/rotate-secret'), {
        method: 'POST', body: grace === undefined ? {} : { graceSeconds: grace }, tenant: options.tenant,
      });
      print(io, options, answer, () => `Rotated the secret of "${terminalSafe(answer.subscription.name)}".\n${printSecret(answer)}`);
    },
  );

  const dead = subs.command('dead-letters').description('Dead letters: batches whose attempts ran out. List, retry (same message ids) or purge them.');
  withServer(dead.command('list').description('List dead letters, oldest first (GET .../dead-letters).').argument('<id>', 'the subscription id').option('--limit <n>', 'how many (1..1000, default 100)')).action(
    async (id: string, options: ServerOptions & { limit?: string }) => {
      const params = new URLSearchParams(options.limit === undefined ? {} : { limit: options.limit });
      const answer = await client(options, io).call<{ deadLetters: DeadLetterJson[] }>(path(id, '/dead-letters'), { params, tenant: options.tenant });
      print(io, options, answer, () => formatDeadLetters(answer.deadLetters));
    },
  );
  withServer(dead.command('retry').description('Send dead letters again (POST .../dead-letters/retry): those of --id, or the oldest 100.').argument('<id>', 'the subscription id').option('--id <deadLetterId>', 'a dead letter to retry; repeatable', collect)).action(
    async (id: string, options: ServerOptions & { id?: string[] }) => {
      const answer = await client(options, io).call<{ results: Array<{ id: string; delivered: boolean; error: string | null }> }>(path(id, '/dead-letters/retry'), {
        method: 'POST', body: options.id === undefined ? {} : { ids: options.id }, tenant: options.tenant,
      });
      print(io, options, answer, () => {
        if (answer.results.length === 0) return 'no dead letters to retry\n';
        const delivered = answer.results.filter((r) => r.delivered).length;
        const lines = answer.results.filter((r) => !r.delivered).map((r) => `  ${r.id}: ${terminalSafe(r.error ?? 'failed')}\n`);
        return `Retried ${answer.results.length}: ${delivered} delivered, ${answer.results.length - delivered} still failing.\n${lines.join('')}`;
      });
    },
  );
  withServer(dead.command('purge').description('Delete dead letters (DELETE .../dead-letters): those of --id, or all of them.').argument('<id>', 'the subscription id').option('--id <deadLetterId>', 'a dead letter to delete; repeatable', collect)).action(
    async (id: string, options: ServerOptions & { id?: string[] }) => {
      const params = new URLSearchParams();
      for (const d of options.id ?? []) params.append('id', d);
      const answer = await client(options, io).call<{ deleted: number }>(path(id, '/dead-letters'), { method: 'DELETE', params, tenant: options.tenant });
      print(io, options, answer, () => `Deleted ${answer.deleted} dead letter${answer.deleted === 1 ? '' : 's'}.\n`);
    },
  );
}
