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
if (code !== 0) process.exitCode = code;
