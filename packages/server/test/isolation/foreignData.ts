/**
 * What the isolation matrix looks for in every answer: data of a tenant the caller does not belong to.
 *
 * Every string the foreign tenant stores carries a canary (`GLOBEX-CANARY-007`, or `globex_canary_007` where
 * only lowercase is allowed, as in event types), so a leaked field is found whatever route, format or
 * encoding it comes back through. Values that cannot carry a canary — event ids and hashes, key ids, prefixes
 * and secrets, the tenant's id — are registered as secrets and searched for verbatim.
 *
 * A request may itself carry foreign values (a globex event id in the URL, a globex stream name in a filter);
 * an answer echoing what the caller sent reveals nothing, so those are not counted.
 */

export const CANARY_PATTERN = /globex[-_]canary[-_]\d{3}/gi;

/** Unique canaries: `GLOBEX-CANARY-001`, `GLOBEX-CANARY-002`, … */
export class CanaryMint {
  #n = 0;

  next(): string {
    this.#n += 1;
    return `GLOBEX-CANARY-${String(this.#n).padStart(3, '0')}`;
  }

  /** For fields limited to lowercase (event types, change field names that should look like columns). */
  nextLower(): string {
    return this.next().toLowerCase().replaceAll('-', '_');
  }
}

export interface RequestText {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
}

export interface ResponseText {
  statusCode: number;
  headers: Record<string, unknown>;
  payload: string;
}

/** Everything the caller sent, as searchable text: the URL both raw and decoded. */
export function requestText(req: RequestText): string {
  let decoded = req.url;
  try {
    decoded = decodeURIComponent(req.url.replaceAll('+', ' '));
  } catch {
    // A deliberately malformed URL: the raw form is all there is.
  }
  return [req.method, req.url, decoded, JSON.stringify(req.headers ?? {}), req.payload === undefined ? '' : JSON.stringify(req.payload)].join('\n');
}

/** Everything that came back: status, every header, the whole (streamed) body. */
export function responseText(res: ResponseText): string {
  return [String(res.statusCode), JSON.stringify(res.headers), res.payload].join('\n');
}

export class LeakDetector {
  readonly #secrets = new Set<string>();

  /** Foreign values without room for a canary. Empty strings are ignored. */
  addSecrets(...values: readonly string[]): void {
    for (const v of values) if (v !== '') this.#secrets.add(v);
  }

  get secretCount(): number {
    return this.#secrets.size;
  }

  /** Foreign values (canaries and secrets) in `response` that `request` did not carry itself. */
  leaks(response: string, request: string): string[] {
    const found = new Set<string>();
    const sentLower = request.toLowerCase();
    for (const match of response.matchAll(CANARY_PATTERN)) {
      if (!sentLower.includes(match[0].toLowerCase())) found.add(match[0]);
    }
    for (const secret of this.#secrets) {
      if (response.includes(secret) && !request.includes(secret)) found.add(secret);
    }
    return [...found].sort();
  }

  /** Whether `response` holds any foreign value at all (for the positive controls). */
  anyForeign(response: string, request: string): boolean {
    return this.leaks(response, request).length > 0;
  }
}

/**
 * Every `tenant` / `keyTenant` value in a JSON or NDJSON body (or the tenant column of a CSV export) that is
 * not `own`. A structural second opinion next to the canaries: it also catches a foreign event whose fields
 * happen to be shared with the caller's tenant.
 */
export function foreignTenantFields(contentType: string, body: string, own: string): string[] {
  const foreign: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        if ((k === 'tenant' || k === 'keyTenant') && typeof child === 'string' && child !== own) foreign.push(child);
        visit(child);
      }
    }
  };
  if (contentType.startsWith('text/csv')) {
    const [header, ...rows] = parseCsv(body);
    const column = header?.indexOf('tenant') ?? -1;
    if (column >= 0) for (const row of rows) if (row[column] !== own) foreign.push(row[column] ?? '');
    return foreign;
  }
  if (contentType.startsWith('application/x-ndjson')) {
    for (const line of body.split('\n')) if (line.trim() !== '') visit(JSON.parse(line));
    return foreign;
  }
  if (contentType.startsWith('application/json') && body.trim() !== '') visit(JSON.parse(body));
  return foreign;
}

/** RFC 4180, enough for our own exports: quoted cells with doubled quotes and embedded line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += ch;
    }
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
