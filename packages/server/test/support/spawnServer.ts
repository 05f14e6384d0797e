/**
 * Runs the real `vellum serve` in a child process, as a user would, and waits for its listening line.
 * Used by end-to-end, crash and benchmark-style tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const BIN = path.join(REPO_ROOT, 'bin/vellum.mjs');

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Graceful stop (SIGTERM), resolving with the exit code. */
  stop(): Promise<number | null>;
  /** kill -9, resolving once the process is gone. */
  kill(): Promise<void>;
}

export async function spawnServer(options: {
  store: string;
  key: string;
  env?: Record<string, string>;
  args?: string[];
  timeoutMs?: number;
  /** The script to run instead of bin/vellum.mjs (a build of the server's own, say). */
  bin?: string;
}): Promise<RunningServer> {
  const child = spawn(process.execPath, [options.bin ?? BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--store', options.store, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, VELLUM_BOOTSTRAP_KEY: options.key, VELLUM_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time; output:\n${out}`)), options.timeoutMs ?? 30_000);
    const onData = () => {
      const m = /vellum listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`server exited with ${code} before listening; output:\n${out}`)); });
  });

  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
