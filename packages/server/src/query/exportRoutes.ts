import { Readable } from 'node:stream';
import { parseFilterParams, VellumError } from '@vellum/core';
import type { ErrorDetail, RawQuery } from '@vellum/core';
import { routesPlugin } from '../http/definePlugin.ts';
import { errorResponses, filterQueryProperties } from '../http/commonSchemas.ts';
import { resolveReadTenant } from '../auth/resolveReadTenant.ts';
import { restrictFilter } from '../auth/readRestriction.ts';
import { EXPORT_PAGE_SIZE, exportEvents, exportLines, type ExportFormat } from './exportEvents.ts';
import { formParameter, takeForm } from './queryRoutes.ts';

const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

const exportSchema = {
  tags: ['events'],
  summary: 'Export every matching event, streamed',
  description:
    'The search filters; the download is streamed in constant memory. NDJSON: one stored event per line. CSV: a fixed column set ' +
    '(RFC 4180), with cells that a spreadsheet would run as formulas (= + - @ tab CR) prefixed by a single quote. ' +
    'A viewer token limited to an actor or entity exports only those events (every page is narrowed server-side); a filter ' +
    'naming another actor or entity is refused with 403. Every export is recorded in the system tenant.',
  querystring: {
    type: 'object',
    properties: {
      ...filterQueryProperties,
      format: { type: 'string', enum: ['ndjson', 'csv'], description: 'Default ndjson.' },
      order: { type: 'string', enum: ['asc', 'desc'], description: 'Log order; default asc (oldest first).' },
      form: { ...formParameter, description: `${formParameter.description} A form=stored NDJSON export is what vellum verify --file checks.` },
    },
  },
  response: {
    200: { description: 'NDJSON (application/x-ndjson) or CSV (text/csv).', type: 'string' },
    ...errorResponses(400, 401, 403),
  },
} as const;

function single(raw: RawQuery, name: string, allowed: readonly string[], fallback: string, details: ErrorDetail[]): string {
  const v = raw[name];
  if (v === undefined) return fallback;
  if (typeof v === 'string' && allowed.includes(v)) return v;
  details.push({ path: `/query/${name}`, message: `must be one of ${allowed.join(', ')}` });
  return fallback;
}

export const exportRoutes = routesPlugin('vellum-export-routes', async (app) => {
  const { store, personalData } = app;

  app.get('/v1/export', { config: { scope: 'events:read', audit: 'always' }, schema: exportSchema }, async (request, reply) => {
    const { tenant, query: raw } = resolveReadTenant(request.auth, request.query as RawQuery);
    const { stored, query } = takeForm(raw);
    const details: ErrorDetail[] = [];
    const format = single(query, 'format', ['ndjson', 'csv'], 'ndjson', details) as ExportFormat;
    const order = single(query, 'order', ['asc', 'desc'], 'asc', details) as 'asc' | 'desc';
    const parsed = parseFilterParams(query, ['format', 'order']);
    if (!parsed.ok) details.push(...parsed.details);
    if (!parsed.ok || details.length > 0) throw new VellumError('VALIDATION_FAILED', { details });

    // Narrowed once here; exportEvents reuses this filter for every later page, so no page escapes it.
    const filter = restrictFilter(request.auth, { ...parsed.value, order });
    const first = await store.search(tenant, { ...filter, limit: EXPORT_PAGE_SIZE });
    const events = exportEvents(store, tenant, filter, first, stored ? undefined : (page) => personalData.open(page));
    const body = Readable.from(exportLines(events, format), { objectMode: false });
    const stamp = new Date(app.clock()).toISOString().replace(/[:.]/g, '-');
    return reply
      .type(CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="vellum-export-${stamp}.${format}"`)
      .header('cache-control', 'no-store')
      .send(body);
  });
});
