// What the file tools show: one job at a time, encrypting or decrypting, and how far it got.
import type { ApiErrorCode } from '@/lib/protocol/background-api';
import type { FileSender } from '@/lib/protocol/file-port';

/**
 * `fetch-failed`: a linked file could not be fetched without credentials. `link-gone`: the page was opened
 * for a link it no longer holds (reloaded after taking it once, or the browser restarted since).
 */
export type FileFailureCode = ApiErrorCode | 'cancelled' | 'fetch-failed' | 'link-gone';

export interface FileToolsState {
  kind: 'encrypt' | 'decrypt';
  /** opening: reading the header; opened: waiting for the user to save; running: streaming. */
  phase: 'idle' | 'opening' | 'opened' | 'running' | 'done' | 'failed';
  /** 0 to 1, of the chosen file read. */
  progress: number;
  opened?: { name: string; type: string; sender: FileSender };
  failure?: { code: FileFailureCode; message: string };
  /** The site a linked file (a `.c2c` link in a host page) comes from. */
  linkedFrom?: string;
  /** Where the result is offered as a link (browsers without a save picker). */
  link?: { url: string; name: string };
}

export const IDLE: FileToolsState = { kind: 'encrypt', phase: 'idle', progress: 0 };
