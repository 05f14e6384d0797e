/** Where a command writes and what it reads from its environment; tests pass their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { write(s: string): boolean };
  stderr: NodeJS.WritableStream & { write(s: string): boolean };
  env: Record<string, string | undefined>;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM), for long-running commands. */
  stopSignal?: AbortSignal;
}

export const processIO = (): CliIO => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });
