import type { PersonalDataStore } from '@vellum/core';

interface SubjectEntry {
  key: Uint8Array | null;
  forgottenAt: string | null;
}

/** Subject keys in a Map, for tests and the `memory:` store. Keys are copied in and out. */
export class InMemoryPersonalDataStore implements PersonalDataStore {
  readonly #subjects = new Map<string, SubjectEntry>();

  subjectKey(tenant: string, subject: string, candidate: Uint8Array): Promise<Uint8Array | null> {
    const id = JSON.stringify([tenant, subject]);
    let entry = this.#subjects.get(id);
    if (entry === undefined) {
      entry = { key: new Uint8Array(candidate), forgottenAt: null };
      this.#subjects.set(id, entry);
    }
    return Promise.resolve(entry.key === null ? null : new Uint8Array(entry.key));
  }

  async subjectKeysOrCreate(tenant: string, candidates: ReadonlyMap<string, Uint8Array>): Promise<Map<string, Uint8Array | null>> {
    const keys = new Map<string, Uint8Array | null>();
    for (const [subject, candidate] of candidates) keys.set(subject, await this.subjectKey(tenant, subject, candidate));
    return keys;
  }

  subjectKeys(tenant: string, subjects: readonly string[]): Promise<Map<string, Uint8Array | null>> {
    const keys = new Map<string, Uint8Array | null>();
    for (const subject of subjects) {
      const entry = this.#subjects.get(JSON.stringify([tenant, subject]));
      if (entry !== undefined) keys.set(subject, entry.key === null ? null : new Uint8Array(entry.key));
    }
    return Promise.resolve(keys);
  }

  forgetSubject(tenant: string, subject: string, at: string): Promise<{ forgotten: boolean; forgottenAt: string }> {
    const id = JSON.stringify([tenant, subject]);
    const entry = this.#subjects.get(id);
    if (entry?.forgottenAt != null) return Promise.resolve({ forgotten: false, forgottenAt: entry.forgottenAt });
    const forgotten = entry?.key != null;
    if (entry?.key != null) entry.key.fill(0);
    this.#subjects.set(id, { key: null, forgottenAt: at });
    return Promise.resolve({ forgotten, forgottenAt: at });
  }
}
