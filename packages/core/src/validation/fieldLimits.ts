/**
 * Per-field limits of the event model, in one place. Lengths count UTF-16 code units (JavaScript's
 * `length`). Whole-event and whole-request sizes are `IngestLimits`, because operators tune those.
 */
export const FIELD_LIMITS = {
  /** `type`, as DESIGN.md fixes it. */
  typeChars: 128,
  actionChars: 128,
  /** Identifier-like strings: actor/entity type and id, stream, tags, change fields, correlation ids, keys. */
  identifierChars: 256,
  /** Free text: names, e-mail, user agent, route. */
  textChars: 8 * 1024,
  tagsPerEvent: 100,
  changesPerEvent: 1000,
  /** Containers inside `data`, `context` and `changes[].old/new`, counting the outermost as 1. */
  nestingDepth: 32,
  /** Error bodies stay bounded: after this many details the rest are only counted. */
  detailsPerResponse: 100,
  /** Longest key shown in a path or message before it is cut, so a hostile key cannot bloat an error body. */
  keyInMessageChars: 200,
} as const;
