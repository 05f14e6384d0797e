import type { StoredEvent } from '../../event/types.ts';
import type { NoteVerifierKey } from '../checkpoint/signedCheckpoint.ts';
import { appendToFrontier, emptyFrontier, frontierRoot, merkleHashesEqual, merkleHashToHex, parseFrontier, parseMerkleHashHex, type MerkleFrontier } from '../merkle/index.ts';
import { extendFrontier } from '../../retention/extendFrontier.ts';
import { hashEvent } from '../sealEvent.ts';
import { checkpointTarget } from './checkpointTarget.ts';
import { PositionTracker, type MissingRange } from './positionTracker.ts';

/** One thing wrong with a log, with the position (null when it is about the log as a whole). */
export interface LogProblem {
  position: number | null;
  eventId?: string;
  /** Plain words: what is wrong and what was expected. */
  problem: string;
}

export interface LogVerificationReport {
  tenant: string;
  /** Events read. */
  events: number;
  /** Present for a pruned log: positions 1..prunedThrough were removed by retention, and the check started from their recorded frontier. */
  prunedThrough?: number;
  /** The root of the tree over every event read (lowercase hex). */
  rootHash: string;
  /** The checkpoint checked against, if one was given: its size, and whether the log's root at that size matched. */
  checkpoint: { treeSize: number; signatureValid: boolean; rootMatches: boolean } | null;
  problems: LogProblem[];
  ok: boolean;
}

export interface VerifyLogOptions {
  tenant: string;
  /** A signed checkpoint (note text) to check the log against — normally one exported earlier, not the store's own. */
  checkpoint?: string;
  /** The key that must have signed it. Required with `checkpoint`. */
  key?: NoteVerifierKey;
  /** Called every few thousand events with the count so far. */
  onProgress?: (events: number) => void;
  /** Stop listing problems after this many (default DEFAULT_MAX_PROBLEMS, 100); counting continues. */
  maxProblems?: number;
  /**
   * Where a pruned log starts (retention): positions 1..prunedThrough are gone and `frontier` is the compact range of
   * their leaves (lowercase hex, largest subtree first), as the prune recorded it. The log read must then start at
   * prunedThrough + 1, and its root is the frontier extended by the retained events.
   */
  start?: { prunedThrough: number; frontier: readonly string[] };
  /**
   * For a log that stops short of the checkpoint on purpose (a retention archive): the compact range of the leaves
   * after the last event read up to `treeSize` (lowercase hex, compactRangeIds(last, treeSize) left to right), as
   * the prune recorded it. The root at `treeSize` is then the log's frontier joined with it.
   */
  end?: { treeSize: number; hashes: readonly string[] };
}

const PROGRESS_EVERY = 5000;
const short = (hex: string): string => `${hex.slice(0, 12)}…`;

/**
 * Checks a tenant's log without trusting whoever stored it: every event's hash recomputed from its content,
 * positions 1..n with no gap, duplicate or reorder, tenant field, and the Merkle root at the checkpoint's size
 * against the signed checkpoint. Events must come in position order.
 *
 * Memory stays O(log n) whatever the length: the tree is the RFC 9162 frontier (README in ../merkle), the root at
 * the checkpoint's size is captured as the count passes it, and problems and held-back gaps are bounded. The tree's
 * leaves are the hashes recomputed from content, not the stored `hash` fields, so the root describes the events as
 * they are now — an edit is caught by the checkpoint even when the attacker recomputed the event's hash.
 */
/** How many problems a report lists before it only counts the rest. */
export const DEFAULT_MAX_PROBLEMS = 100;

export async function verifyLog(events: AsyncIterable<StoredEvent> | Iterable<StoredEvent>, options: VerifyLogOptions): Promise<LogVerificationReport> {
  const { tenant, onProgress } = options;
  if (options.checkpoint !== undefined && options.key === undefined) throw new TypeError('verifyLog: a checkpoint needs the key that signed it');
  const problems = new ProblemList(options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
  const target = options.checkpoint === undefined ? null : checkpointTarget(options.checkpoint, options.key as NoteVerifierKey);
  if (target !== null && !target.ok) problems.add({ position: null, problem: target.problem });
  const checkAt = target?.ok === true ? target.body.treeSize : -1;

  let frontier: MerkleFrontier = emptyFrontier();
  let prunedThrough = 0;
  if (options.start !== undefined && options.start.prunedThrough > 0) {
    const parsed = parseFrontier({ size: options.start.prunedThrough, hashes: options.start.frontier });
    if (parsed === undefined) throw new TypeError(`verifyLog: the prune record's frontier does not fit a tree of ${options.start.prunedThrough} leaves`);
    frontier = parsed;
    prunedThrough = parsed.size;
  }
  if (target?.ok === true && target.body.treeSize < prunedThrough) {
    problems.add({
      position: null,
      problem: `the checkpoint covers ${target.body.treeSize} events but positions 1–${prunedThrough} were pruned: check against a checkpoint of at least ${prunedThrough} events`,
    });
  }
  let count = 0;
  let rootAtCheckpoint: Buffer | null = checkAt === prunedThrough ? frontierRoot(frontier) : null;
  const positions = new PositionTracker((range) => problems.add(missing(range)), prunedThrough);

  const step = (event: StoredEvent): void => {
    count++;
    const record = (typeof event === 'object' && event !== null ? event : {}) as Partial<Record<keyof StoredEvent, unknown>>;
    const eventId = typeof record.id === 'string' ? record.id : undefined;
    const position = typeof record.position === 'number' && Number.isSafeInteger(record.position) ? record.position : null;
    // An event without a usable position is listed where it was read (its index in the stream).
    const at = (problem: string): void => problems.add({ position, ...(eventId === undefined ? {} : { eventId }), problem }, position ?? count);

    if (position !== null && position >= 1 && position <= prunedThrough) {
      // Not a leaf of the retained tree: the frontier already stands for every position up to the prune point.
      at(`position ${position} was pruned (positions 1–${prunedThrough} are gone), yet an event claims it: an event was inserted`);
      return;
    }
    const finding = positions.next(record.position, eventId);
    if (finding.kind === 'invalid') at(`event #${count} in the log has no valid position (got ${JSON.stringify(record.position) ?? 'nothing'})`);
    else if (finding.kind === 'duplicate')
      at(`position ${String(position)} appears again${finding.previousEventId === undefined ? '' : ` (already held by event ${finding.previousEventId})`}: an event was duplicated or inserted`);
    else if (finding.kind === 'outOfOrder')
      at(`position ${String(position)} is out of order: it comes after position ${finding.after}${finding.ambiguous === true ? ' (or it is repeated)' : ''} — events were swapped or moved`);

    if (record.tenant !== tenant) at(`belongs to tenant ${JSON.stringify(record.tenant) ?? 'nothing'}, not ${JSON.stringify(tenant)}`);

    const leaf = leafHash(record, at);
    frontier = appendToFrontier(frontier, leaf).frontier;
    if (frontier.size === checkAt) rootAtCheckpoint = frontierRoot(frontier);
    if (onProgress !== undefined && count % PROGRESS_EVERY === 0) onProgress(count);
  };

  if (Symbol.asyncIterator in events) for await (const event of events) step(event);
  else for (const event of events) step(event);
  positions.finish();
  if (onProgress !== undefined && count % PROGRESS_EVERY !== 0) onProgress(count);

  if (options.end !== undefined && rootAtCheckpoint === null && options.end.treeSize === checkAt) {
    const hashes = options.end.hashes.map((h) => parseMerkleHashHex(h));
    try {
      if (hashes.some((h) => h === undefined)) throw new RangeError('a hash of the range is not 64 lowercase hex digits');
      rootAtCheckpoint = frontierRoot(extendFrontier(frontier, options.end.treeSize, hashes as Buffer[]));
    } catch (error) {
      problems.add({ position: null, problem: `the range after the last event (to size ${options.end.treeSize}) does not fit the log read: ${(error as Error).message}` });
    }
  }

  let checkpoint: LogVerificationReport['checkpoint'] = null;
  if (target !== null && !target.ok) checkpoint = { treeSize: target.treeSize, signatureValid: false, rootMatches: false };
  if (target?.ok === true) {
    const { treeSize, rootHash } = target.body;
    const captured: Buffer | null = rootAtCheckpoint;
    const rootMatches = captured !== null && merkleHashesEqual(captured, rootHash);
    checkpoint = { treeSize, signatureValid: true, rootMatches };
    if (captured === null) {
      if (treeSize >= prunedThrough)
        problems.add({ position: null, problem: `log has ${prunedThrough + count} events, checkpoint covers ${treeSize}: the log was truncated or events were removed after the checkpoint was signed` });
    } else if (!rootMatches)
      problems.add({
        position: null,
        problem:
          `the root over the first ${treeSize} events is ${merkleHashToHex(captured)}, the checkpoint signed ${merkleHashToHex(rootHash)}: ` +
          `the log differs from what was signed (an event at or before position ${treeSize} was edited, inserted, removed or reordered)`,
      });
  }

  const listed = problems.list();
  return { tenant, events: count, ...(prunedThrough > 0 ? { prunedThrough } : {}), rootHash: merkleHashToHex(frontierRoot(frontier)), checkpoint, problems: listed, ok: listed.length === 0 };
}

/** The leaf for this event: its hash recomputed from content. The stored hash is only compared against. */
function leafHash(record: Partial<Record<keyof StoredEvent, unknown>>, at: (problem: string) => void): Buffer {
  const stored = parseMerkleHashHex(record.hash);
  let computed: string;
  try {
    computed = hashEvent(record as StoredEvent);
  } catch (error) {
    at(`cannot be hashed: ${error instanceof Error ? error.message : String(error)}`);
    // Keep the leaf count right so later positions and the checkpoint size still line up.
    return stored ?? Buffer.alloc(32);
  }
  if (stored === undefined) at(`has no valid hash field (want 64 lowercase hex digits; recomputed ${short(computed)})`);
  else if (record.hash !== computed)
    at(`hash does not match the event's content (stored ${short(record.hash as string)}, recomputed ${short(computed)}): the event was changed after it was sealed`);
  return Buffer.from(computed, 'hex');
}

function missing(range: MissingRange): LogProblem {
  const which = range.from === range.to ? `position ${range.from} is missing` : `positions ${range.from}–${range.to} are missing`;
  const next = `the next event read${range.followedById === undefined ? '' : ` (${range.followedById})`} has position ${range.followedBy}`;
  return { position: range.from, problem: `${which}: ${next} — events were removed` };
}

/** Keeps the first `max` problems and counts the rest, so a wholesale-damaged log cannot exhaust memory. */
class ProblemList {
  private readonly items: { problem: LogProblem; order: number }[] = [];
  private dropped = 0;
  constructor(private readonly max: number) {}
  add(problem: LogProblem, order = problem.position ?? Infinity): void {
    if (this.items.length < this.max) this.items.push({ problem, order });
    else this.dropped++;
  }
  list(): LogProblem[] {
    // Per-event problems in position order (gaps are only known at the end), then those about the whole log;
    // Array.prototype.sort is stable, so problems of one position keep the order they were found in.
    const sorted = this.items.slice().sort((a, b) => (a.order === b.order ? 0 : a.order < b.order ? -1 : 1)).map(({ problem }) => problem);
    if (this.dropped > 0) sorted.push({ position: null, problem: `${this.dropped} more problems not listed (limit ${this.max})` });
    return sorted;
  }
}
