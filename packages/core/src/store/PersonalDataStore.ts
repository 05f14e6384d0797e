/**
 * Per-tenant subject keys for crypto-shredding (core/personal). A subject's key is created on first use and
 * shared by every node; forgetting the subject deletes the key bytes and keeps a tombstone, so the subject never
 * gets a key again (its later events are stored with `[erased]` in place of personal values).
 */
export interface PersonalDataStore {
  /**
   * The subject's key, creating it from `candidate` (32 random bytes) when it has none; every later call, on any
   * node, returns the stored one. Null when the subject was forgotten.
   */
  subjectKey(tenant: string, subject: string, candidate: Uint8Array): Promise<Uint8Array | null>;
  /**
   * subjectKey for many subjects of one tenant at once (one transaction: ingest of a batch with many new subjects
   * costs one commit, not one per subject). Returns every subject of `candidates` with its stored key or null.
   */
  subjectKeysOrCreate(tenant: string, candidates: ReadonlyMap<string, Uint8Array>): Promise<Map<string, Uint8Array | null>>;
  /** The keys of the subjects that have one (or null when forgotten); subjects never seen are absent from the map. */
  subjectKeys(tenant: string, subjects: readonly string[]): Promise<Map<string, Uint8Array | null>>;
  /**
   * Destroys the subject's key (deleting its bytes) and leaves a tombstone. `forgotten` is true when this call
   * destroyed a key; `forgottenAt` is the tombstone's time (the first forget's, when it was already forgotten).
   */
  forgetSubject(tenant: string, subject: string, at: string): Promise<{ forgotten: boolean; forgottenAt: string }>;
}
