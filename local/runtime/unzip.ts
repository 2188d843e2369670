import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

type ZipFile = {
  on(event: string, fn: (arg: never) => void): void;
  readEntry(): void;
  openReadStream(entry: unknown, cb: (error: Error | null, stream?: NodeJS.ReadableStream) => void): void;
};

/** Extracts a deployment zip (what `sls package` uploads) so the local stack runs the same bytes. */
export function extractZip(zipFile: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipFile, { lazyEntries: true }, (error: Error | null, zip?: ZipFile) => {
      if (error || !zip) return reject(error);
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: { fileName: string }) => {
        const target = path.join(into, entry.fileName);
        if (!target.startsWith(path.resolve(into)))
          return reject(new Error(`zip entry escapes: ${entry.fileName}`));
        if (entry.fileName.endsWith('/')) {
          mkdirSync(target, { recursive: true });
          zip.readEntry();
          return;
        }
        mkdirSync(path.dirname(target), { recursive: true });
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          pipeline(stream, createWriteStream(target)).then(() => zip.readEntry(), reject);
        });
      });
      zip.readEntry();
    });
  });
}
