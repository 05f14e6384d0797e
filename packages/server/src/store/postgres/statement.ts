import { createHash } from 'node:crypto';
import type { PgQueryConfig } from './PgPool.ts';

/** A prepared statement: parsed and planned once per connection, named after its text (one per schema). */
export interface Statement {
  name: string;
  text: string;
}

export function statement(text: string): Statement {
  return { name: `vellum_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text };
}

export const run = (s: Statement, values: readonly unknown[]): PgQueryConfig => ({ name: s.name, text: s.text, values });
