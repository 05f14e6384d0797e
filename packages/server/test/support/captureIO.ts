import { Writable } from 'node:stream';
import type { CliIO } from '../../src/cli/CliIO.ts';

/** A CliIO whose stdout and stderr are kept as strings. */
export function captureIO(env: Record<string, string | undefined> = {}, stopSignal?: AbortSignal): CliIO & { out(): string; err(): string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        append(chunk.toString());
        done();
      },
    }) as unknown as CliIO['stdout'];
  return {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    env,
    ...(stopSignal === undefined ? {} : { stopSignal }),
    out: () => out,
    err: () => err,
  };
}
