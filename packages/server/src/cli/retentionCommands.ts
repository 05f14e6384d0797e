import { InvalidArgumentError, type Command } from 'commander';
import type { CliIO } from './CliIO.ts';
import { connect } from './connection.ts';
import { formatFields } from './formatTable.ts';

interface ServerOptions {
  url?: string;
  key?: string;
  tenant?: string;
  json?: boolean;
}

interface PolicyView {
  keepDays: number;
  archive: boolean;
  updatedAt: string;
}

interface RetentionView {
  tenant: string;
  policy: PolicyView | null;
  lastPrune?: { prunedThrough: number; eventsRemoved: number; checkpointSize: number; archive: string | null; prunedAt: string } | null;
}

interface RunView {
  tenant: string;
  dryRun: boolean;
  pruned: boolean;
  prunedThrough: number;
  eventsRemoved: number;
  checkpointSize: number | null;
  archive: string | null;
  reason?: string;
}

function withServer(command: Command, scope: string): Command {
  return command
    .option('--url <url>', 'server URL (env VELLUM_URL; default http://127.0.0.1:7070)')
    .option('--key <key>', `API key with the ${scope} scope (env VELLUM_KEY)`)
    .option('--tenant <id>', 'admin keys: act on this tenant (the Vellum-Tenant header); default: the tenant you act on')
    .option('--json', "print the server's JSON response instead of text");
}

function keepDays(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 36_500) throw new InvalidArgumentError('a whole number of days from 1 to 36500');
  return Number(value);
}

const policyLine = (policy: PolicyView | null): string =>
  policy === null ? 'none: events are kept forever' : `keep ${policy.keepDays} days${policy.archive ? ', archive before pruning' : ''} (set ${policy.updatedAt})`;

export function addRetentionCommands(program: Command, io: CliIO): void {
  const retention = program
    .command('retention')
    .description("A tenant's retention policy on a running server: show it, set it, clear it, apply it now (docs/integrity.md, \"Retention\").");

  const print = (options: ServerOptions, body: unknown, fields: [string, string][]): void => {
    io.stdout.write(options.json === true ? `${JSON.stringify(body, null, 2)}\n` : formatFields(fields));
  };

  withServer(retention.command('show').description('Show the policy and the latest prune (GET /v1/retention).'), 'keys:manage or admin').action(
    async (options: ServerOptions) => {
      const view = await connect(options, io).call<RetentionView>('/v1/retention', { tenant: options.tenant });
      const last = view.lastPrune ?? null;
      print(options, view, [
        ['tenant', view.tenant],
        ['policy', policyLine(view.policy)],
        [
          'last prune',
          last === null
            ? 'never'
            : `positions 1–${last.prunedThrough} removed (${last.eventsRemoved} events this time, checkpoint ${last.checkpointSize}) at ${last.prunedAt}${last.archive === null ? '' : `; archive ${last.archive}`}`,
        ],
      ]);
    },
  );

  withServer(
    retention
      .command('set')
      .description('Set the policy (PUT /v1/retention, admin): events recorded more than N days ago are removed by the next run.')
      .requiredOption('--keep-days <n>', 'days to keep an event after it was recorded, 1 to 36500', keepDays)
      .option('--archive', 'write the events to an archive export (retention.archiveDir on the server) before removing them'),
    'admin',
  ).action(async (options: ServerOptions & { keepDays: number; archive?: boolean }) => {
    const view = await connect(options, io).call<RetentionView>('/v1/retention', {
      method: 'PUT',
      tenant: options.tenant,
      body: { keepDays: options.keepDays, archive: options.archive === true },
    });
    print(options, view, [['tenant', view.tenant], ['policy', policyLine(view.policy)]]);
  });

  withServer(retention.command('clear').description('Remove the policy (DELETE /v1/retention, admin): events are kept forever.'), 'admin').action(
    async (options: ServerOptions) => {
      const view = await connect(options, io).call<RetentionView>('/v1/retention', { method: 'DELETE', tenant: options.tenant });
      print(options, view, [['tenant', view.tenant], ['policy', policyLine(null)]]);
    },
  );

  withServer(
    retention
      .command('run')
      .description('Apply the policy now (POST /v1/retention/run, admin), as the sweeper would.')
      .option('--dry-run', 'only report what would be pruned'),
    'admin',
  ).action(async (options: ServerOptions & { dryRun?: boolean }) => {
    const run = await connect(options, io).call<RunView>('/v1/retention/run', { method: 'POST', tenant: options.tenant, body: { dryRun: options.dryRun === true } });
    const what = run.reason !== undefined
      ? `nothing pruned: ${run.reason}`
      : run.dryRun
        ? `would remove ${run.eventsRemoved} events, through position ${run.prunedThrough} (checkpoint ${String(run.checkpointSize)})`
        : `removed ${run.eventsRemoved} events, through position ${run.prunedThrough} (checkpoint ${String(run.checkpointSize)})`;
    const fields: [string, string][] = [['tenant', run.tenant], ['result', what]];
    if (run.archive !== null) fields.push(['archive', run.archive]);
    print(options, run, fields);
  });
}
