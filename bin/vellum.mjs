#!/usr/bin/env -S node --max-old-space-size=1024
// The `vellum` command. Sources are TypeScript run through tsx, so there is no build step between
// `npm ci` and a working server.
// --max-old-space-size caps the JavaScript heap at 1 GiB. Vellum's memory is bounded by design (a bounded ingest
// queue, streamed exports), so the cap is far above what it holds; what it changes is V8's growth policy: under the
// default limit (a quarter of RAM) the heap was let grow to ~4x its live data, and the PostgreSQL server's RSS under
// batch ingestion was 320-340 MiB; with the cap, 200-210 MiB at the same rate (bench/RESULTS.md). To change it, start
// the file with node yourself, which ignores this line: `node --max-old-space-size=<MiB> bin/vellum.mjs serve`.
import { register } from 'tsx/esm/api';

register();
await import('../packages/server/src/cli/main.ts');
