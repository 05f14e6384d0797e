/**
 * Follows the positions of a log read in order, which must be exactly 1, 2, …, n, and says what is wrong with each
 * one that is not the next. Missing ranges are held back until the end (in a bounded list) so that a position
 * arriving late is called "out of order" rather than "missing" plus "repeated": a swap of 5 and 6 is reported once,
 * at 5, and a position seen before (not in any missing range) is a duplicate.
 */
export type PositionFinding =
  | { kind: 'ok' }
  | { kind: 'invalid' }
  | { kind: 'duplicate'; previousEventId: string | undefined }
  | { kind: 'outOfOrder'; after: number };

export interface MissingRange {
  from: number;
  to: number;
  /** The position read right after the hole, and its event id: what the reader saw instead. */
  followedBy: number;
  followedById: string | undefined;
}

// Enough for any realistic damage; beyond it the oldest holes are reported as missing straight away, and a position
// arriving late below them can no longer be told apart from a repeat (it is then called out of order or repeated).
const MAX_PENDING_RANGES = 4096;

export class PositionTracker {
  private highest = 0;
  private highestId: string | undefined;
  private pending: MissingRange[] = [];
  /** Holes evicted from `pending` reach at most this position. */
  private evictedBelow = 0;

  /** `start`: positions 1..start are known gone (pruned); the log read begins at start + 1. */
  constructor(
    private readonly onMissing: (range: MissingRange) => void,
    start = 0,
  ) {
    this.highest = start;
  }

  next(position: unknown, eventId: string | undefined): PositionFinding & { ambiguous?: boolean } {
    if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 1) return { kind: 'invalid' };
    if (position > this.highest) {
      if (position > this.highest + 1) this.remember({ from: this.highest + 1, to: position - 1, followedBy: position, followedById: eventId });
      this.highest = position;
      this.highestId = eventId;
      return { kind: 'ok' };
    }
    if (this.fill(position)) return { kind: 'outOfOrder', after: this.highest };
    if (position === this.highest) return { kind: 'duplicate', previousEventId: this.highestId };
    if (position <= this.evictedBelow) return { kind: 'outOfOrder', after: this.highest, ambiguous: true };
    return { kind: 'duplicate', previousEventId: undefined };
  }

  /** Reports the holes nothing filled; call once after the last event. */
  finish(): void {
    for (const range of this.pending) this.onMissing(range);
    this.pending = [];
  }

  private remember(range: MissingRange): void {
    if (this.pending.length >= MAX_PENDING_RANGES) {
      const oldest = this.pending.shift() as MissingRange;
      this.evictedBelow = Math.max(this.evictedBelow, oldest.to);
      this.onMissing(oldest);
    }
    this.pending.push(range);
  }

  /** Removes `position` from the hole that holds it, if any. Holes are kept in increasing order. */
  private fill(position: number): boolean {
    const index = this.pending.findIndex((range) => range.from <= position && position <= range.to);
    if (index < 0) return false;
    const range = this.pending[index] as MissingRange;
    const parts: MissingRange[] = [];
    if (range.from < position) parts.push({ ...range, to: position - 1 });
    if (position < range.to) parts.push({ ...range, from: position + 1 });
    this.pending.splice(index, 1, ...parts);
    return true;
  }
}
