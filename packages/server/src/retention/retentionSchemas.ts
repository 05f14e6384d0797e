import { errorResponses, errorSchema } from '../http/commonSchemas.ts';

const policy = {
  type: 'object',
  nullable: true,
  properties: {
    keepDays: { type: 'integer', minimum: 1, maximum: 36500, description: 'Days an event is kept after it was recorded (recordedAt).' },
    archive: { type: 'boolean', description: 'Write the events to an archive export (retention.archiveDir) before they are removed.' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const lastPrune = {
  type: 'object',
  nullable: true,
  description: 'The latest prune, or null if the log was never pruned.',
  properties: {
    prunedThrough: { type: 'integer', description: 'Positions 1 to this are gone; later positions are unchanged.' },
    eventsRemoved: { type: 'integer' },
    checkpointSize: { type: 'integer', description: 'The size of the signed checkpoint the cut was bounded by.' },
    archive: { type: 'string', nullable: true, description: 'The archive file written before the prune, on the node that pruned.' },
    prunedAt: { type: 'string', format: 'date-time' },
    frontier: {
      type: 'array',
      items: { type: 'string' },
      description:
        'The compact range of the pruned positions (RFC 9162 perfect subtree hashes, lowercase hex, largest first). With it a later export ' +
        'still verifies against a signed checkpoint: save this response and pass it to vellum verify --pruned. Hashes only, no event content.',
    },
  },
} as const;

const TENANT_NOTE = 'The tenant is the key\'s own; an admin key names another with the Vellum-Tenant header.';

export const getRetentionSchema = {
  tags: ['retention'],
  summary: "The tenant's retention policy and its latest prune",
  description: `Needs keys:manage (or admin). ${TENANT_NOTE}`,
  response: {
    200: { description: 'The policy (null when events are kept forever) and the latest prune.', type: 'object', properties: { tenant: { type: 'string' }, policy, lastPrune } },
    ...errorResponses(400, 401, 403),
  },
} as const;

export const putRetentionSchema = {
  tags: ['retention'],
  summary: 'Set the tenant\'s retention policy (admin)',
  description:
    'Events recorded more than keepDays days ago are removed by the next retention run (the sweeper, or POST /v1/retention/run), ' +
    'keeping what remains verifiable: docs/integrity.md, "Retention". Admin only, since retention deletes data. Audited as ' +
    `vellum.retention.policy_set. ${TENANT_NOTE}`,
  body: {
    type: 'object',
    required: ['keepDays'],
    properties: { keepDays: { type: 'integer', minimum: 1, maximum: 36500 }, archive: { type: 'boolean', default: false } },
    additionalProperties: false,
  },
  response: {
    200: { description: 'The policy as stored.', type: 'object', properties: { tenant: { type: 'string' }, policy } },
    ...errorResponses(400, 401, 403, 415),
  },
} as const;

export const deleteRetentionSchema = {
  tags: ['retention'],
  summary: 'Remove the tenant\'s retention policy: keep events forever (admin)',
  description: `Audited as vellum.retention.policy_cleared. 404 when the tenant has no policy. ${TENANT_NOTE}`,
  response: {
    200: { description: 'The policy is gone: events are kept forever.', type: 'object', properties: { tenant: { type: 'string' }, policy } },
    ...errorResponses(401, 403, 404),
  },
} as const;

export const runRetentionSchema = {
  tags: ['retention'],
  summary: "Apply the tenant's retention policy now (admin)",
  description:
    'Prunes what the policy allows now, exactly as the sweeper would (archive first if the policy asks, then one atomic prune, audited as ' +
    'vellum.retention.pruned). With dryRun, only reports what would be pruned. 404 when the tenant has no policy. ' +
    TENANT_NOTE,
  body: { type: 'object', properties: { dryRun: { type: 'boolean', default: false } }, additionalProperties: false },
  response: {
    200: {
      description: 'What the run did or, dry, would do.',
      type: 'object',
      properties: {
        tenant: { type: 'string' },
        dryRun: { type: 'boolean' },
        pruned: { type: 'boolean', description: 'True when this run removed events.' },
        prunedThrough: { type: 'integer', description: 'The prune point after the run (dry: the one it would reach).' },
        eventsRemoved: { type: 'integer' },
        checkpointSize: { type: 'integer', nullable: true },
        archive: { type: 'string', nullable: true },
        reason: { type: 'string', description: 'Why nothing was pruned.' },
      },
    },
    ...errorResponses(400, 401, 403, 404, 415),
    500: { ...errorSchema, description: 'ARCHIVE_FAILED: the archive could not be written (the message names the directory and the reason); nothing was pruned.' },
  },
} as const;
