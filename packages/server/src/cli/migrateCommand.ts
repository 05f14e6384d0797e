import type { Command } from 'commander';
import { isVellumError } from '@vellum/core';
import { loadConfig, type ConfigFlags } from '../config/loadConfig.ts';
import { createStore } from '../store/createStore.ts';
import { CliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';

export function addMigrateCommand(program: Command, io: CliIO): void {
  program
    .command('migrate')
    .description('Bring the store schema up to date and exit (serve also does this at start unless migrateOnStart is false).')
    .option('--store <location>', 'sqlite:./data/vellum.db, a file path, or postgres://user@host/db (env VELLUM_STORE)')
    .option('--config <file>', 'JSON configuration file (env VELLUM_CONFIG)')
    .action(async (flags: Pick<ConfigFlags, 'store' | 'config'>) => {
      let config;
      try {
        ({ config } = loadConfig({ flags, env: io.env }));
      } catch (err) {
        if (isVellumError(err)) throw new CliError(err.message, { code: err.code });
        throw err;
      }
      const store = await createStore(config.store).catch((err: unknown) => {
        throw new CliError(`cannot open the store: ${(err as Error).message}`, { cause: err });
      });
      try {
        // SQLite migrates as it opens, so what was applied may be in the report from the open.
        const atOpen = (store as { migrationsApplied?: unknown }).migrationsApplied;
        const report = await store.migrate();
        io.stdout.write(`${describeMigration(appliedCount(report) === 0 && atOpen !== undefined ? atOpen : report)}\n`);
      } finally {
        await store.close();
      }
    });
}

const appliedList = (report: unknown): string[] => {
  const list = Array.isArray(report) ? report : (report as { applied?: unknown } | undefined)?.applied;
  return Array.isArray(list) ? list.map(String) : [];
};
const appliedCount = (report: unknown): number => appliedList(report).length;

/** Stores report migrations in their own shape (SQLite { applied, current }, PostgreSQL the applied versions). */
function describeMigration(report: unknown): string {
  const r = report as { current?: unknown } | undefined;
  const applied = appliedList(report);
  const current = typeof r?.current === 'number' ? ` (schema version ${r.current})` : '';
  return applied.length > 0 ? `migrated: applied ${applied.join(', ')}${current}` : `the store schema is up to date${current}`;
}
