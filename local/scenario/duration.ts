const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `1d6h`, `1h30m` or a number of seconds → milliseconds; undefined when malformed. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const text = value.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g))
    total += Number(amount) * (UNITS[unit ?? 's'] ?? 0);
  return Math.round(total);
}

/** Virtual time as `day 0 08:00:12`, counted from the day the run started. */
export function formatVirtual(at: number, start: number): string {
  const startDay = Math.floor(start / 86_400_000);
  const day = Math.floor(at / 86_400_000) - startDay;
  return `day ${day} ${new Date(at).toISOString().slice(11, 19)}`;
}
