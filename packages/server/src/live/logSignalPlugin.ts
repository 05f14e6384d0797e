import { placeEvent } from '@vellum/core';
import type { StoredEvent } from '@vellum/core';
import { sharedPlugin } from '../http/definePlugin.ts';
import type { CommittedBatch } from '../ingest/GroupCommitWriter.ts';
import type { PersonalDataService } from '../personal/PersonalDataService.ts';
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
  app.writer.onCommitted((advances, committed) => {
    for (const advance of advances) {
      let events: StoredEvent[] | undefined;
      signal.emit({ ...advance, events: () => (events ??= committedEvents(committed, advance.tenant, app.personalData)) });
      bridge?.publish(advance);
    }
  });
  app.decorate('logSignal', signal);
});

/**
 * A commit's new events of one tenant as a read would return them: the store's position, version and hash placed on
 * the event as it was before personal data was sealed, in the stored body's shape (placeEvent).
 */
function committedEvents(committed: readonly CommittedBatch[], tenant: string, personalData: PersonalDataService): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const { batch, results } of committed) {
    if (batch.tenant !== tenant) continue;
    results.forEach((result, i) => {
      const prepared = batch.events[i];
      if (result.duplicate === true || prepared === undefined) return;
      out.push(placeEvent(personalData.readerForm(prepared), result.position, result.streamVersion, result.hash));
    });
  }
  return out.sort((a, b) => a.position - b.position);
}
