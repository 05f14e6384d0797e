/**
 * An application using the SDK, run as a child process by the crash and lock tests:
 *   node --import tsx recorderApp.ts <url> <key> <outbox> <run> <from> <to> [hold]
 * Records events run/from..to-1 one by one, printing `recorded <i>` after each record() resolved (so the parent
 * knows which events the application was told are safe), then flushes and prints `flushed`. With `hold` it prints
 * `open` once the client is created and waits to be killed (the lock test).
 */
import { createClient } from '../../src/index.ts';

const [url, key, outbox, run, fromArg, toArg, hold] = process.argv.slice(2) as [string, string, string, string, string, string, string?];
try {
  const client = createClient({ url, apiKey: key, outbox, batchSize: 20, flushIntervalMs: 0, retry: { baseMs: 20, maxMs: 200 } });
  if (hold === 'hold') {
    process.stdout.write('open\n');
    // The timer keeps the client reachable: once nothing refers to it, a garbage collection may finalize its
    // outbox connection, which releases the file lock this process is meant to hold (a CI run saw that once).
    setInterval(() => client, 1000);
  } else {
    for (let i = Number(fromArg); i < Number(toArg); i++) {
      await client.record({ type: 'crash.recorded', actor: { type: 'app', id: 'recorder' }, data: { run, i } });
      process.stdout.write(`recorded ${i}\n`);
    }
    await client.flush();
    await client.close();
    process.stdout.write('flushed\n');
  }
} catch (e) {
  process.stdout.write(`error ${(e as Error).name}: ${(e as Error).message}\n`);
  process.exitCode = 3;
}
