import type { StoredEvent } from '@vellum/core';
import type { VellumHttp } from '../http/VellumHttp.ts';
import type { ResolvedOptions } from '../options.ts';
import { liveEvents } from '../read/liveEvents.ts';
import type { LiveConnection, LiveFilter, LiveOptions } from '../read/liveEvents.ts';
import { getEvent, searchEvents, searchPages, trailEvents, trailPages } from '../read/readEvents.ts';
import type { SearchFilter, SearchPage, TrailOptions, TrailPage } from '../read/readEvents.ts';

/** The read helpers, shared by both modes. */
export abstract class ClientBase {
  private readonly liveConnection: LiveConnection;

  constructor(protected readonly http: VellumHttp, options: ResolvedOptions) {
    this.liveConnection = { url: options.url, apiKey: options.apiKey, tenant: options.tenant, retry: options.retry, requestTimeoutMs: options.requestTimeoutMs };
  }
  getEvent(id: string): Promise<StoredEvent | undefined> { return getEvent(this.http, id); }
  search(filter: SearchFilter = {}): AsyncIterable<StoredEvent> { return searchEvents(this.http, filter); }
  searchPages(filter: SearchFilter = {}): AsyncIterable<SearchPage> { return searchPages(this.http, filter); }
  trail(stream: string, options?: TrailOptions): AsyncIterable<StoredEvent> { return trailEvents(this.http, stream, options); }
  live(filter: LiveFilter = {}, options: LiveOptions = {}): AsyncIterable<StoredEvent> { return liveEvents(this.liveConnection, filter, options); }
  trailPages(stream: string, options?: TrailOptions): AsyncIterable<TrailPage> { return trailPages(this.http, stream, options); }
}

