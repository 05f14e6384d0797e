import type { EventStore, StreamPage, StreamReadOptions } from '@vellum/core';
import type { AuthContext } from '../auth/authenticate.ts';
import { isWithinRestriction, restrictionFilter } from '../auth/readRestriction.ts';

/**
 * An entity's trail as the caller may see it. Without a restriction, the stream's window of versions as
 * stored. With one (a viewer token limited to an actor or entity), the same window keeps only the events
 * within the restriction: paging stays by version, so a page may hold fewer events than `limit`, or none,
 * while other versions still exist. The stream's version and each event's streamVersion still count every
 * event, which shows that others exist in a stream the viewer has a part in — never what they are. A stream
 * the viewer has no event in at all answers as an empty stream, so trying stream names cannot tell a
 * restricted viewer how active other actors or entities are.
 */
export async function readTrail(
  store: Pick<EventStore, 'readStream' | 'search'>,
  auth: Pick<AuthContext, 'tenant' | 'restriction'>,
  stream: string,
  options: StreamReadOptions,
): Promise<StreamPage> {
  const page = await store.readStream(auth.tenant, stream, options);
  if (auth.restriction === null) return page;
  const events = page.events.filter((event) => isWithinRestriction(auth, event));
  if (events.length > 0) return { ...page, events };
  const visible = await store.search(auth.tenant, { ...restrictionFilter(auth.restriction), stream, limit: 1, order: 'desc' });
  return visible.events.length > 0 ? { ...page, events } : { stream, version: 0, events: [] };
}
