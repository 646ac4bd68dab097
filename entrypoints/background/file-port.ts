// Files encrypted and decrypted for the popup, options page and side panel over a `c2c-file` port
// (lib/protocol/file-port.ts): the background pulls the file's bytes from the page one chunk at a time and
// sends the result in pieces, at most FILE_OUTPUT_WINDOW unacknowledged, so memory stays a few pieces
// whatever the size. The page disconnecting cancels the job. docs/ARCHITECTURE.md "Encrypted files".
import { concat, equalBytes } from '@/lib/bytes';
import { C2CError, isC2CError } from '@/lib/errors';
import { fingerprint } from '@/lib/crypto/identity';
import type { ByteSource } from '@/lib/files/byte-reader';
import { openFile, sealFile } from '@/lib/files/file-crypt';
import { checkMeta, type FileMeta } from '@/lib/files/file-header';
import { bundlesForSending, findContactByIdentityKey, getContact } from '@/lib/keyring/contacts';
import type { KeyringDB } from '@/lib/keyring/db';
import { getIdentity, getOpeningKeys, getSenderKeys } from '@/lib/keyring/identity-store';
import {
  FILE_OUTPUT_PIECE,
  FILE_OUTPUT_WINDOW,
  type FileBackgroundToPage,
  type FilePageToBackground,
  type FileSender,
  filePageToBackgroundSchema,
  pieceFromText,
  pieceToText,
} from '@/lib/protocol/file-port';
import type { Browser } from 'wxt/browser';
import { keyChanged } from './refusals';
import { viewOf } from './sender';
import { FILE_VIEWS } from './view-access';

export interface FilePortLike {
  postMessage(message: FileBackgroundToPage): void;
  onMessage(cb: (raw: unknown) => void): void;
  onDisconnect(cb: () => void): void;
  disconnect(): void;
}

/** Thrown inside a job once the page has gone: nothing more is sent. */
class Cancelled extends Error {}

type PageInput = Extract<FilePageToBackground, { t: 'chunk' | 'eof' }>;

/**
 * The page's messages, sorted by what waits for them: input (chunk/eof), the go-ahead, acknowledgements.
 * Each is checked against what the background said (`sent`): input only for a `pull`, an `ack` only for
 * a `data`, `go` only after `opened`, so a page answering out of turn cannot grow a queue or the window.
 */
class PageMessages {
  private readonly input: PageInput[] = [];
  private inputWaiter: (() => void) | undefined;
  private pulls = 0; // pulls not answered yet
  private unacked = 0; // data pieces not acknowledged yet
  private ackWaiter: (() => void) | undefined;
  private goWaiter: (() => void) | undefined;
  private goAsked = false;
  private went = false;
  gone = false;

  /** Counts what the background asks of the page. */
  sent(message: FileBackgroundToPage): void {
    if (message.t === 'pull') this.pulls++;
    else if (message.t === 'data') this.unacked++;
    else if (message.t === 'opened') this.goAsked = true;
  }
  /** Takes one page message; the reason it is refused when nothing asked for it. */
  push(message: FilePageToBackground): string | undefined {
    if (message.t === 'chunk' || message.t === 'eof') {
      if (this.pulls === 0) return 'The page sent file bytes nobody asked for.';
      this.pulls--;
      this.input.push(message);
    } else if (message.t === 'ack') {
      if (this.unacked === 0) return 'The page acknowledged data never sent.';
      this.unacked--;
    } else if (message.t === 'go') {
      if (!this.goAsked || this.went) return 'The page said go out of turn.';
      this.went = true;
    } else return; // a ping: its arrival alone keeps the background awake
    this.wake();
  }
  close(): void {
    this.gone = true;
    this.wake();
  }
  private wake(): void {
    for (const waiter of [this.inputWaiter, this.ackWaiter, this.goWaiter]) waiter?.();
  }
  private async until(ready: () => boolean, set: (w: (() => void) | undefined) => void): Promise<void> {
    while (!ready()) {
      if (this.gone) throw new Cancelled();
      await new Promise<void>((resolve) => set(resolve));
      set(undefined);
    }
    if (this.gone) throw new Cancelled();
  }
  async nextInput(): Promise<PageInput> {
    await this.until(() => this.input.length > 0, (w) => (this.inputWaiter = w));
    return this.input.shift()!;
  }
  /** Until fewer than FILE_OUTPUT_WINDOW pieces are unacknowledged. */
  async windowOpen(): Promise<void> {
    await this.until(() => this.unacked < FILE_OUTPUT_WINDOW, (w) => (this.ackWaiter = w));
  }
  async go(): Promise<void> {
    await this.until(() => this.went, (w) => (this.goWaiter = w));
  }
}

/** Handles one runtime.onConnect for FILE_PORT_NAME: only the views in FILE_VIEWS may have files processed. */
export function acceptBrowserFilePort(port: Browser.runtime.Port, db: KeyringDB, ownId: string, ownBaseUrl: string): void {
  const view = viewOf(port.sender ?? {}, ownId, ownBaseUrl);
  if (view === null || !FILE_VIEWS.has(view)) {
    port.disconnect();
    return;
  }
  acceptFilePort(
    {
      postMessage: (message) => port.postMessage(message),
      onMessage: (cb) => port.onMessage.addListener((raw: unknown) => cb(raw)),
      onDisconnect: (cb) => port.onDisconnect.addListener(() => cb()),
      disconnect: () => port.disconnect(),
    },
    db,
  );
}

export function acceptFilePort(port: FilePortLike, db: KeyringDB): void {
  const messages = new PageMessages();
  let started = false;
  const send = (message: FileBackgroundToPage) => {
    if (messages.gone) throw new Cancelled();
    messages.sent(message);
    port.postMessage(message);
  };
  const fail = (code: C2CError['code'], message: string) => {
    if (messages.gone) return;
    port.postMessage({ t: 'error', code, message });
    messages.close();
    port.disconnect();
  };
  port.onDisconnect(() => messages.close());
  port.onMessage((raw) => {
    const parsed = filePageToBackgroundSchema.safeParse(raw);
    if (!parsed.success) return fail('bad-request', 'The page sent a file message of the wrong shape.');
    const message = parsed.data;
    if (started) {
      if (message.t === 'seal' || message.t === 'open') return fail('bad-request', 'A file port carries one job.');
      const refused = messages.push(message);
      return refused === undefined ? undefined : fail('bad-request', refused);
    }
    if (message.t !== 'seal' && message.t !== 'open') return fail('bad-request', 'A file port starts with seal or open.');
    started = true;
    const job = message.t === 'seal' ? sealJob(db, message, messages, send) : openJob(db, messages, send);
    job.then(
      () => messages.close(),
      (e: unknown) => {
        if (e instanceof Cancelled) return;
        if (isC2CError(e)) return fail(e.code, e.message);
        fail('internal', 'The file could not be processed.');
      },
    );
  });
}

type Send = (message: FileBackgroundToPage) => void;

/** The file's bytes, asked for one chunk ahead of need. */
async function* pageInput(messages: PageMessages, send: Send): AsyncGenerator<Uint8Array> {
  send({ t: 'pull' });
  for (;;) {
    const message = await messages.nextInput();
    if (message.t === 'eof') return;
    let bytes: Uint8Array;
    try {
      bytes = pieceFromText(message.data);
    } catch {
      throw new C2CError('bad-request', 'A file chunk is not base64.');
    }
    send({ t: 'pull' });
    yield bytes;
  }
}

/** Sends `output` in pieces of about FILE_OUTPUT_PIECE, never more than FILE_OUTPUT_WINDOW unacknowledged. */
async function pump(output: AsyncIterable<Uint8Array>, messages: PageMessages, send: Send): Promise<void> {
  let parts: Uint8Array[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    await messages.windowOpen();
    send({ t: 'data', data: pieceToText(concat(...parts)) });
    parts = [];
    size = 0;
  };
  for await (const part of output) {
    // Copied: a view the source may reuse after its next pull.
    parts.push(part.slice());
    size += part.length;
    if (size >= FILE_OUTPUT_PIECE) await flush();
  }
  await flush();
}

/** The name and type a browser reports, as the format stores them: an unusable media type is left out. */
function metaOf(name: string, type: string): FileMeta {
  const meta = { name, type: type.split(';')[0]!.trim().toLowerCase() };
  try {
    checkMeta(meta);
    return meta;
  } catch {
    const untyped = { name, type: '' };
    checkMeta(untyped); // a name that is not a plain file name is refused
    return untyped;
  }
}

async function sealJob(db: KeyringDB, request: { recipients: string[]; name: string; type: string }, messages: PageMessages, send: Send): Promise<void> {
  const meta = metaOf(request.name, request.type);
  const handles = [...new Set(request.recipients)];
  for (const handle of handles) {
    if ((await getContact(db, handle))?.keyChanged) throw keyChanged(handle, 'sending');
  }
  const recipients = await bundlesForSending(db, handles);
  const { identity } = await getSenderKeys(db);
  await pump(sealFile({ identity, recipients, meta, input: pageInput(messages, send) as ByteSource }), messages, send);
  send({ t: 'done' });
}

async function openJob(db: KeyringDB, messages: PageMessages, send: Send): Promise<void> {
  const keys = await getOpeningKeys(db);
  const opened = await openFile(pageInput(messages, send), { identity: keys.identity, prekeys: keys.prekeys });
  try {
    send({ t: 'opened', name: opened.meta.name, type: opened.meta.type, sender: await senderOf(db, opened.sender, keys.identityKey) });
    await messages.go();
    await pump(opened.plaintext, messages, send);
  } finally {
    await opened.plaintext.return(undefined);
  }
  // Only now, with the last chunk and the sender's signature checked, may the page keep what it wrote.
  send({ t: 'done' });
}

/** Who sealed the file, in the words a message frame uses (open-sealed.ts). */
async function senderOf(db: KeyringDB, senderKey: Uint8Array, ownKey: Uint8Array): Promise<FileSender> {
  const senderFingerprint = await fingerprint(senderKey);
  if (equalBytes(senderKey, ownKey)) {
    const own = await getIdentity(db);
    if (own) return { status: 'verified', fingerprint: senderFingerprint, handle: own.handle };
  }
  const contact = await findContactByIdentityKey(db, senderKey);
  if (!contact) return { status: 'unverified', fingerprint: senderFingerprint };
  return { status: contact.verified ? 'verified' : 'pinned', fingerprint: senderFingerprint, handle: contact.handle };
}
