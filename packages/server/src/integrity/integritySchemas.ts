import { errorResponses, filterQueryProperties } from '../http/commonSchemas.ts';

/** OpenAPI for the integrity routes; the wire format is DESIGN.md's ("Guarantees" → Integrity) and docs/integrity.md's. */

const hex = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256, lowercase hex.' } as const;
const hashes = { type: 'array', items: hex } as const;
const tenant = { tenant: { ...filterQueryProperties.tenant, description: 'Admin keys only: another tenant (not *: a tree is one tenant\'s log).' } };
const VERIFY = ' Take tree sizes and roots from a signed checkpoint you verified, never from a proof response (docs/integrity.md).';

export const latestCheckpointSchema = {
  tags: ['integrity'],
  summary: "The tenant's latest signed checkpoint",
  description:
    'A C2SP tlog-checkpoint (signed note, Ed25519) over the RFC 9162 Merkle tree of the tenant\'s events: origin `<origin>/<tenant>`, ' +
    'tree size, root. Keep the ones you fetch: a later checkpoint must be consistent with each (GET /v1/proofs/consistency). ' +
    '404 while the tenant has none yet (no events, or not integrated yet: the first follows within seconds).',
  querystring: { type: 'object', properties: tenant },
  response: {
    200: {
      description: 'The checkpoint and the key that signed it.',
      type: 'object',
      properties: {
        treeSize: { type: 'integer', description: 'Events covered: positions 1 to treeSize.' },
        rootHash: { ...hex, description: 'The tree root, lowercase hex (also in the note, base64).' },
        checkpoint: { type: 'string', description: 'The signed note text, exactly as signed.' },
        publicKey: { type: 'string', description: 'The Ed25519 public key, base64 of the 32 raw bytes.' },
        verifierKey: { type: 'string', description: 'The signed-note verifier key `<name>+<key id hex>+<base64(0x01 ‖ key)>`.' },
      },
    },
    ...errorResponses(400, 401, 403, 404),
  },
} as const;

export const inclusionProofSchema = {
  tags: ['integrity'],
  summary: "Proof that an event is in the tenant's log",
  description:
    'RFC 9162 inclusion proof of the event (leaf position − 1) in the tree of treeSize leaves. treeSize defaults to the latest checkpoint\'s; ' +
    'it must include the event and be at most the size integrated so far (400 otherwise, saying which sizes work). ' +
    "404 for an unknown id, another tenant's event and, with a restricted viewer token, an event outside its restriction alike." + VERIFY,
  params: { type: 'object', properties: { id: { type: 'string', description: 'The event id (UUIDv7).' } } },
  querystring: { type: 'object', properties: { treeSize: { type: 'integer', minimum: 1 }, ...tenant } },
  response: {
    200: {
      description: 'The proof.',
      type: 'object',
      properties: {
        leafIndex: { type: 'integer', description: 'position − 1.' },
        treeSize: { type: 'integer' },
        leafHash: { ...hex, description: "The event's hash: SHA-256(0x00 ‖ JCS(event without hash)), the RFC 9162 leaf hash." },
        hashes: { ...hashes, description: 'The audit path, from the leaf up.' },
      },
    },
    ...errorResponses(400, 401, 403, 404),
  },
} as const;

export const consistencyProofSchema = {
  tags: ['integrity'],
  summary: 'Proof that the log only grew between two sizes',
  description:
    'RFC 9162 consistency proof from the tree of `from` leaves to the tree of `to` leaves (default: the latest checkpoint\'s size). ' +
    '1 ≤ from ≤ to ≤ the size integrated so far: there is no proof from the empty tree (every tree extends it). ' +
    'Equal sizes give an empty proof.' + VERIFY,
  querystring: {
    type: 'object',
    required: ['from'],
    properties: { from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 }, ...tenant },
  },
  response: {
    200: {
      description: 'The proof.',
      type: 'object',
      properties: { from: { type: 'integer' }, to: { type: 'integer' }, hashes },
    },
    ...errorResponses(400, 401, 403),
  },
} as const;
