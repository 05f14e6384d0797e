import type { Command } from 'commander';
import { generateApiKey } from '../auth/generateApiKey.ts';
import { SCOPES } from '../auth/scopes.ts';
import { CliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';
import { connect } from './connection.ts';
import { formatCreated, formatKey, formatKeysTable, formatRotated, formatSelf } from './formatKeys.ts';
import { terminalSafe } from './formatTable.ts';
import type { CreateKeyBody } from './VellumClient.ts';

interface ServerOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

interface CreateOptions extends ServerOptions {
  name: string;
  scope: string[];
  tenant?: string;
  expiresIn?: string;
  expiresAt?: string;
  rate?: string;
  burst?: string;
}

/** `--scope a --scope b` and `--scope a,b` both work; the server says which names it does not know. */
const collectScopes = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value.split(',').map((s) => s.trim()).filter((s) => s !== ''),
];

function withServer(command: Command, keyHelp: string): Command {
  return command
    .option('--url <url>', 'server URL (env VELLUM_URL; default http://127.0.0.1:7070)')
    .option('--key <key>', `${keyHelp} (env VELLUM_KEY)`)
    .option('--json', 'print the server\'s JSON response instead of text');
}

function print(io: CliIO, options: ServerOptions, value: unknown, text: () => string): void {
  io.stdout.write(options.json === true ? `${JSON.stringify(value, null, 2)}\n` : text());
}

/** A positive decimal as typed; whether it is in range is the server's to say (it lists every problem). */
function parseNumber(flag: string, value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new CliError(`${flag} must be a number, e.g. 10 or 0.5 (got ${JSON.stringify(value)})`);
  return Number(value);
}

function createBody(options: CreateOptions): CreateKeyBody {
  const body: CreateKeyBody = { name: options.name, scopes: options.scope };
  if (options.expiresIn !== undefined) body.expiresIn = options.expiresIn;
  if (options.expiresAt !== undefined) body.expiresAt = options.expiresAt;
  if ((options.rate === undefined) !== (options.burst === undefined)) {
    throw new CliError('--rate and --burst go together: a token bucket needs both its refill rate and its size');
  }
  if (options.rate !== undefined && options.burst !== undefined) {
    body.rateLimit = { perSecond: parseNumber('--rate', options.rate), burst: parseNumber('--burst', options.burst) };
  }
  return body;
}

export function addKeysCommands(program: Command, io: CliIO): void {
  const keys = program
    .command('keys')
    .description('API keys: generate one offline, or create, list, show, revoke and rotate them on a running server.');

  keys
    .command('generate')
    .description('Print a new, well-formed API key without contacting a server, e.g. for VELLUM_BOOTSTRAP_KEY. It grants nothing until a server adopts it.')
    .action(() => {
      io.stdout.write(`${generateApiKey()}\n`);
    });

  withServer(
    keys
      .command('create')
      .description('Create a key (POST /v1/keys) and print its secret — the only time it is shown.')
      .requiredOption('--name <name>', 'a label to recognise the key by (1..200 characters)')
      .requiredOption('--scope <scope>', `what the key may do, repeatable or comma-separated: ${SCOPES.join(', ')}`, collectScopes)
      .option('--tenant <id>', 'admin keys: create the key for this tenant (the Vellum-Tenant header); default: the tenant you act on')
      .option('--expires-in <duration>', 'expire after this long: a whole number and ms, s, m, h or d (90d); default never')
      .option('--expires-at <time>', 'expire at this ISO 8601 time (2027-01-31T00:00:00Z); instead of --expires-in')
      .option('--rate <perSecond>', "admin keys: this key's own rate limit, requests per second (with --burst)")
      .option('--burst <n>', 'admin keys: how many requests may come at once before --rate applies (with --rate)'),
    'API key with the keys:manage scope, holding every scope it grants',
  ).action(async (options: CreateOptions) => {
    const body = createBody(options);
    const created = await connect(options, io).createKey(body, options.tenant);
    print(io, options, created, () => formatCreated(created));
  });

  withServer(
    keys
      .command('list')
      .description("List the keys of the tenant you act on (GET /v1/keys), revoked and expired included; never a secret.")
      .option('--tenant <id>', "admin keys: list this tenant's keys instead (the Vellum-Tenant header)")
      .option('--all', "admin keys: every tenant's keys, with a tenant column"),
    'API key with the keys:manage scope',
  ).action(async (options: ServerOptions & { tenant?: string; all?: boolean }) => {
    if (options.all === true && options.tenant !== undefined) throw new CliError('give --tenant or --all, not both');
    const list = await connect(options, io).listKeys({ tenant: options.tenant, all: options.all === true });
    print(io, options, { keys: list }, () => (list.length === 0 ? 'no keys\n' : formatKeysTable(list, { withTenant: options.all === true })));
  });

  withServer(
    keys.command('show').description('Show one key (GET /v1/keys/:id): scopes, status, expiry, rate limit, last use.').argument('<id>', 'the key id (not its secret)'),
    'API key with the keys:manage scope',
  ).action(async (id: string, options: ServerOptions) => {
    const key = await connect(options, io).getKey(id);
    print(io, options, key, () => formatKey(key));
  });

  withServer(
    keys.command('self').description('Show what the --key you pass is (GET /v1/keys/self): its tenant, scopes and expiry. A quick key test.'),
    'any API key or viewer token',
  ).action(async (options: ServerOptions) => {
    const self = await connect(options, io).keySelf();
    print(io, options, self, () => formatSelf(self));
  });

  withServer(
    keys.command('revoke').description('Revoke a key (POST /v1/keys/:id/revoke): it stops working on every node within a second.').argument('<id>', 'the key id (not its secret)'),
    'API key with the keys:manage scope, holding every scope of the key it revokes',
  ).action(async (id: string, options: ServerOptions) => {
    const key = await connect(options, io).revokeKey(id);
    print(io, options, key, () => `Revoked key "${terminalSafe(key.name)}" (${key.id}).\n`);
  });

  withServer(
    keys
      .command('rotate')
      .description('Replace a key (POST /v1/keys/:id/rotate): print the new secret once; the old key keeps working for the grace period.')
      .argument('<id>', 'the key id (not its secret)')
      .option('--grace <duration>', 'how long the old key keeps working: 24h by default, at most 30d; 0s ends it now'),
    'API key with the keys:manage scope, holding every scope of the key it rotates',
  ).action(async (id: string, options: ServerOptions & { grace?: string }) => {
    const rotated = await connect(options, io).rotateKey(id, options.grace);
    print(io, options, rotated, () => formatRotated(rotated));
  });
}
