import { CliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';
import { VellumClient } from './VellumClient.ts';

export const DEFAULT_URL = 'http://127.0.0.1:7070';

/** The client for --url/--key, falling back to VELLUM_URL/VELLUM_KEY. */
export function connect(options: { url?: string; key?: string }, io: CliIO): VellumClient {
  const url = options.url ?? io.env.VELLUM_URL ?? DEFAULT_URL;
  const key = options.key ?? io.env.VELLUM_KEY;
  if (key === undefined || key === '') throw new CliError('no API key: pass --key or set VELLUM_KEY');
  return new VellumClient(url, key);
}

export function parseIntegerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new CliError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}
