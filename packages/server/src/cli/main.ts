import { processIO } from './CliIO.ts';
import { runCli } from './runCli.ts';

// Long-running commands (tail) stop cleanly on Ctrl-C; serve installs its own graceful handlers.
const stop = new AbortController();
const io = { ...processIO(), stopSignal: stop.signal };
if (process.argv[2] !== 'serve') {
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
}

const code = await runCli(process.argv.slice(2), io);
// On failure exit now: a half-started server may still hold a store connection that would keep us alive.
if (code !== 0) process.exit(code);
