import { encodeCursor } from '@vellum/core';
import type { EventStore, LogProblem, StoredEvent } from '@vellum/core';

/** Events per read while verifying a log. */
export const LOG_PAGE = 1000;

/**
 * The tenant's events in position order, one search page at a time. The pages overlap by one position: in a
 * tampered database position may no longer be unique, and paging on "position > last" would read only the first
 * of several rows that claim the page's last position — exactly where an attacker would hide a forged event. So
 * each page starts again at the previous page's last position and skips the rows already read there (by id and
 * hash); verifyLog then reports every extra row as a duplicate position.
 */
export async function* readTenantLog(store: Pick<EventStore, 'search'>, tenant: string, problems: LogProblem[]): AsyncGenerator<StoredEvent> {
  let lastPosition = 0;
  let seenAtLast = new Set<string>();
  for (;;) {
    const from = lastPosition === 0 ? {} : { cursor: encodeCursor({ k: lastPosition - 1 }) };
    const page = await store.search(tenant, { order: 'asc', limit: LOG_PAGE, ...from });
    let fresh = 0;
    for (const event of page.events) {
      const identity = `${event.id} ${event.hash}`;
      if (event.position === lastPosition && seenAtLast.has(identity)) continue;
      if (event.position !== lastPosition) {
        lastPosition = event.position;
        seenAtLast = new Set();
      }
      seenAtLast.add(identity);
      fresh += 1;
      yield event;
    }
    if (page.nextCursor === null || page.events.length < LOG_PAGE) return;
    if (fresh === 0) {
      problems.push({ position: lastPosition, problem: `more than ${LOG_PAGE} rows claim position ${lastPosition}; the rest of the log was not read` });
      return;
    }
  }
}

