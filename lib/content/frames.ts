// What the content script and the extension-origin frames it places say to each other. Dependency-free:
// the content script imports it (next to hostile page code), and so do the frames.
//
// Compose frame: the page can read everything in the DOM, the frame's URL included, and can post to the
// frame too. So the content script first hands the background a one-time ComposeTicket (a random public
// id, a random secret and what the frame needs to know: site, declared length, conversation) over
// runtime messaging, which the page cannot reach. It then opens `compose-frame.html#<id>`; the frame
// claims the ticket by id from the background (once, within TICKET_TTL_MS) and accepts only the
// ComposeInit (`{c2c: COMPOSE_INIT, secret}`, with one MessagePort) that carries the ticket's secret.
// Everything else goes over that port: the frame sends ComposeToHost, the content script answers HostToCompose.
// Message frame: see message-frame.ts (its URL carries the token; it only ever tells its height).

export const COMPOSE_FRAME_PATH = '/compose-frame.html';
export const MESSAGE_FRAME_PATH = '/message-frame.html';

/**
 * Our frames' two addresses (base URLs ending in `/`). Chrome serves them only at a per-session address
 * (`use_dynamic_url`: a site that never saw it cannot probe for the extension) and redirects it to the
 * fixed one, where the document then lives. `load`: what a new frame's src names. `live`: where its
 * document is, so the origin messages are addressed to, and the address a frame is re-pointed by (only
 * its fragment changes then: no reload). In Firefox both are the same.
 */
export interface FrameAddresses {
  load: string;
  live: string;
}

/** `frameUrl`: what the browser gives for one of our frame pages (Chrome gives the per-session address only for those). */
export function frameAddresses(frameUrl: string, extensionId: string): FrameAddresses {
  const load = new URL('/', frameUrl).href;
  return { load, live: load.startsWith('chrome-extension:') ? `chrome-extension://${extensionId}/` : load };
}
export const COMPOSE_INIT = 'c2c-compose-init';

/** Content script → background (the one request a content script may make): a ticket for one compose frame. */
export const COMPOSE_TICKET = 'c2c-compose-ticket';
export const TICKET_TTL_MS = 60_000;
/** Length of the hex ticket id and secret (128 random bits each). */
export const TICKET_HEX_LENGTH = 32;
export const MAX_SITE_LENGTH = 512;
export const MAX_DECLARED_LENGTH = 1_000_000;
export const MAX_CONVERSATION_LENGTH = 1024;

/**
 * What the frame learns from the background: the host page's origin (the frame remembers a message length
 * and recipients per site), the longest message the compose box declares (maxlength), and the site
 * adapter's name for the conversation, when it has one.
 */
export interface ComposeTicket {
  type: typeof COMPOSE_TICKET;
  id: string;
  secret: string;
  site: string;
  maxLength?: number;
  conversation?: string;
}

/** Opens the compose frame's channel: only an init carrying the ticket's secret is believed. */
export interface ComposeInit {
  c2c: typeof COMPOSE_INIT;
  secret: string;
}

/** True for a well-formed init (the secret is compared by the frame, once it has claimed its ticket). */
export function isComposeInit(value: unknown): value is ComposeInit {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.c2c === COMPOSE_INIT && typeof v.secret === 'string' && v.secret.length === TICKET_HEX_LENGTH;
}

/**
 * From the compose frame: it holds its ticket and the port ('ready'), armored parts to write into the host's
 * compose box and send, or close.
 */
export type ComposeToHost = { type: 'ready' } | { type: 'send'; parts: string[] } | { type: 'close' };
/** From the content script: whether the parts went out through the host ('sent') or must be copied by hand. */
export type HostToCompose = { type: 'result'; outcome: 'sent' | 'copy' };

/** Upper bound on what either side accepts over the port (a full 64 KB message armors to ~100 KB). */
export const MAX_PARTS_TEXT = 200 * 1024;

export function isComposeToHost(value: unknown): value is ComposeToHost {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.type === 'close' || v.type === 'ready') return true;
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
