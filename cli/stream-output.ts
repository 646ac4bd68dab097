// Streaming output for the file commands: stdout with back-pressure, or a file that appears under its name
// only once the whole stream has been produced without error (a temporary file beside it, then a rename).
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CliError, EXIT, STDIO } from './io';

/** Chunks are written in runs of about this size (fewer system calls). */
const WRITE_BATCH = 1024 * 1024;
/** Bytes written between two young-generation collections. */
const COLLECT_EVERY = 4 * 1024 * 1024;

/**
 * The ciphers return every chunk in a new ArrayBuffer, and V8 frees them only once some 64 MiB of them have
 * piled up: that alone takes the CLI's peak RSS past 100 MiB. A young-generation collection every few MiB
 * (cheap: almost nothing survives it) keeps the peak near 85 MiB whatever the size (bench/README.md, files).
 */
function youngCollector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
  // A Node that refuses the flag at run time only loses the memory bound, never the output.
  if (typeof gc !== 'function') return () => {};
  return () => (gc as (options: { type: 'minor' }) => void)({ type: 'minor' });
}

/** Groups chunks into runs of about WRITE_BATCH bytes, without copying them, collecting garbage as it goes. */
async function* batched(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array[]> {
  const collect = youngCollector();
  let parts: Uint8Array[] = [];
  let size = 0;
  let sinceCollected = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= WRITE_BATCH) {
      yield parts;
      parts = [];
      sinceCollected += size;
      size = 0;
      if (sinceCollected >= COLLECT_EVERY) {
        collect();
        sinceCollected = 0;
      }
    }
  }
  if (size > 0) yield parts;
}

async function writeAll(handle: FileHandle, parts: Uint8Array[]): Promise<void> {
  let done = (await handle.writev(parts)).bytesWritten;
  // A short vectored write is rare; the rest goes out plainly.
  for (const part of parts) {
    const skip = Math.min(done, part.length);
    done -= skip;
    for (let at = skip; at < part.length; ) at += (await handle.write(part, at, part.length - at)).bytesWritten;
  }
}

async function toStdout(chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const out = process.stdout;
  let failure: Error | undefined;
  const onError = (e: Error) => {
    failure ??= e;
  };
  out.on('error', onError);
  try {
    for await (const parts of batched(chunks)) {
      if (failure) throw failure;
      out.cork();
      for (const part of parts) out.write(part);
      out.uncork();
      if (out.writableNeedDrain) {
        await new Promise<void>((resolve) => {
          const done = () => {
            out.off('drain', done);
            out.off('error', done);
            resolve();
          };
          out.on('drain', done);
          out.on('error', done);
        });
      }
    }
    // The callback of an empty write runs once everything before it is flushed (or has failed).
    await new Promise<void>((resolve, reject) => out.write(new Uint8Array(0), (e) => (e ? reject(e) : resolve())));
    if (failure) throw failure;
  } finally {
    out.off('error', onError);
  }
}

/**
 * Writes the stream to `path` (or stdout for `-`). A file is written as `.NAME.RANDOM.part` in the same
 * folder and renamed to NAME only after the stream ended without error; on any error it is removed, and
 * an existing NAME is left as it was.
 */
export async function writeStreamTo(path: string, chunks: AsyncIterable<Uint8Array>, mode: number): Promise<void> {
  if (path === STDIO) return toStdout(chunks);
  const existing = await stat(path).catch(() => undefined);
  // A device or pipe cannot be replaced by a rename; such output goes through `-`.
  if (existing && !existing.isFile()) throw new CliError(`${path} is not a regular file (write to - and redirect instead)`, EXIT.usage);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
  const handle = await open(temporary, 'wx', mode);
  try {
    // One write in flight while the next batch is produced.
    let writing: Promise<void> = Promise.resolve();
    try {
      for await (const parts of batched(chunks)) {
        await writing;
        writing = writeAll(handle, parts);
        // Awaited at the next batch or below; until then a failure (a full disk) must not count as an
        // unhandled rejection, which would end the process before the temporary file is removed.
        writing.catch(() => undefined);
      }
    } finally {
      await writing.catch(() => undefined);
    }
    await writing;
    await handle.close();
    await rename(temporary, path);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw e;
  }
}
