import { sharedPlugin } from '../http/definePlugin.ts';
import { LogSignal } from './LogSignal.ts';

/**
 * `app.logSignal`: raised after every local commit with each tenant's new head. Registered after the ingest plugin.
 * (Multi-node fan-out through NATS joins here.)
 */
export const logSignalPlugin = sharedPlugin('vellum-log-signal', async (app) => {
  const signal = new LogSignal();
  app.writer.onCommitted((advances) => {
    for (const advance of advances) signal.emit(advance);
  });
  app.decorate('logSignal', signal);
});
