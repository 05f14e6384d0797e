import { Command } from 'commander';
import { VERSION } from '../version.ts';
import type { CliIO } from './CliIO.ts';
import { addServeCommand } from './serveCommand.ts';
import { addMigrateCommand } from './migrateCommand.ts';
import { addEventsCommands } from './eventsCommands.ts';
import { addExportCommand } from './exportCommand.ts';
import { addKeysCommands } from './keysCommands.ts';
import { addTenantsCommands } from './tenantsCommands.ts';
import { addVerifyCommand } from './verifyCommand.ts';
import { addSubscriptionsCommands } from './subscriptionsCommands.ts';
import { addRetentionCommands } from './retentionCommands.ts';
import { addCaptureCommands } from './captureCommands.ts';

/** The `vellum` command line. Output goes through `io` so tests can run it in-process. */
export function createProgram(io: CliIO): Command {
  const program = new Command('vellum')
    .description('Vellum — a self-hostable audit trail service.')
    .version(VERSION)
    .showHelpAfterError()
    // Subcommands inherit these: errors become exceptions main() turns into exit codes, and output goes to io.
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  addServeCommand(program, io);
  addMigrateCommand(program, io);
  addEventsCommands(program, io);
  addExportCommand(program, io);
  addKeysCommands(program, io);
  addTenantsCommands(program, io);
  addVerifyCommand(program, io);
  addSubscriptionsCommands(program, io);
  addRetentionCommands(program, io);
  addCaptureCommands(program, io);
  return program;
}
