import type { StoredEvent } from '@vellum/core';
import type { VellumHttp } from '../http/VellumHttp.ts';
import { getEvent, searchEvents, searchPages, trailEvents, trailPages } from '../read/readEvents.ts';
import type { SearchFilter, SearchPage, TrailOptions, TrailPage } from '../read/readEvents.ts';

/** The read helpers, shared by both modes. */
export abstract class ClientBase {
  constructor(protected readonly http: VellumHttp) {}
  getEvent(id: string): Promise<StoredEvent | undefined> { return getEvent(this.http, id); }
  search(filter: SearchFilter = {}): AsyncIterable<StoredEvent> { return searchEvents(this.http, filter); }
  searchPages(filter: SearchFilter = {}): AsyncIterable<SearchPage> { return searchPages(this.http, filter); }
  trail(stream: string, options?: TrailOptions): AsyncIterable<StoredEvent> { return trailEvents(this.http, stream, options); }
  trailPages(stream: string, options?: TrailOptions): AsyncIterable<TrailPage> { return trailPages(this.http, stream, options); }
}

