// The long-lived port over which the popup or the side panel has the background encrypt or decrypt a file
// (lib/files/): the page streams the file's bytes in as the background asks for them and writes what comes
// back, acknowledging each piece, so neither side holds more than a few pieces whatever the file's size.
// Keys never leave the background. Protocol: docs/ARCHITECTURE.md "Encrypted files in the extension".
import { z } from 'zod';
import { API_ERROR_CODES, handleSchema } from './api/shared';

/** `browser.runtime.connect({ name: FILE_PORT_NAME })`; accepted from the popup, options page and side panel. */
export const FILE_PORT_NAME = 'c2c-file';
/** Bytes of the file per `chunk` the page sends (one `Blob.slice` read). */
export const FILE_INPUT_CHUNK = 1024 * 1024;
/** The background gathers output into pieces of about this size before sending one `data`. */
export const FILE_OUTPUT_PIECE = 1024 * 1024;
/** `data` pieces the background sends before it waits for the page's `ack`s. */
export const FILE_OUTPUT_WINDOW = 4;
/** Encrypted pieces carry one chunk's tags more than their plaintext; room for both ways. */
const MAX_PIECE_TEXT = Math.ceil(((FILE_OUTPUT_PIECE + 128 * 1024) * 4) / 3) + 4;
const MAX_RECIPIENTS = 64;
/** Both browsers stop an extension background idle for 30 s; port messages count as activity. */
export const FILE_PING_MS = 20_000;

const base64Piece = z.string().max(MAX_PIECE_TEXT);

export const filePageToBackgroundSchema = z.discriminatedUnion('t', [
  // First message: encrypt the file that follows to these contacts (and to ourselves).
  z.object({ t: z.literal('seal'), recipients: z.array(handleSchema).min(1).max(MAX_RECIPIENTS), name: z.string().max(1024), type: z.string().max(256) }).strict(),
  // First message: decrypt the file that follows; the background answers `opened`, then waits for `go`.
  z.object({ t: z.literal('open') }).strict(),
  // Answers to `pull`: the next bytes of the file (base64), or its end.
  z.object({ t: z.literal('chunk'), data: base64Piece }).strict(),
  z.object({ t: z.literal('eof') }).strict(),
  // After `opened`: the user chose where to save; send the plaintext.
  z.object({ t: z.literal('go') }).strict(),
  // One per `data`, once it is written.
  z.object({ t: z.literal('ack') }).strict(),
  // Every FILE_PING_MS while the job lasts: keeps the background (MV3 worker, event page) from being
  // stopped as idle while the user decides where to save.
  z.object({ t: z.literal('ping') }).strict(),
]);
export type FilePageToBackground = z.infer<typeof filePageToBackgroundSchema>;

export const fileSenderSchema = z
  .object({
    /** As for messages: verified (a confirmed contact, or our own key), pinned, or unverified. */
    status: z.enum(['verified', 'pinned', 'unverified']),
    fingerprint: z.string(),
    handle: z.string().optional(),
  })
  .strict();
export type FileSender = z.infer<typeof fileSenderSchema>;

export const fileBackgroundToPageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('pull') }).strict(),
  // The header opened: what the file says about itself. Its content authenticates only with `done`.
  z.object({ t: z.literal('opened'), name: z.string(), type: z.string(), sender: fileSenderSchema }).strict(),
  z.object({ t: z.literal('data'), data: base64Piece }).strict(),
  // Everything was sent, and (decrypting) the whole file authenticated: the page may keep what it wrote.
  z.object({ t: z.literal('done') }).strict(),
  // The job failed; the background disconnects after it. `message` is English: the page words it by `code`.
  z.object({ t: z.literal('error'), code: z.enum(API_ERROR_CODES), message: z.string() }).strict(),
]);
export type FileBackgroundToPage = z.infer<typeof fileBackgroundToPageSchema>;

// Native base64 (Chrome 140, Firefox 133): a JS loop over a mebibyte would cost more than its encryption.
type Base64Bytes = Uint8Array & { toBase64(): string };
const Base64Array = Uint8Array as unknown as { fromBase64(text: string): Uint8Array };

export const pieceToText = (bytes: Uint8Array): string => (bytes as Base64Bytes).toBase64();
/** Throws a SyntaxError on anything but base64. */
export const pieceFromText = (text: string): Uint8Array => Base64Array.fromBase64(text);
