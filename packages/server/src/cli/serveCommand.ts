import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { isVellumError } from '@vellum/core';
import { loadConfig, type ConfigFlags } from '../config/loadConfig.ts';
import { buildApp } from '../http/buildApp.ts';
import { createLogger } from '../logging/createLogger.ts';
import { CliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';

export function addServeCommand(program: Command, io: CliIO): void {
  program
    .command('serve')
    .description('Run the Vellum server. Prints "vellum listening on http://HOST:PORT" once ready; SIGTERM or SIGINT shuts it down gracefully (in-flight commits finish).')
    .option('--host <host>', 'interface to listen on (env VELLUM_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (env VELLUM_PORT; default 7070)')
    .option('--store <location>', 'sqlite:./data/vellum.db, a file path, or postgres://user@host/db (env VELLUM_STORE; default sqlite:./data/vellum.db)')
    .option('--config <file>', 'JSON configuration file; flags and environment override it (env VELLUM_CONFIG)')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS directly (env VELLUM_TLS_CERT; needs --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert (env VELLUM_TLS_KEY)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env VELLUM_LOG_LEVEL; default info)')
    .addHelpText('after', '\nEvery option, its environment variable and default: docs/configuration.md.\nOn first start with an empty key table an admin key is printed once; VELLUM_BOOTSTRAP_KEY chooses it instead.')
    .action(async (flags: ConfigFlags) => {
      await serve(flags, io);
    });
}

/** Starts the server and returns once it listens; shutdown is driven by signals from then on. */
export async function serve(flags: ConfigFlags, io: CliIO): Promise<FastifyInstance> {
  const { config, masker } = configOrExit(flags, io);
  const logger = createLogger({ level: config.logLevel });
  const https = config.tls === null ? undefined : { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) };

  let app: FastifyInstance;
  try {
    app = await buildApp({ config, masker, logger, announce: (text) => io.stdout.write(text), ...(https === undefined ? {} : { https }) });
  } catch (err) {
    logger.error({ err }, 'start-up failed');
    throw new CliError(`cannot start: ${isVellumError(err) ? err.message : (err as Error).message}`, { cause: err });
  }

  // Handlers go in before the listening line: whoever waits for that line may signal at once, and a signal
  // with no handler kills the process without a graceful shutdown.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing in-flight commits');
    const timer = setTimeout(() => {
      logger.error({ seconds: config.shutdownTimeoutSeconds }, 'shutdown took too long; exiting');
      logger.flush();
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    timer.unref();
    app.close().then(
      () => {
        logger.info('stopped');
        logger.flush(() => process.exit(0));
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        logger.flush(() => process.exit(1));
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    process.off('SIGTERM', shutdown);
    process.off('SIGINT', shutdown);
    logger.error({ err }, 'cannot listen');
    await app.close().catch(() => undefined);
    throw new CliError(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`, { cause: err });
  }

  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  io.stdout.write(`vellum listening on ${https === undefined ? 'http' : 'https'}://${host}:${address.port}\n`);
  return app;
}

function configOrExit(flags: ConfigFlags, io: CliIO) {
  try {
    return loadConfig({ flags, env: io.env });
  } catch (err) {
    if (isVellumError(err)) throw new CliError(err.message, { code: err.code });
    throw err;
  }
}
