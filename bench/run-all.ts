/**
 * Runs the benches one after another, each in its own process (so one's server, caches and heap never
 * colour the next), in the order RESULTS.md records them. `--smoke` uses small sizes (a minute or two in
 * all) to check the harness end to end; without it, the sizes (about 25 minutes for both stores,
 * growth excluded). The 10M growth run is long (an hour or more per store) and only runs with --growth.
 *   node --import tsx bench/run-all.ts [--smoke] [--growth] [--store sqlite|postgres] [--client undici|raw]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/launchServer.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    growth: { type: 'boolean', default: false },
    store: { type: 'string', default: 'sqlite,postgres' },
    client: { type: 'string', default: 'undici' },
  },
});

const common = ['--store', values.store, '--client', values.client];
const plan: [string, string[]][] = values.smoke
  ? [
      ['http-ingest-batch.ts', ['--events', '20000', '--duration', '10', '--warmup', '1']],
      ['http-ingest-single.ts', ['--events', '20000', '--duration', '10', '--warmup', '1']],
      ['query-latency.ts', ['--events', '20000', '--queries', '300']],
      ['entity-paging.ts', ['--events', '2000', '--queries', '300']],
      ['integrity.ts', ['--events', '20000', '--duration', '10', '--warmup', '1', '--proof-events', '20000', '--proofs', '300']],
      ['live-fanout.ts', ['--subscribers', '50', '--rate', '1000', '--duration', '5', '--warmup', '1']],
      ...(values.growth ? [['growth.ts', ['--total', '200k', '--step', '50k', '--distinct', '20k']] as [string, string[]]] : []),
    ]
  : [
      ['http-ingest-batch.ts', []],
      ['http-ingest-single.ts', []],
      ['query-latency.ts', []],
      ['entity-paging.ts', []],
      ['integrity.ts', []],
      ['live-fanout.ts', []],
      ...(values.growth ? [['growth.ts', []] as [string, string[]]] : []),
    ];

let failed = 0;
for (const [file, extra] of plan) {
  const argv = ['--import', 'tsx', path.join('bench', file), ...common, ...extra];
  console.log(`\n>>> node ${argv.join(' ')}`);
  const run = spawnSync(process.execPath, argv, { cwd: REPO_ROOT, stdio: 'inherit', timeout: 3 * 60 * 60 * 1000 });
  if (run.status !== 0) {
    failed += 1;
    console.error(`<<< ${file} failed (${run.status ?? run.signal})`);
  }
}
process.exitCode = failed ? 1 : 0;
