import { CommanderError } from 'commander';
import { CliError, formatCliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';
import { createProgram } from './createProgram.ts';

/** Runs one command line and resolves with its exit code (long-running `serve` resolves once listening). */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    await createProgram(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander printed the message or help already
    if (err instanceof CliError) {
      io.stderr.write(formatCliError(err));
      return err.exitCode;
    }
    io.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
