import type { StoredEvent } from '../../event/types.ts';
import type { NoteVerifierKey } from '../checkpoint/signedCheckpoint.ts';

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
  /** Stop listing problems after this many (default 100); counting continues. */
  maxProblems?: number;
}

/**
 * Checks a tenant's log without trusting whoever stored it: every event's hash recomputed from its content,
 * positions 1..n with no gap, duplicate or reorder, tenant field, and the Merkle root at the checkpoint's size
 * against the signed checkpoint. Events must come in position order. TODO(integrity helper): implement.
 */
export declare function verifyLog(events: AsyncIterable<StoredEvent> | Iterable<StoredEvent>, options: VerifyLogOptions): Promise<LogVerificationReport>;
