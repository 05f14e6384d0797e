import { createPublicKey } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import {
  ALL_TENANTS,
  DEFAULT_MAX_PROBLEMS,
  noteKeyId,
  parseSignedNote,
  parseVerifierKey,
  verifyLog,
  verifySignedCheckpoint,
  type EventStore,
  type LogProblem,
  type LogVerificationReport,
  type NoteVerifierKey,
  type RetentionStore,
  type StoredEvent,
  type VerifyLogOptions,
} from '@vellum/core';
import { parseStoreLocation } from '../store/parseStoreLocation.ts';
import { readTenantLog } from '../integrity/readTenantLog.ts';
import { CliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';
import { formatFields, formatTable, terminalSafe } from './formatTable.ts';

// `vellum verify` (DESIGN.md, Guarantees → Integrity): checks a tenant's log — read from a store or from an NDJSON
// export — with the same verifyLog the server's tests use, against a signed checkpoint kept somewhere the log's
// keeper cannot rewrite. Exit codes: 0 verified, 1 problems found, 2 could not verify (usage, unreadable input).

interface VerifyFlags {
  tenant: string;
  store?: string;
  file?: string;
  checkpoint?: string;
  key?: string;
  pruned?: string;
  json?: boolean;
}

const USAGE = 2;
const MAX_LINE_BYTES = 16 * 1024 * 1024; // far above any event (maxEventBytes defaults to 64 KiB)
const MAX_INPUT_FILE_BYTES = 2 * 1024 * 1024; // a checkpoint note is capped at 1 MiB; a key is a line
const PROGRESS_AFTER_MS = 1000;
const MAX_COLUMN_PROBLEMS = DEFAULT_MAX_PROBLEMS; // as verifyLog's own list

const usage = (message: string, cause?: unknown): CliError => new CliError(message, { exitCode: USAGE, ...(cause === undefined ? {} : { cause }) });

export function addVerifyCommand(program: Command, io: CliIO): void {
  program
    .command('verify')
    .description(
      "Check a tenant's log without trusting whoever kept it: every event hash recomputed, positions 1..n with no gap, " +
        'duplicate or reorder, the Merkle root at a signed checkpoint, and (--store) each row\'s indexed columns against its event. ' +
        'Exit 0 verified, 1 problems found, 2 could not verify.',
    )
    .requiredOption('--tenant <id>', 'the tenant whose log to check')
    .option('--store <location>', 'read the log from this store, read-only: sqlite:<path> or postgres://user@host/db (env VELLUM_STORE)')
    .option('--file <export.ndjson>', 'read the log from an NDJSON export in the stored form (vellum export --tenant <id> --form stored) instead; needs --checkpoint and --key')
    .option('--checkpoint <file>', 'a signed checkpoint: the note text, or the JSON of GET /v1/checkpoints/latest (its "checkpoint")')
    .option('--key <key>', "the log's public key: a verifier key (name+id+base64), a base64 Ed25519 key, or a file holding either (or a PEM key)")
    .option('--pruned <file>', 'with --file, for an export of a pruned log: a saved GET /v1/retention response (its lastPrune frontier is where the log starts)')
    .option('--json', 'print the report as JSON instead of text')
    // Commander's own usage errors (unknown flag, missing --tenant) exit 2 here like ours, not 1: 1 means "tampered".
    .exitOverride((err) => {
      throw err.exitCode === 0 ? err : new CommanderError(USAGE, err.code, err.message);
    })
    .action(async (flags: VerifyFlags) => {
      const source = checkFlags(flags, io.env);
      const saved = flags.checkpoint === undefined ? undefined : readCheckpoint(flags.checkpoint);
      const note = saved?.note;
      const key = flags.key === undefined || note === undefined ? undefined : resolveKey(flags.key, note);
      const range = { ...(saved?.range ?? {}), ...(flags.pruned === undefined ? {} : { start: readPruned(flags.pruned) }) };
      const report = await runVerification(source, flags.tenant, note, key, io, range);
      printReport(io, report, { source: source.label, note, key, json: flags.json === true });
      if (!report.ok) throw new CliError(`the log failed verification (${report.problems.length} problem${report.problems.length === 1 ? '' : 's'})`);
    });
}

type Source = { kind: 'store'; location: string; label: string } | { kind: 'file'; path: string; label: string };

function checkFlags(flags: VerifyFlags, env: CliIO['env']): Source {
  if (flags.tenant.trim() === '' || flags.tenant === ALL_TENANTS) throw usage('--tenant must name one tenant (a log is per tenant)');
  if (flags.store !== undefined && flags.file !== undefined) throw usage('give --store or --file, not both');
  if (flags.checkpoint !== undefined && flags.key === undefined) throw usage('--checkpoint needs --key: the public key the checkpoint must be signed with');
  if (flags.key !== undefined && flags.checkpoint === undefined) throw usage('--key is the key that signed a checkpoint; give the checkpoint with --checkpoint');
  if (flags.pruned !== undefined && flags.file === undefined) throw usage('--pruned is for --file: a store knows its own prune record');
  if (flags.file !== undefined) {
    // Anyone who can edit a file can recompute every hash in it: only a signed checkpoint makes it evidence.
    if (flags.checkpoint === undefined) throw usage('--file needs --checkpoint and --key: an export alone proves nothing, whoever edits it can recompute its hashes');
    return { kind: 'file', path: flags.file, label: flags.file };
  }
  const location = flags.store ?? env['VELLUM_STORE'];
  if (location === undefined || location.trim() === '') throw usage('give --store <location> (or VELLUM_STORE) or --file <export.ndjson>');
  return { kind: 'store', location, label: location };
}

function readSmallFile(path: string, flag: string): string {
  try {
    if (statSync(path).size > MAX_INPUT_FILE_BYTES) throw new Error(`larger than ${MAX_INPUT_FILE_BYTES} bytes`);
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
  } catch (err) {
    throw usage(`cannot read ${flag} ${path}: ${(err as Error).message}`, err);
  }
}

/** What a retention archive's checkpoint file adds: the compact ranges before and after the archived positions. */
type ArchiveRange = Pick<VerifyLogOptions, 'start' | 'end'>;

/**
 * The note text from a note file or a saved GET /v1/checkpoints/latest response; a retention archive's checkpoint
 * file (writeArchive.ts) also carries `start` and `end`, the compact ranges around the archived positions.
 */
function readCheckpoint(path: string): { note: string; range: ArchiveRange } {
  const text = readSmallFile(path, '--checkpoint');
  let note = text;
  let range: ArchiveRange = {};
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw usage(`--checkpoint ${path} looks like JSON but does not parse`);
    }
    const inner = (parsed as { checkpoint?: unknown } | null)?.checkpoint;
    if (typeof inner !== 'string') throw usage(`--checkpoint ${path}: JSON without a "checkpoint" string`);
    note = inner;
    range = archiveRange(parsed as Record<string, unknown>, path);
  }
  // Blank lines after the last signature (an editor, `jq -r`) are not part of anything signed; a note ends in one \n.
  return { note: note.replace(/\n+$/, '\n'), range };
}

/** Where a pruned export starts: a saved GET /v1/retention response's lastPrune (or its bare { prunedThrough, frontier }). */
function readPruned(path: string): NonNullable<VerifyLogOptions['start']> {
  const text = readSmallFile(path, '--pruned');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw usage(`--pruned ${path} is not JSON`);
  }
  const record = ((parsed as { lastPrune?: unknown } | null)?.lastPrune ?? parsed) as { prunedThrough?: unknown; frontier?: unknown } | null;
  if (record === null || typeof record !== 'object' || !Number.isSafeInteger(record.prunedThrough) || !isHexList(record.frontier)) {
    throw usage(`--pruned ${path}: want a saved GET /v1/retention response with a lastPrune { prunedThrough, frontier }`);
  }
  return { prunedThrough: record.prunedThrough as number, frontier: record.frontier };
}

const isHexList = (value: unknown): value is string[] => Array.isArray(value) && value.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h));

function archiveRange(saved: Record<string, unknown>, path: string): ArchiveRange {
  const range: ArchiveRange = {};
  const { start, end } = saved as { start?: { prunedThrough?: unknown; frontier?: unknown }; end?: { treeSize?: unknown; hashes?: unknown } };
  if (start !== undefined) {
    if (typeof start !== 'object' || start === null || !Number.isSafeInteger(start.prunedThrough) || !isHexList(start.frontier)) {
      throw usage(`--checkpoint ${path}: "start" must be { prunedThrough, frontier: [hex…] }`);
    }
    range.start = { prunedThrough: start.prunedThrough as number, frontier: start.frontier };
  }
  if (end !== undefined) {
    if (typeof end !== 'object' || end === null || !Number.isSafeInteger(end.treeSize) || !isHexList(end.hashes)) {
      throw usage(`--checkpoint ${path}: "end" must be { treeSize, hashes: [hex…] }`);
    }
    range.end = { treeSize: end.treeSize as number, hashes: end.hashes };
  }
  return range;
}

/**
 * A verifier key string is used as is. A bare public key (base64 or PEM, as GET /v1/checkpoints/latest's `publicKey`)
 * carries no name, so the name is taken from the checkpoint's signature line whose key id matches that key: the
 * signature is then checked with the key the user trusts, whatever the line calls itself.
 */
function resolveKey(value: string, note: string): NoteVerifierKey {
  const fromText = (text: string): NoteVerifierKey | Uint8Array | null => {
    const trimmed = text.trim();
    const verifierKey = parseVerifierKey(trimmed);
    if (verifierKey !== null) return verifierKey;
    if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) return new Uint8Array(Buffer.from(trimmed, 'base64'));
    if (trimmed.startsWith('-----BEGIN PUBLIC KEY-----')) {
      try {
        const key = createPublicKey(trimmed);
        if (key.asymmetricKeyType !== 'ed25519') return null;
        return new Uint8Array(Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url'));
      } catch {
        return null;
      }
    }
    return null;
  };
  const expected = '--key must be a verifier key (<name>+<8 hex>+<base64>), a base64 Ed25519 public key, or a file holding one';
  let found = fromText(value);
  if (found === null) {
    // Not a key itself: a file holding one (a mistyped key lands here too, hence the message naming both).
    let contents: string;
    try {
      contents = readSmallFile(value, '--key');
    } catch (err) {
      throw usage(`${expected}; ${(err as Error).message}`, err);
    }
    found = fromText(contents);
  }
  if (found === null) throw usage(expected);
  if (!(found instanceof Uint8Array)) return found;
  const signatures = parseSignedNote(note)?.signatures ?? [];
  const line = signatures.find((s) => Buffer.from(noteKeyId(s.name, found)).equals(s.keyId));
  if (line === undefined) {
    const names = [...new Set(signatures.map((s) => s.name))].join(', ') || 'nothing readable';
    throw new CliError(`the checkpoint carries no signature by that public key (it is signed by: ${names})`);
  }
  return { name: line.name, publicKey: found };
}

async function runVerification(
  source: Source,
  tenant: string,
  note: string | undefined,
  key: NoteVerifierKey | undefined,
  io: CliIO,
  fileRange: ArchiveRange,
): Promise<LogVerificationReport> {
  const readProblems: LogProblem[] = [];
  const progress = new Progress(io);
  let close = async (): Promise<void> => {};
  let events: AsyncIterable<StoredEvent>;
  // A store's second pass: each row's indexed columns against its event (EventStore.indexedColumnProblems).
  let checkColumns: ((onProgress: (rows: number) => void) => AsyncIterable<LogProblem>) | undefined;
  // A pruned log starts after its prune point, from the frontier the prune recorded (a store), or an archive's.
  let range: ArchiveRange = source.kind === 'file' ? fileRange : {};
  if (source.kind === 'file') {
    let size: number;
    try {
      size = statSync(source.path).size;
    } catch (err) {
      throw usage(`cannot read --file ${source.path}: ${(err as Error).message}`, err);
    }
    progress.total = { bytes: size };
    events = ndjsonEvents(source.path, readProblems, (bytes) => (progress.bytes = bytes));
  } else {
    const store = await openReadOnly(source.location);
    close = () => store.close();
    try {
      // A store from before retention has no prune table: read as never pruned (a pruned log then fails, never passes).
      const [head, prune] = await Promise.all([store.headPosition(tenant), store.retention.lastPrune(tenant).catch(() => null)]);
      progress.total = { events: head - (prune?.prunedThrough ?? 0) };
      if (prune !== null) range = { start: { prunedThrough: prune.prunedThrough, frontier: prune.frontier } };
    } catch (err) {
      await close();
      throw usage(`cannot read the store: ${(err as Error).message}`, err);
    }
    events = readTenantLog(store, tenant, readProblems);
    if (store.indexedColumnProblems !== undefined) checkColumns = (onProgress) => store.indexedColumnProblems!(tenant, onProgress);
  }
  try {
    const report = await verifyLog(events, {
      tenant,
      ...(note === undefined || key === undefined ? {} : { checkpoint: note, key }),
      ...range,
      onProgress: (n) => progress.update(n),
    });
    progress.done(report.events);
    const columnProblems = checkColumns === undefined ? [] : await collectColumnProblems(checkColumns, new Progress(io, 'rows checked against their columns'));
    if (readProblems.length === 0 && columnProblems.length === 0) return report;
    return { ...report, problems: [...readProblems, ...report.problems, ...columnProblems], ok: false };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw usage(`reading the log failed: ${(err as Error).message}`, err);
  } finally {
    await close();
  }
}

/** SQLite is opened read-only (no migration, no writer thread, the file must exist); PostgreSQL is only read. */
async function openReadOnly(
  location: string,
): Promise<Pick<EventStore, 'search' | 'headPosition' | 'indexedColumnProblems' | 'close'> & { retention: Pick<RetentionStore, 'lastPrune'> }> {
  const parsed = parseStoreLocation(location);
  if ('error' in parsed) throw usage(`--store ${parsed.error}`);
  if (parsed.kind === 'memory') throw usage('--store memory: holds nothing to verify; name a SQLite file or a PostgreSQL URL');
  try {
    if (parsed.kind === 'sqlite') {
      const { openSqliteStore } = await import('../store/sqlite/index.ts');
      return openSqliteStore({ path: parsed.path, readonly: true });
    }
    const { createStore } = await import('../store/createStore.ts');
    return await createStore(location);
  } catch (err) {
    throw usage(`cannot open the store: ${(err as Error).message}`, err);
  }
}

/** The first MAX_COLUMN_PROBLEMS rows that disagree with their columns, then a count of the rest (bounded memory). */
async function collectColumnProblems(check: (onProgress: (rows: number) => void) => AsyncIterable<LogProblem>, progress: Progress): Promise<LogProblem[]> {
  const problems: LogProblem[] = [];
  let more = 0;
  let rows = 0;
  for await (const problem of check((n) => progress.update((rows = n)))) {
    if (problems.length < MAX_COLUMN_PROBLEMS) problems.push(problem);
    else more += 1;
  }
  progress.done(rows);
  if (more > 0) problems.push({ position: null, problem: `${more} more rows whose indexed columns disagree with their events, not listed (limit ${MAX_COLUMN_PROBLEMS})` });
  return problems;
}

/**
 * One JSON object per line, streamed with bounded memory: a line over MAX_LINE_BYTES, invalid UTF-8 or not a JSON
 * object is reported (its event then shows up as a missing position) instead of stopping the check.
 */
async function* ndjsonEvents(path: string, problems: LogProblem[], onBytes: (bytes: number) => void): AsyncGenerator<StoredEvent> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  let lineNumber = 0;
  let bytes = 0;
  const take = (part: Buffer): void => {
    if (tooLong || length + part.length > MAX_LINE_BYTES) {
      tooLong = true;
      parts = [];
      return;
    }
    parts.push(part);
    length += part.length;
  };
  const finish = (): StoredEvent | undefined => {
    lineNumber++;
    const line = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    const wasTooLong = tooLong;
    parts = [];
    length = 0;
    tooLong = false;
    const bad = (why: string): undefined => void problems.push({ position: null, problem: `line ${lineNumber} of the file ${why}` });
    if (wasTooLong) return bad(`is longer than ${MAX_LINE_BYTES} bytes`);
    let text: string;
    try {
      text = decoder.decode(line);
    } catch {
      return bad('is not valid UTF-8');
    }
    if (text.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return bad(`is not JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('is not a JSON object');
    return value as StoredEvent;
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    onBytes(bytes);
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      take(chunk.subarray(start, newline));
      start = newline + 1;
      const event = finish();
      if (event !== undefined) yield event;
    }
    if (start < chunk.length) take(chunk.subarray(start));
  }
  if (length > 0 || tooLong) {
    const event = finish();
    if (event !== undefined) yield event;
  }
}

/** Progress lines on stderr, only once a check has run for a second, and at most one a second. */
class Progress {
  total: { events: number } | { bytes: number } = { events: 0 };
  bytes = 0;
  private readonly started = Date.now();
  private last = 0;
  private printed = false;
  /** `label` names a pass other than the log's (counted in rows, no total). */
  constructor(private readonly io: CliIO, private readonly label?: string) {}

  update(events: number): void {
    const now = Date.now();
    if (now - this.started < PROGRESS_AFTER_MS || now - this.last < PROGRESS_AFTER_MS) return;
    this.last = now;
    this.print(events, now);
  }

  done(events: number): void {
    if (this.printed) this.print(events, Date.now());
  }

  private print(events: number, now: number): void {
    this.printed = true;
    const rate = Math.round(events / Math.max((now - this.started) / 1000, 0.001));
    const count = events.toLocaleString('en-US');
    if (this.label !== undefined) {
      this.io.stderr.write(`verify: ${count} ${this.label}, ${rate.toLocaleString('en-US')}/s\n`);
      return;
    }
    const done =
      'events' in this.total
        ? `${count} / ${this.total.events.toLocaleString('en-US')} events`
        : `${count} events (${this.total.bytes === 0 ? 100 : Math.floor((this.bytes / this.total.bytes) * 100)}% of the file)`;
    this.io.stderr.write(`verify: ${done}, ${rate.toLocaleString('en-US')} events/s\n`);
  }
}

function printReport(io: CliIO, report: LogVerificationReport, context: { source: string; note: string | undefined; key: NoteVerifierKey | undefined; json: boolean }): void {
  const signed = context.note === undefined || context.key === undefined ? null : verifySignedCheckpoint(context.note, context.key);
  if (context.json) {
    const origin = signed === null ? undefined : signed.origin;
    io.stdout.write(`${JSON.stringify({ ...report, source: context.source, ...(origin === undefined ? {} : { origin }) })}\n`);
    return;
  }
  const fields: [string, string][] = [
    ['tenant', report.tenant],
    ['source', context.source],
    ['events', String(report.events)],
    ['root', `${report.rootHash} (RFC 9162, over all ${(report.prunedThrough ?? 0) + report.events} events)`],
  ];
  const first = (report.prunedThrough ?? 0) + 1;
  const last = (report.prunedThrough ?? 0) + report.events;
  if (report.prunedThrough !== undefined) {
    fields.push(['pruned', `positions 1–${report.prunedThrough} were removed by retention; checked from the frontier the prune recorded`]);
  }
  if (report.checkpoint !== null && context.key !== undefined) {
    const keyId = Buffer.from(noteKeyId(context.key.name, context.key.publicKey)).toString('hex');
    const { treeSize, signatureValid, rootMatches } = report.checkpoint;
    const verdict = !signatureValid ? 'signature NOT valid' : rootMatches ? `signature valid, root at size ${treeSize} matches` : `signature valid, root at size ${treeSize} does NOT match`;
    fields.push(['checkpoint', `${signed === null ? '' : `${signed.origin}, `}tree size ${treeSize}, key ${context.key.name}+${keyId}: ${verdict}`]);
  }
  if (report.ok) {
    fields.push([
      'result',
      report.checkpoint === null
        ? `OK: every hash recomputes and positions run ${first}..${last}; without --checkpoint this shows the log is self-consistent, not that it is the log that was signed`
        : `OK: every hash recomputes, positions run ${first}..${last}, and the log matches the signed checkpoint`,
    ]);
    io.stdout.write(formatFields(fields));
    return;
  }
  fields.push(['result', `FAILED: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`]);
  io.stdout.write(formatFields(fields));
  io.stdout.write('\n');
  io.stdout.write(
    formatTable<LogProblem>(
      [
        { header: 'POSITION', value: (p) => (p.position === null ? '-' : String(p.position)) },
        { header: 'EVENT', value: (p) => p.eventId ?? '-', maxWidth: 40 },
        { header: 'PROBLEM', value: (p) => terminalSafe(p.problem), maxWidth: Number.POSITIVE_INFINITY },
      ],
      report.problems,
    ),
  );
}
