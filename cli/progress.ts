import type { Out } from './io';
import { oneLine } from './terminal-text';

/** `8s`, `2m05s`, `1h02m`: short enough for a progress line. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Rate since the start and the time left at that rate; `-` until the first item is done. */
export function rateAndEta(done: number, total: number, elapsedMs: number): string {
  if (done === 0 || elapsedMs <= 0) return 'rate - ETA -';
  const perSecond = done / (elapsedMs / 1000);
  const rate = perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1);
  return `${rate}/s ETA ${duration((total - done) / perSecond)}`;
}

/**
 * A progress bar on a TTY (redrawn in place), plain lines otherwise (every 10 % or 5 s), with the rate
 * so far and the time left at that rate. Always stderr.
 */
export function progress(out: Out, total: number, rawLabel: string, now: () => number = Date.now) {
  // The bar's own \r and ESC[K are ours; the label and the extra text may come from input.
  const label = oneLine(rawLabel);
  const started = now();
  let lastLine = -1;
  let lastAt = 0;
  return {
    update(done: number, rawExtra: string) {
      const extra = oneLine(rawExtra);
      const pace = rateAndEta(done, total, now() - started);
      if (out.isTTY) {
        const width = 30;
        const filled = total === 0 ? width : Math.round((done / total) * width);
        out.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${pace} ${extra}\x1b[K`,
        );
        return;
      }
      const step = Math.floor((done / Math.max(total, 1)) * 10);
      if (step > lastLine || now() - lastAt > 5000 || done === total) {
        lastLine = step;
        lastAt = now();
        out.write(`${label}: ${done}/${total} ${pace} ${extra}\n`);
      }
    },
    finish() {
      if (out.isTTY) out.write('\n');
    },
  };
}
