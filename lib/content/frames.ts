// What the content script and the extension-origin frames it places say to each other. Dependency-free:
// the content script imports it (next to hostile page code), and so do the frames.
//
// Compose frame: the content script opens `compose-frame.html#<nonce>` and, once it has loaded, posts
// `{c2c: COMPOSE_INIT, nonce}` with one MessagePort to the frame's own (extension) origin. Everything else
// goes over that port: the frame sends ComposeToHost, the content script answers HostToCompose.
// Message frame: `message-frame.html#<armored text, URI-encoded>`; the frame takes the text from its own
// URL only and ignores postMessage entirely.

export const COMPOSE_FRAME_PATH = '/compose-frame.html';
export const MESSAGE_FRAME_PATH = '/message-frame.html';
export const COMPOSE_INIT = 'c2c-compose-init';

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
