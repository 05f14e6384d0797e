import { processIO } from './CliIO.ts';
import { runCli } from './runCli.ts';

// Long-running commands (tail) stop cleanly on Ctrl-C; serve installs its own graceful handlers.
const stop = new AbortController();
const io = { ...processIO(), stopSignal: stop.signal };
if (process.argv[2] !== 'serve') {
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
}

// A reader that goes away (`vellum events query | head`, a log pipe that died) closes our stdout or stderr, and the
// next write fails with EPIPE — unhandled, a fatal exception, during which pino's exit-time flush retried the lost line
// forever: the process neither served nor exited. A command stops as on Ctrl-C (its reader has what it wanted); serve
// keeps serving, its events unaffected, its log lines with nowhere to go (pino stops writing on EPIPE).
const onOutputError = (err: NodeJS.ErrnoException): void => {
  if (err.code !== 'EPIPE') throw err;
  if (process.argv[2] !== 'serve') stop.abort();
};
process.stdout.on('error', onOutputError);
process.stderr.on('error', onOutputError);

const code = await runCli(process.argv.slice(2), io);
// On failure exit now: a half-started server may still hold a store connection that would keep us alive.
if (code !== 0) process.exit(code);
