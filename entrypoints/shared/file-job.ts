// The page's side of one file job over the `c2c-file` port (lib/protocol/file-port.ts): reads the chosen
// file with Blob.slice only when the background asks, writes each piece it sends back to the save target
// and acknowledges it once written, so the page holds a chunk or two whatever the file's size.
import { browser } from 'wxt/browser';
import type { ApiErrorCode } from '@/lib/protocol/background-api';
import {
  FILE_INPUT_CHUNK,
  FILE_PING_MS,
  FILE_PORT_NAME,
  type FileBackgroundToPage,
  type FilePageToBackground,
  type FileSender,
  fileBackgroundToPageSchema,
  pieceFromText,
  pieceToText,
} from '@/lib/protocol/file-port';
import type { SaveTarget } from './save-target';

export type FileJobFailure = { code: ApiErrorCode | 'cancelled'; message: string };
export type FileJobResult = { ok: true; blob: Blob | null } | ({ ok: false } & FileJobFailure);
export interface OpenedFileInfo {
  name: string;
  type: string;
  sender: FileSender;
}

/** One encryption or decryption; `cancel()` stops it on both sides and discards what was written. */
export class FileJob {
  private readonly port = browser.runtime.connect({ name: FILE_PORT_NAME });
  private offset = 0;
  private reading: Promise<void> = Promise.resolve();
  private writing: Promise<void> = Promise.resolve();
  private target: SaveTarget | null = null;
  private finished = false;
  private resolveResult!: (result: FileJobResult) => void;
  /** Settles once: done (kept), failed or cancelled. */
  readonly result = new Promise<FileJobResult>((resolve) => (this.resolveResult = resolve));
  private resolveOpened: ((info: OpenedFileInfo | null) => void) | undefined;
  private readonly keepAlive = setInterval(() => this.post({ t: 'ping' }), FILE_PING_MS);

  private constructor(
    private readonly file: Blob,
    private readonly onProgress: (fraction: number) => void,
  ) {
    this.port.onMessage.addListener((raw: unknown) => this.receive(raw));
    // Without `done` or `error` first: the background stopped, and the job with it.
    this.port.onDisconnect.addListener(() => void this.finish({ ok: false, code: 'unavailable', message: 'The extension background stopped.' }));
  }

  /** Encrypts `file` to the contacts (and to ourselves) into `target`. */
  static seal(file: File, recipients: string[], target: SaveTarget, onProgress: (fraction: number) => void): FileJob {
    const job = new FileJob(file, onProgress);
    job.target = target;
    job.post({ t: 'seal', recipients, name: file.name, type: file.type });
    return job;
  }

  /** Opens the header of an encrypted `file`: who sent it and what it is (null when the job ended first). */
  static open(file: Blob, onProgress: (fraction: number) => void): { job: FileJob; opened: Promise<OpenedFileInfo | null> } {
    const job = new FileJob(file, onProgress);
    const opened = new Promise<OpenedFileInfo | null>((resolve) => (job.resolveOpened = resolve));
    job.post({ t: 'open' });
    return { job, opened };
  }

  /** After `open`: decrypt the rest into `target`. */
  save(target: SaveTarget): void {
    this.target = target;
    this.post({ t: 'go' });
  }

  cancel(): void {
    void this.finish({ ok: false, code: 'cancelled', message: 'Cancelled.' });
  }

  private post(message: FilePageToBackground): void {
    if (!this.finished) this.port.postMessage(message);
  }

  private receive(raw: unknown): void {
    const parsed = fileBackgroundToPageSchema.safeParse(raw);
    if (!parsed.success) return void this.finish({ ok: false, code: 'internal', message: 'The background answered in the wrong shape.' });
    const message: FileBackgroundToPage = parsed.data;
    switch (message.t) {
      case 'pull':
        this.reading = this.reading.then(() => this.sendChunk());
        return;
      case 'opened':
        this.resolveOpened?.({ name: message.name, type: message.type, sender: message.sender });
        return;
      case 'data': {
        const bytes = pieceFromText(message.data);
        this.writing = this.writing.then(async () => {
          await this.target?.write(bytes);
          this.post({ t: 'ack' });
        });
        this.writing.catch((e: unknown) => void this.finish({ ok: false, code: 'internal', message: `The file could not be written: ${String(e)}` }));
        return;
      }
      case 'done':
        // A failed write has already ended the job; a failed commit (the disk filled as the picker's swap
        // file moved into place) ends it here, else the job would never settle.
        this.writing
          .then(async () => {
            const blob = (await this.target?.commit()) ?? null;
            this.onProgress(1);
            await this.finish({ ok: true, blob });
          })
          .catch((e: unknown) => void this.finish({ ok: false, code: 'internal', message: `The file could not be written: ${String(e)}` }));
        return;
      case 'error':
        void this.finish({ ok: false, code: message.code, message: message.message });
    }
  }

  private async sendChunk(): Promise<void> {
    if (this.offset >= this.file.size) return this.post({ t: 'eof' });
    const end = Math.min(this.file.size, this.offset + FILE_INPUT_CHUNK);
    const bytes = new Uint8Array(await this.file.slice(this.offset, end).arrayBuffer());
    this.offset = end;
    this.post({ t: 'chunk', data: pieceToText(bytes) });
    this.onProgress(this.file.size === 0 ? 1 : this.offset / this.file.size);
  }

  private async finish(result: FileJobResult): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.keepAlive);
    this.resolveOpened?.(null);
    if (!result.ok) await this.target?.abort();
    this.port.disconnect();
    this.resolveResult(result);
  }
}
