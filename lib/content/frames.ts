// What the content script and the extension-origin frames it places say to each other. Dependency-free:
// the content script imports it (next to hostile page code), and so do the frames.
//
// Compose frame: the content script opens `compose-frame.html#<nonce>` and, once it has loaded, posts
// a ComposeInit (`{c2c: COMPOSE_INIT, nonce, site, maxLength?}`) with one MessagePort to the frame's own (extension) origin. Everything else
// goes over that port: the frame sends ComposeToHost, the content script answers HostToCompose.
// Message frame: see message-frame.ts (its URL carries the token; it only ever tells its height).

export const COMPOSE_FRAME_PATH = '/compose-frame.html';
export const MESSAGE_FRAME_PATH = '/message-frame.html';
export const COMPOSE_INIT = 'c2c-compose-init';

/**
 * Opens the compose frame's channel: the host page's origin (the frame remembers a message length per
 * site) and, when the host's compose box declares one (maxlength), the longest message the box takes.
 */
export interface ComposeInit {
  c2c: typeof COMPOSE_INIT;
  nonce: string;
  site: string;
  maxLength?: number;
}

const MAX_SITE_LENGTH = 512;
const MAX_DECLARED_LENGTH = 1_000_000;

/** True for a well-formed init carrying the nonce the frame expects (never the empty one). */
export function isComposeInit(value: unknown, nonce: string): value is ComposeInit {
  if (typeof value !== 'object' || value === null || nonce === '') return false;
  const v = value as Record<string, unknown>;
  if (v.c2c !== COMPOSE_INIT || v.nonce !== nonce) return false;
  if (typeof v.site !== 'string' || v.site.length === 0 || v.site.length > MAX_SITE_LENGTH) return false;
  const n = v.maxLength;
  return n === undefined || (typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= MAX_DECLARED_LENGTH);
}

/** From the compose frame: armored parts to write into the host's compose box and send, or close. */
export type ComposeToHost = { type: 'send'; parts: string[] } | { type: 'close' };
/** From the content script: whether the parts went out through the host ('sent') or must be copied by hand. */
export type HostToCompose = { type: 'result'; outcome: 'sent' | 'copy' };

/** Upper bound on what either side accepts over the port (a full 64 KB message armors to ~100 KB). */
export const MAX_PARTS_TEXT = 200 * 1024;

export function isComposeToHost(value: unknown): value is ComposeToHost {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.type === 'close') return true;
  if (v.type !== 'send' || !Array.isArray(v.parts) || v.parts.length === 0) return false;
  let total = 0;
  for (const p of v.parts) {
    if (typeof p !== 'string') return false;
    total += p.length;
  }
  return total <= MAX_PARTS_TEXT;
}

export function isHostToCompose(value: unknown): value is HostToCompose {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.type === 'result' && (v.outcome === 'sent' || v.outcome === 'copy');
}
