import type { ErrorDetail } from '@vellum/core';

/** A failure the CLI reports as text and a non-zero exit, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: string | undefined;
  readonly details: ErrorDetail[];
  readonly exitCode: number;

  constructor(message: string, options: { code?: string; details?: ErrorDetail[]; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.details = options.details ?? [];
    this.exitCode = options.exitCode ?? 1;
  }
}

/** `error: CODE message` and one indented line per detail, as the server sent them. */
export function formatCliError(err: CliError): string {
  const head = `error: ${err.code === undefined ? '' : `${err.code} `}${err.message}`;
  return [head, ...err.details.map((d) => `  ${d.path}: ${d.message}`)].join('\n') + '\n';
}
