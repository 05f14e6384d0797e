import { sharedPlugin } from '../http/definePlugin.ts';
import { LogSignal } from './LogSignal.ts';
import { liveSubject, startNatsBridge } from './natsBridge.ts';

/**
 * `app.logSignal`: raised after every local commit with each tenant's new head. Registered after the ingest
 * plugin. With nats.url set, each local advance is also published on NATS (a subject unique to this
 * deployment), and advances published by other nodes are raised here too, so a reader on any node hears of
 * every commit within milliseconds.
 */
export const logSignalPlugin = sharedPlugin('vellum-log-signal', async (app) => {
  const signal = new LogSignal();
  const url = app.vellumConfig.nats.url;
  const bridge =
    url === null
      ? null
      : startNatsBridge({ url, subject: await liveSubject(app.store), log: app.log, onAdvance: (advance) => signal.emit(advance) });
  if (bridge !== null) {
    signal.setOtherNodesProbe(() => bridge.connected());
    app.addHook('onClose', async () => bridge.close());
  }
  app.writer.onCommitted((advances) => {
    for (const advance of advances) {
      signal.emit(advance);
      bridge?.publish(advance);
    }
  });
  app.decorate('logSignal', signal);
});
