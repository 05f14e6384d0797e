import type { StoredEvent, UnsealedEvent } from '../event/types.ts';

/** Lowercase hex SHA-256 over 0x00 ‖ JCS(event without hash). */
export function hashEvent(event: Omit<StoredEvent, 'hash'>): string {
  void event;
  throw new Error('not implemented');
}

/** Assigns the commit's position and stream version and computes the hash. Called by stores inside the commit. */
export function sealEvent(event: UnsealedEvent, position: number, streamVersion: number): StoredEvent {
  void event; void position; void streamVersion;
  throw new Error('not implemented');
}
