/** Starts recorderApp.ts as a real child process and follows what it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'recorderApp.ts');

export interface Recorder {
  child: ChildProcess;
  /** Indices whose record() resolved, as printed so far. */
  recorded: number[];
  output(): string;
  /** Resolves when the output matches, rejects when the process ends first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  exited: Promise<number | null>;
  kill9(): Promise<void>;
}

/** Recorders still running: a test that fails half-way leaves them to killRecorders (its afterEach), not to chance. */
const running = new Set<ChildProcess>();

/** kill -9 every recorder this process started that is still running, and wait for them to be gone. */
export async function killRecorders(): Promise<void> {
  await Promise.all([...running].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}

export function runRecorder(args: string[]): Recorder {
  const child = spawn(process.execPath, ['--import', 'tsx', APP, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  const recorded: number[] = [];
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    const text = d.toString();
    out += text;
    for (const m of text.matchAll(/^recorded (\d+)$/gm)) recorded.push(Number(m[1]));
    for (const l of [...listeners]) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    recorded,
    output: () => out,
    exited,
    waitFor(pattern, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { listeners.delete(check); reject(new Error(`timed out waiting for ${pattern}; output:\n${out.slice(-2000)}`)); }, ms);
        const check = (): void => {
          if (pattern.test(out)) { clearTimeout(timer); listeners.delete(check); resolve(); }
        };
        listeners.add(check);
        check();
        void exited.then(() => setTimeout(() => {
          if (listeners.has(check)) { listeners.delete(check); clearTimeout(timer); reject(new Error(`process exited before ${pattern}; output:\n${out.slice(-2000)}`)); }
        }, 50));
      });
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
