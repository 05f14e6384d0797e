#!/usr/bin/env node
// `npm run build` (also run by `npm ci` / `npm install` as the `prepare` step): compiles the server's TypeScript,
// with @vellum/core, into plain JavaScript under packages/server/dist. bin/vellum.mjs runs it while it is newer than
// every source (scripts/builtServer.mjs), and the sources through tsx otherwise.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DIST, ROOT, STAMP_FILE } from './builtServer.mjs';

// --out <dir>: build somewhere else (the tests do, to check a build without touching the one bin/vellum.mjs runs).
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out === undefined ? DIST : resolve(values.out);

const dependencies = (pkg) => Object.keys(JSON.parse(readFileSync(join(ROOT, pkg, 'package.json'), 'utf8')).dependencies ?? {});
// Third-party packages stay imports resolved in node_modules at run time (native addons among them); only the
// workspace's own TypeScript is compiled in.
const external = [...new Set([...dependencies('packages/server'), ...dependencies('packages/core')])].filter((d) => !d.startsWith('@vellum/'));

const startedAt = Date.now();
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: {
    vellum: join(ROOT, 'packages/server/src/cli/main.ts'),
    // The SQLite writer thread: WriterThread starts `./appendWorkerEntry.mjs` beside its own module, which is this
    // file in the build and the tsx-registering shim of the same name among the sources.
    appendWorkerEntry: join(ROOT, 'packages/server/src/store/sqlite/appendWorker.ts'),
  },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  logLevel: 'warning',
});
writeFileSync(join(out, STAMP_FILE), `${JSON.stringify({ startedAt })}\n`);
console.log(`vellum: built the server into ${out} in ${Date.now() - startedAt} ms`);
