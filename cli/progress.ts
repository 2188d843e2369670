import type { Out } from './io';
import { oneLine } from './terminal-text';

/** A progress bar on a TTY (redrawn in place), plain lines otherwise (every 10 % or 5 s). Always stderr. */
export function progress(out: Out, total: number, rawLabel: string, now: () => number = Date.now) {
  // The bar's own \r and ESC[K are ours; the label and the extra text may come from input.
  const label = oneLine(rawLabel);
  let lastLine = -1;
  let lastAt = 0;
  return {
    update(done: number, rawExtra: string) {
      const extra = oneLine(rawExtra);
      if (out.isTTY) {
        const width = 30;
        const filled = total === 0 ? width : Math.round((done / total) * width);
        out.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${extra}\x1b[K`,
        );
        return;
      }
      const step = Math.floor((done / Math.max(total, 1)) * 10);
      if (step > lastLine || now() - lastAt > 5000 || done === total) {
        lastLine = step;
        lastAt = now();
        out.write(`${label}: ${done}/${total} ${extra}\n`);
      }
    },
    finish() {
      if (out.isTTY) out.write('\n');
    },
  };
}
