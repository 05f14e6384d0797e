#!/usr/bin/env -S node --max-old-space-size=1024 --max-semi-space-size=4
// The `vellum` command. It runs the compiled server (packages/server/dist, built from the TypeScript sources by
// `npm run build`, which `npm ci` / `npm install` run as the `prepare` step) when that build is at least as new as
// every source file; otherwise it runs the sources themselves through tsx, so an edited tree never runs stale code.
// Why a build at all: tsx compiles each module as it loads, from a loader thread of its own (and one more in the
// SQLite writer thread) that talks to an esbuild child process; those stay for the life of the server. The
// compiled server starts at about half the memory (bench/RESULTS.md). VELLUM_FROM_SOURCE=1 forces the sources.
//
// --max-old-space-size caps the JavaScript heap at 1 GiB. Vellum's memory is bounded by design (a bounded ingest
// queue, streamed exports), so the cap is far above what it holds; what it changes is V8's growth policy: under the
// default limit (a quarter of RAM) the heap was let grow to ~4x its live data, and the PostgreSQL server's RSS under
// batch ingestion was 320-340 MiB; with the cap, 200-210 MiB at the same rate (bench/RESULTS.md).
// --max-semi-space-size=4 holds V8's young generation to 4 MiB halves (16 by default), where every request's
// short-lived objects live: ~50 MiB less RSS under batch ingestion at the same rate (bench/RESULTS.md).
// To change either, start the file with node yourself, which ignores this line: `node [flags] bin/vellum.mjs serve`.
import { builtServerIsFresh } from '../scripts/builtServer.mjs';

if (process.env.VELLUM_FROM_SOURCE !== '1' && builtServerIsFresh()) {
  await import('../packages/server/dist/vellum.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../packages/server/src/cli/main.ts');
}
