import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ed25519RawPublicKey,
  formatCheckpointBody,
  formatVerifierKey,
  noteKeyId,
  openSignedNote,
  parseCheckpointBody,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifySignedCheckpoint,
  type CheckpointBody,
  type NoteVerifierKey,
} from '../../src/integrity/checkpoint/signedCheckpoint.ts';

// c2sp.org/tlog-checkpoint bodies in c2sp.org/signed-note envelopes. The published vectors (vectors/note-*.json, which
// name their sources) pin us to golang.org/x/mod/sumdb/note byte for byte; the rest covers tampering and hostile input.

const EM = '\u2014';

function newSigner(name: string): { name: string; privateKeyPkcs8Der: Buffer; key: NoteVerifierKey } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return { name, privateKeyPkcs8Der: der, key: { name, publicKey: ed25519RawPublicKey(der) } };
}

/** Go's signer key holds the 32-byte seed; PKCS #8 for Ed25519 is a fixed 16-byte prefix and the seed (RFC 8410 §7). */
function pkcs8FromGoSignerKey(skey: string): { name: string; privateKeyPkcs8Der: Buffer } {
  // PRIVATE+KEY+<name>+<hex id>+<base64>: the base64 may itself contain '+', so only the first four split.
  const [, , name, , ...data] = skey.split('+');
  const seed = Buffer.from(data.join('+'), 'base64');
  expect(seed.byteLength).toBe(33);
  expect(seed[0]).toBe(0x01);
  return { name: name as string, privateKeyPkcs8Der: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed.subarray(1)]) };
}

const body: CheckpointBody = {
  origin: 'vellum.example.com/tenant/acme',
  treeSize: 20852163,
  rootHash: createHash('sha256').update('root').digest(),
};
const log = newSigner('vellum.example.com/tenant/acme');

describe('published vectors (golang.org/x/mod/sumdb/note, transparency-dev/formats)', () => {
  const vectors = JSON.parse(readFileSync(new URL('./vectors/note-golang-sumdb.json', import.meta.url), 'utf8')) as {
    sources: { repository: string; path: string; commit: string }[];
    goNote: Record<'signerKey' | 'peterVerifierKey' | 'enochVerifierKey' | 'text' | 'peterSignatureLine' | 'enochSignatureLine', string> & {
      badVerifierKeys: string[];
    };
    sumdbCheckpoint: { verifierKey: string; note: string; origin: string; treeSize: number; rootHashBase64: string };
  };
  const go = vectors.goNote;
  const peter = parseVerifierKey(go.peterVerifierKey) as NoteVerifierKey;
  const enoch = parseVerifierKey(go.enochVerifierKey) as NoteVerifierKey;

  it('the file names its sources', () => {
    for (const source of vectors.sources) {
      expect(source.repository).toMatch(/^https:\/\/github\.com\//);
      expect(source.commit).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('parses the verifier keys and formats them back identically', () => {
    expect(peter.name).toBe('PeterNeumann');
    expect(formatVerifierKey(peter)).toBe(go.peterVerifierKey);
    expect(formatVerifierKey(enoch)).toBe(go.enochVerifierKey);
    expect(Buffer.from(noteKeyId(peter.name, peter.publicKey)).toString('hex')).toBe('c74f20a3');
  });

  it('signs the text to exactly the published signature line (Ed25519 is deterministic)', () => {
    const signer = pkcs8FromGoSignerKey(go.signerKey);
    expect(Buffer.from(ed25519RawPublicKey(signer.privateKeyPkcs8Der)).equals(Buffer.from(peter.publicKey))).toBe(true);
    expect(signNote(go.text, signer)).toBe(`${go.text}\n${go.peterSignatureLine}`);
  });

  it('opens the note signed by one key, by both, and not by an unknown one (TestOpen)', () => {
    const both = `${go.text}\n${go.peterSignatureLine}${go.enochSignatureLine}`;
    expect(openSignedNote(both, peter)).toBe(go.text);
    expect(openSignedNote(both, enoch)).toBe(go.text);
    expect(openSignedNote(`${go.text}\n${go.peterSignatureLine}`, enoch)).toBeNull();
  });

  it("rejects Go's malformed and invalid notes", () => {
    const sig = go.peterSignatureLine;
    const bad = [
      go.text,
      `${go.text}\n`,
      `${go.text}\n${sig.slice(0, -1)}`,
      `\u0001${go.text}\n${sig}`,
      `${go.text}\n${EM} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${go.text}\n${sig}Unexpected line.\n`,
      `${go.text}\n${sig.repeat(101)}`,
      `${go.text}\n${sig.slice(0, 60)}ABCD${sig.slice(60)}`,
    ];
    for (const note of bad) expect(openSignedNote(note, peter)).toBeNull();
    expect(openSignedNote(`${go.text}\n${sig.repeat(100)}`, peter)).toBe(go.text);
  });

  it("rejects every substring and every one-character change of a verifier key, and Go's bad keys (TestNewVerifier)", () => {
    const vkey = go.peterVerifierKey;
    for (let i = 0; i <= vkey.length; i++) {
      for (let j = i + 1; j <= vkey.length; j++) if (i !== 0 || j !== vkey.length) expect(parseVerifierKey(vkey.slice(i, j))).toBeNull();
    }
    for (let i = 0; i < vkey.length; i++) {
      const changed = vkey.slice(0, i) + String.fromCharCode(vkey.charCodeAt(i) + 1) + vkey.slice(i + 1);
      expect(parseVerifierKey(changed)).toBeNull();
    }
    for (const badKey of go.badVerifierKeys) expect(parseVerifierKey(badKey)).toBeNull();
  });

  it('verifies a checkpoint signed by sum.golang.org (whose key name differs from its origin)', () => {
    const v = vectors.sumdbCheckpoint;
    const key = parseVerifierKey(v.verifierKey) as NoteVerifierKey;
    const verified = verifySignedCheckpoint(v.note, key);
    expect(verified).not.toBeNull();
    expect(verified?.origin).toBe(v.origin);
    expect(verified?.treeSize).toBe(v.treeSize);
    expect(Buffer.from(verified?.rootHash ?? []).toString('base64')).toBe(v.rootHashBase64);
    expect(verified?.extensions).toBeUndefined();
    expect(verifySignedCheckpoint(v.note.replace('6476701', '6476702'), key)).toBeNull();
    expect(verifySignedCheckpoint(v.note, peter)).toBeNull();
  });
});

describe('checkpoint body (c2sp.org/tlog-checkpoint)', () => {
  it('is origin, decimal size and standard padded base64 root, each line ending in a newline', () => {
    const root = Buffer.alloc(32, 0xff);
    expect(formatCheckpointBody({ origin: 'example.com/log', treeSize: 0, rootHash: root })).toBe(
      `example.com/log\n0\n${'/'.repeat(42)}8=\n`,
    );
    expect(formatCheckpointBody({ ...body, extensions: ['ext one', 'two'] })).toBe(
      `${body.origin}\n20852163\n${Buffer.from(body.rootHash).toString('base64')}\next one\ntwo\n`,
    );
  });

  it('parses what it formats, extension lines included', () => {
    expect(parseCheckpointBody(formatCheckpointBody(body))).toEqual({ ...body, rootHash: new Uint8Array(body.rootHash) });
    expect(parseCheckpointBody(formatCheckpointBody({ ...body, extensions: ['x'] }))?.extensions).toEqual(['x']);
  });

  it('refuses to format what the spec forbids', () => {
    expect(() => formatCheckpointBody({ ...body, origin: '' })).toThrow(TypeError);
    expect(() => formatCheckpointBody({ ...body, origin: 'a\nb' })).toThrow(TypeError);
    expect(() => formatCheckpointBody({ ...body, treeSize: -1 })).toThrow(RangeError);
    expect(() => formatCheckpointBody({ ...body, treeSize: 1.5 })).toThrow(RangeError);
    expect(() => formatCheckpointBody({ ...body, treeSize: 2 ** 53 })).toThrow(RangeError);
    expect(() => formatCheckpointBody({ ...body, rootHash: new Uint8Array(31) })).toThrow(TypeError);
    expect(() => formatCheckpointBody({ ...body, extensions: [''] })).toThrow(TypeError);
  });

  it.each([
    ['two lines', 'o\n1\n'],
    ['no final newline', `o\n1\n${'A'.repeat(43)}=`],
    ['empty origin', `\n1\n${'A'.repeat(43)}=\n`],
    ['leading zero size', `o\n01\n${'A'.repeat(43)}=\n`],
    ['signed size', `o\n+1\n${'A'.repeat(43)}=\n`],
    ['size beyond 2^53 − 1', `o\n9007199254740992\n${'A'.repeat(43)}=\n`],
    ['31-byte root', `o\n1\n${Buffer.alloc(31).toString('base64')}\n`],
    ['unpadded root', `o\n1\n${'A'.repeat(43)}\n`],
    ['URL-safe root', `o\n1\n${'_'.repeat(42)}8=\n`],
    ['non-zero padding bits', `o\n1\n${'A'.repeat(42)}B=\n`],
    ['empty extension line', `o\n1\n${'A'.repeat(43)}=\n\n`],
  ])('rejects a body with %s', (_name, text) => {
    expect(parseCheckpointBody(text)).toBeNull();
  });
});

describe('signCheckpoint / verifySignedCheckpoint', () => {
  const note = signCheckpoint(body, log);
  const [text, signatureLine] = note.split('\n\n') as [string, string];

  it('round trips, and the note is body, blank line, em-dash signature line with key id and 64-byte signature', () => {
    expect(text + '\n').toBe(formatCheckpointBody(body));
    expect(signatureLine).toMatch(new RegExp(`^${EM} ${log.name} [A-Za-z0-9+/]{91}=\\n$`));
    const raw = Buffer.from(signatureLine.split(' ')[2] as string, 'base64');
    expect(raw.byteLength).toBe(68);
    expect(raw.subarray(0, 4).equals(Buffer.from(noteKeyId(log.name, log.key.publicKey)))).toBe(true);
    expect(verifySignedCheckpoint(note, log.key)).toEqual({ ...body, rootHash: new Uint8Array(body.rootHash) });
    expect(verifySignedCheckpoint(signCheckpoint({ ...body, extensions: ['e'] }, log), log.key)?.extensions).toEqual(['e']);
  });

  it('computes the key id as SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]', () => {
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from(`${log.name}\n`), Buffer.from([1]), log.key.publicKey]))
      .digest()
      .subarray(0, 4);
    expect(Buffer.from(noteKeyId(log.name, log.key.publicKey)).equals(expected)).toBe(true);
  });

  it('round trips the verifier key string', () => {
    const vkey = formatVerifierKey(log.key);
    expect(vkey).toMatch(/^vellum\.example\.com\/tenant\/acme\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    const parsed = parseVerifierKey(vkey);
    expect(parsed?.name).toBe(log.name);
    expect(Buffer.from(parsed?.publicKey ?? []).equals(Buffer.from(log.key.publicKey))).toBe(true);
  });

  it('rejects a tampered origin, size, root or extension', () => {
    const root = Buffer.from(body.rootHash).toString('base64');
    const otherRoot = Buffer.from(Buffer.from(body.rootHash).map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64');
    expect(verifySignedCheckpoint(note.replace('acme', 'acmf'), log.key)).toBeNull();
    expect(verifySignedCheckpoint(note.replace('20852163', '20852164'), log.key)).toBeNull();
    expect(verifySignedCheckpoint(note.replace(root, otherRoot), log.key)).toBeNull();
    expect(verifySignedCheckpoint(note.replace(`${root}\n`, `${root}\nextra\n`), log.key)).toBeNull();
  });

  it('rejects a tampered signature, bit by bit', () => {
    const encoded = signatureLine.split(' ')[2]?.trim() as string;
    const raw = Buffer.from(encoded, 'base64');
    for (const index of [4, 5, 30, 67]) {
      const flipped = Buffer.from(raw);
      flipped[index] = (flipped[index] as number) ^ 0x01;
      expect(verifySignedCheckpoint(note.replace(encoded, flipped.toString('base64')), log.key)).toBeNull();
    }
  });

  it('rejects a note signed by another key, or under another name', () => {
    const other = newSigner(log.name);
    expect(verifySignedCheckpoint(signCheckpoint(body, other), log.key)).toBeNull();
    expect(verifySignedCheckpoint(note, other.key)).toBeNull();
    // The same key pair under another name: a different key id, and the name on the line differs too.
    const renamed = { name: 'vellum.example.com/other', privateKeyPkcs8Der: log.privateKeyPkcs8Der };
    expect(verifySignedCheckpoint(signCheckpoint(body, renamed), log.key)).toBeNull();
    expect(verifySignedCheckpoint(note, { name: renamed.name, publicKey: log.key.publicKey })).toBeNull();
  });

  it('ignores signatures by unknown keys, before or after ours, even sharing our name or our key id', () => {
    const witness = signNote(text + '\n', newSigner('witness.example/w1')).split('\n\n')[1] as string;
    const sameName = signNote(text + '\n', newSigner(log.name)).split('\n\n')[1] as string;
    const keyId = Buffer.from(noteKeyId(log.name, log.key.publicKey));
    const sameId = `${EM} someone.else ${Buffer.concat([keyId, randomBytes(64)]).toString('base64')}\n`;
    for (const others of [[witness], [sameId, witness], [witness, sameId]]) {
      expect(verifySignedCheckpoint(`${text}\n\n${others.join('')}${signatureLine}`, log.key)?.treeSize).toBe(body.treeSize);
      expect(verifySignedCheckpoint(`${text}\n\n${signatureLine}${others.join('')}`, log.key)?.treeSize).toBe(body.treeSize);
    }
    // Same name and another key's id: unknown, so ignored — unless it collides on both, see the next test.
    expect(verifySignedCheckpoint(`${text}\n\n${sameName}${signatureLine}`, log.key)?.treeSize).toBe(body.treeSize);
    expect(verifySignedCheckpoint(`${text}\n\n${witness}`, log.key)).toBeNull();
  });

  it('lets the first signature by our key decide, as Go does', () => {
    const encoded = signatureLine.split(' ')[2]?.trim() as string;
    const raw = Buffer.from(encoded, 'base64');
    raw[10] = (raw[10] as number) ^ 0xff;
    const forged = signatureLine.replace(encoded, raw.toString('base64'));
    expect(verifySignedCheckpoint(`${text}\n\n${signatureLine}${forged}`, log.key)).not.toBeNull();
    expect(verifySignedCheckpoint(`${text}\n\n${forged}${signatureLine}`, log.key)).toBeNull();
  });

  it('rejects a validly signed note whose text is not a checkpoint', () => {
    expect(verifySignedCheckpoint(signNote('just one line\n', log), log.key)).toBeNull();
    expect(openSignedNote(signNote('just one line\n', log), log.key)).toBe('just one line\n');
  });
});

describe('hostile notes', () => {
  const note = signCheckpoint(body, log);
  const [text, signatureLine] = note.split('\n\n') as [string, string];

  it.each([
    ['no blank line', note.replace('\n\n', '\n')],
    ['no final newline', note.slice(0, -1)],
    ['an ASCII hyphen for the em dash', note.replace(EM, '-')],
    ['an en dash for the em dash', note.replace(EM, '\u2013')],
    ['two spaces after the dash', note.replace(`${EM} `, `${EM}  `)],
    ['a carriage return', note.replace(/\n/g, '\r\n')],
    ['a tab in the body', note.replace('acme', 'ac\tme')],
    ['a NUL', `\u0000${note}`],
    ['a lone surrogate', note.replace('acme', 'ac\ud800me')],
    ['a name with a plus', `${text}\n\n${signatureLine.replace(log.name, 'a+b')}`],
    ['a name with a no-break space', `${text}\n\n${signatureLine.replace(log.name, 'a\u00a0b')}`],
    ['a signature that is not base64', `${text}\n\n${EM} ${log.name} ***\n`],
    ['URL-safe base64', note.replace(/\+/g, '-').replace(/\//g, '_')],
    ['missing base64 padding', note.replace(/=\n$/, '\n')],
    ['a signature of only a key id', `${text}\n\n${EM} ${log.name} ${Buffer.from(noteKeyId(log.name, log.key.publicKey)).toString('base64')}\n`],
    ['a line after the signatures', `${note}trailing\n`],
    ['101 signature lines', `${text}\n\n${signatureLine.repeat(101)}`],
    ['more than 1 MiB', `${text}\n\n${`${EM} x ${'A'.repeat(1 << 20)}\n`}${signatureLine}`],
    ['an empty note', ''],
  ])('rejects %s', (_name, hostile) => {
    expect(verifySignedCheckpoint(hostile, log.key)).toBeNull();
  });

  it('never throws, whatever the input or the configured key', () => {
    const odd: unknown[] = [undefined, null, 42, {}, [], Buffer.from(note)];
    for (const value of odd) expect(verifySignedCheckpoint(value as string, log.key)).toBeNull();
    const keys: unknown[] = [
      { name: log.name, publicKey: new Uint8Array(31) },
      { name: log.name, publicKey: 'not bytes' },
      { name: '', publicKey: log.key.publicKey },
      { name: log.name },
      null,
    ];
    for (const key of keys) expect(verifySignedCheckpoint(note, key as NoteVerifierKey)).toBeNull();
    expect(parseVerifierKey(undefined as unknown as string)).toBeNull();
    expect(parseVerifierKey(`${'a'.repeat(5000)}+00000000+AAAA`)).toBeNull();
  });

  it('rejects every one-character change of a signed note (a seeded sample of 3,000)', () => {
    let seed = 20260101;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = 'AZaz09+/=\n \u2014-.xé';
    for (let i = 0; i < 3000; i++) {
      const at = next() % note.length;
      const replacement = alphabet[next() % alphabet.length] as string;
      if (replacement === note[at]) continue;
      const mutated = note.slice(0, at) + replacement + note.slice(at + 1);
      expect(verifySignedCheckpoint(mutated, log.key), JSON.stringify(mutated)).toBeNull();
    }
  });

  it('refuses to sign what it would refuse to read', () => {
    expect(() => signNote('no newline', log)).toThrow(TypeError);
    expect(() => signNote('a\u0007\n', log)).toThrow(TypeError);
    expect(() => signNote('ok\n', { ...log, name: 'bad name' })).toThrow(TypeError);
    expect(() => signNote('ok\n', { ...log, name: 'a+b' })).toThrow(TypeError);
    expect(() => signNote('ok\n', { name: 'k', privateKeyPkcs8Der: Buffer.from('nope') })).toThrow(TypeError);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs8' });
    expect(() => signNote('ok\n', { name: 'k', privateKeyPkcs8Der: rsa })).toThrow(/Ed25519/);
  });
});
