/**
 * The process the crash test kills with SIGKILL (run with `node --import tsx`). It reports progress with
 * synchronous writes to stdout, so every line the parent reads was written before the kill.
 *
 *   big  <db>: commits 20 small batches, prints `committed <head>`, then `appending` and appends one very
 *              large batch, which the parent kills mid-transaction (it prints `committed-big` if it ever ends).
 *   loop <db>: appends small batches for ever, printing `acked <position>` after each append resolves.
 */
import fs from 'node:fs';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { preparedEvent } from './sqliteTestSupport.ts';

const [mode, file] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: sqliteCrashChild.ts big|loop <db>');
const say = (line: string) => fs.writeSync(1, `${line}\n`);
const store = openSqliteStore({ path: file });
const event = (i: number) => preparedEvent('acme', {
  entity: { type: 'Order', id: String(i % 50) },
  tags: ['crash', `n:${i % 7}`],
  changes: [{ field: 'status', old: 'a', new: 'b' }],
  data: { i, pad: 'x'.repeat(300) },
});

let n = 0;
if (mode === 'big') {
  for (let b = 0; b < 20; b++) {
    const [outcome] = await store.append([{ tenant: 'acme', events: Array.from({ length: 10 }, () => event(n++)) }]);
    if (outcome?.status !== 'committed') throw new Error('a small batch was rejected');
  }
  say(`committed ${await store.headPosition('acme')}`);
  const big = Array.from({ length: 60_000 }, () => event(n++));
  say('appending');
  await store.append([{ tenant: 'acme', events: big }]);
  say('committed-big');
} else {
  for (;;) {
    const [outcome] = await store.append([{ tenant: 'acme', events: Array.from({ length: 25 }, () => event(n++)) }]);
    if (outcome?.status !== 'committed') throw new Error('a batch was rejected');
    say(`acked ${outcome.results.at(-1)!.position}`);
  }
}
