import type { Command } from 'commander';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * The search filters as flags, each mapped to its query parameter (DESIGN.md, GET /v1/events) and, where it is part
 * of the JSON event filter that subscriptions take (everything but the time range and the tenant), to that property.
 */
const FILTERS: ReadonlyArray<{ flag: string; param: string; property?: string; help: string; repeatable?: boolean }> = [
  { flag: '--type <type>', param: 'type', property: 'types', help: 'event type; * matches any run of characters (configuration.*); repeatable', repeatable: true },
  { flag: '--severity <severity>', param: 'severity', property: 'severities', help: 'exact severity (info, low, medium, high, critical); repeatable', repeatable: true },
  { flag: '--min-severity <severity>', param: 'minSeverity', property: 'minSeverity', help: 'this severity or higher' },
  { flag: '--actor-type <type>', param: 'actorType', property: 'actorType', help: 'actor type (user, service, …)' },
  { flag: '--actor-id <id>', param: 'actorId', property: 'actorId', help: 'actor id' },
  { flag: '--entity-type <type>', param: 'entityType', property: 'entityType', help: 'entity type' },
  { flag: '--entity-id <id>', param: 'entityId', property: 'entityId', help: 'entity id' },
  { flag: '--stream <stream>', param: 'stream', property: 'stream', help: 'stream name (PolicyConfiguration:123)' },
  { flag: '--source <source>', param: 'source', property: 'source', help: 'source (ui, api, console, system, …)' },
  { flag: '--outcome <outcome>', param: 'outcome', property: 'outcome', help: 'success or failure' },
  { flag: '--tag <tag>', param: 'tag', property: 'tags', help: 'the event carries this tag; repeatable (all must match)', repeatable: true },
  { flag: '--field <name>', param: 'field', property: 'field', help: 'a changed field (who changed fee_percentage?)' },
  { flag: '--correlation-id <id>', param: 'correlationId', property: 'correlationId', help: 'correlation id' },
  { flag: '--from <time>', param: 'from', help: 'occurredAt at or after this ISO 8601 time' },
  { flag: '--to <time>', param: 'to', help: 'occurredAt before this ISO 8601 time' },
  { flag: '--tenant <tenant>', param: 'tenant', help: 'admin keys: the tenant to read (* for every tenant, where supported)' },
];
/** The flags of the JSON event filter (subscriptions), with the property each fills. */
const EVENT_FILTER = FILTERS.flatMap((f) => (f.property === undefined ? [] : [{ ...f, property: f.property }]));

/** commander's camelCase name of a flag: `--actor-id <id>` → actorId. */
const optionName = (flag: string): string => flag.slice(2).split(' ')[0]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function addFlags(command: Command, flags: typeof FILTERS): Command {
  for (const f of flags) {
    if (f.repeatable === true) command.option(f.flag, f.help, collect);
    else command.option(f.flag, f.help);
  }
  return command;
}

export function addFilterOptions(command: Command): Command {
  return addFlags(command, FILTERS);
}

/** The flags of the JSON event filter (subscriptions): the search filters without --from, --to and --tenant. */
export function addEventFilterOptions(command: Command): Command {
  return addFlags(command, EVENT_FILTER);
}

/** The JSON event filter the flags ask for; undefined when none was given. The server checks every value. */
export function eventFilterFrom(options: Record<string, unknown>): Record<string, unknown> | undefined {
  const filter: Record<string, unknown> = {};
  for (const f of EVENT_FILTER) {
    const value = options[optionName(f.flag)];
    if (value !== undefined) filter[f.property] = value;
  }
  return Object.keys(filter).length === 0 ? undefined : filter;
}

export function addConnectionOptions(command: Command): Command {
  return command
    .option('--url <url>', 'server URL (env VELLUM_URL; default http://127.0.0.1:7070)')
    .option('--key <key>', 'API key with the events:read scope (env VELLUM_KEY)');
}

/** The query parameters the filter flags ask for. */
export function filterParams(options: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams();
  for (const f of FILTERS) {
    const value = options[optionName(f.flag)];
    if (Array.isArray(value)) for (const v of value) params.append(f.param, String(v));
    else if (typeof value === 'string') params.set(f.param, value);
  }
  return params;
}
