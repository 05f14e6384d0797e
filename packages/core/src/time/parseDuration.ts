const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

/**
 * A duration as people write it in configuration and requests — `500ms`, `5s`, `5m`, `24h`, `90d` — in
 * milliseconds; null when the text is not one. One number and one unit: `1h30m` is refused rather than
 * guessed at.
 */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (match === null) return null;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
