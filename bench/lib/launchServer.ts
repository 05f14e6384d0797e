/**
 * Starts the real `vellum serve` (or, in smoke mode, the echo stand-in) as a child process, as an operator
 * would, waits for its `vellum listening on http://HOST:PORT` line, and samples its RSS while it runs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleRss, type RssSampler } from './sampleRss.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * The checkout whose server is measured: this one, or VELLUM_BENCH_SERVER_ROOT (another checkout, built, with its
 * own node_modules), so that one bench — this one — can measure two versions of the server alike (bench/ab.ts).
 */
const SERVER_ROOT = path.resolve(process.env.VELLUM_BENCH_SERVER_ROOT || REPO_ROOT);
const BIN = path.join(SERVER_ROOT, 'bin/vellum.mjs');

export interface LaunchedServer {
  url: string;
  pid: number;
  rss: RssSampler;
  /** Everything the process printed (kept to the last 64 KiB). */
  output(): string;
  /** SIGTERM, then SIGKILL after 15 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** The --store value: `sqlite:/path/file.db` or `postgres://...`. Ignored by the echo server. */
  store: string;
  apiKey: string;
  /** Run bench/lib/echoServer.ts instead of Vellum: tests the harness itself. */
  echo?: boolean;
  env?: Record<string, string>;
  extraArgs?: string[];
  startTimeoutMs?: number;
}

/**
 * Extra Node flags for the server process only, e.g. VELLUM_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * to profile it under load (the profile is written when the server exits on SIGTERM).
 */
function serverNodeArgs(): string[] {
  return (process.env.VELLUM_BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
}

/**
 * What bin/vellum.mjs's `#!/usr/bin/env -S [NAME=value …] node [flags]` line sets — environment and Node flags —
 * which `npx vellum serve` runs with (the heap cap, the young generation size): the server is measured as operators
 * start it. VELLUM_BENCH_SERVER_NODE_ARGS come after the flags, and LaunchOptions.env over the environment, so
 * either can override.
 */
function shebang(): { env: Record<string, string>; nodeArgs: string[] } {
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0] ?? '';
  const groups = /^#!\/usr\/bin\/env -S (?<assignments>(\w+=\S* )*)node(?<flags>( \S+)*)\s*$/.exec(first)?.groups;
  if (groups === undefined) throw new Error(`bin/vellum.mjs: unexpected first line ${JSON.stringify(first)} (expected "#!/usr/bin/env -S [NAME=value ...] node [flags]")`);
  const words = (text: string | undefined) => (text ?? '').split(' ').filter((a) => a !== '');
  const env = Object.fromEntries(words(groups['assignments']).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
  return { env, nodeArgs: words(groups['flags']) };
}

export async function launchServer(options: LaunchOptions): Promise<LaunchedServer> {
  const fromShebang = options.echo ? { env: {}, nodeArgs: [] } : shebang();
  const args = options.echo
    ? ['--import', 'tsx', path.join(REPO_ROOT, 'bench/lib/echoServer.ts'), '--port', '0']
    : [...fromShebang.nodeArgs, ...serverNodeArgs(), BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--store', options.store, ...(options.extraArgs ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: options.echo ? REPO_ROOT : SERVER_ROOT,
    // Request logging off by default (an operator's choice, not the ingest path); VELLUM_LOG_LEVEL=info measures it.
    // Rate limits off: the benches drive one key far above the default limits, and figures must stay comparable
    // with runs from before limits existed (options.env may turn them back on).
    env: {
      ...process.env,
      ...fromShebang.env,
      VELLUM_BOOTSTRAP_KEY: options.apiKey,
      VELLUM_LOG_LEVEL: process.env.VELLUM_LOG_LEVEL ?? 'warn',
      VELLUM_RATE_LIMIT_PER_SECOND: '0',
      VELLUM_TENANT_RATE_LIMIT_PER_SECOND: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-65536); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A bench that dies must not leave a server behind.
  const killOnExit = () => { if (child.exitCode === null) child.kill('SIGKILL'); };
  process.once('exit', killOnExit);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not print its listening line in time; output:\n${out}`)); }, options.startTimeoutMs ?? 60_000);
    const look = () => {
      const m = /vellum listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    void exited.then(() => { clearTimeout(timer); reject(new Error(`server exited (${child.exitCode ?? child.signalCode}) before listening; output:\n${out}`)); });
  });

  const rss = sampleRss(child.pid!);
  return {
    url,
    pid: child.pid!,
    rss,
    output: () => out,
    async stop() {
      rss.stop();
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
