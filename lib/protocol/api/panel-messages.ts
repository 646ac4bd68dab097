// What the content script and the background say to each other for the side panel. Dependency-free (no zod): the
// content script imports it (next to hostile page code), the background and the panel API schema too.
//
// Content script → background (`PanelTokens`, schema in lib/protocol/api/panel.ts): the tokens of its
// document, as public ciphertext text, in page order, newest PANEL_MAX_TOKENS at most, each with the
// conversation the site adapter names where it is shown (the background reads it for that conversation). The first report of a
// document (no tokens yet) also asks for the site's mode: the answer says `inline` or `panel`.
// Background → content script (only from the extension itself, never from a tab):
// - `{type: PANEL_WATCH}`: a panel shows this tab: report now and after every change.
// - `{type: PANEL_BOX}`: choose the compose box the panel writes into; answers `PanelBoxAnswer`, with the
//   conversation the site adapter names at that box (the background seals for it and the tab's site).
// - `{type: PANEL_WRITE, parts}`: write these armored parts into the chosen box and send them through the host.

export const PANEL_TOKENS = 'c2c-panel-tokens';
export const PANEL_WATCH = 'c2c-panel-watch';
export const PANEL_BOX = 'c2c-panel-box';
export const PANEL_WRITE = 'c2c-panel-write';

/** Most tokens one report carries (the newest in page order); the panel says how many more the page holds. */
export const PANEL_MAX_TOKENS = 200;
/** Most characters of token text in one report, all tokens together. */
export const PANEL_MAX_CHARS = 1024 * 1024;
/** Reports a document may make per second (the content script sends at most one per PANEL_REPORT_MS). */
export const PANEL_MAX_REPORTS_PER_SECOND = 20;
export const PANEL_REPORT_MS = 100;
/** Most token messages a page may say it holds (a bigger count is a lie or a flood: refused). */
export const PANEL_MAX_TOTAL = 10_000_000;
/** Length of a document's random hex id (a new one per content-script copy, i.e. per document). */
export const PANEL_DOC_HEX_LENGTH = 32;

/** One token as the page shows it: its text, and the conversation the adapter names there (if any). */
export interface PanelToken {
  text: string;
  conversation?: string;
}

export interface PanelTokens {
  type: typeof PANEL_TOKENS;
  doc: string;
  /** Counts up per document: an older report arriving late is ignored. */
  seq: number;
  tokens: PanelToken[];
  /** How many tokens the document holds, of which `tokens` are the newest. */
  total: number;
}

export type PanelBoxOutcome = 'found' | 'no-box' | 'several';
export interface PanelBoxAnswer {
  outcome: PanelBoxOutcome;
  /** The box's declared maxlength, the adapter's cap or the learned host limit, whichever is smallest. */
  maxLength?: number;
  /** The conversation the site adapter names at the chosen box (conversationName): the message is sealed for it. */
  conversation?: string;
}

/** True for an object with exactly these keys (an own, plain object: nothing inherited is read). */
function exactKeys(value: unknown, keys: readonly string[]): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const own = Object.keys(value);
  return own.length === keys.length && own.every((k) => keys.includes(k));
}

export function isPanelWatch(value: unknown): boolean {
  return exactKeys(value, ['type']) && value.type === PANEL_WATCH;
}

export function isPanelBox(value: unknown): boolean {
  return exactKeys(value, ['type']) && value.type === PANEL_BOX;
}

export function isPanelWrite(value: unknown): value is { type: typeof PANEL_WRITE; parts: string[] } {
  return exactKeys(value, ['type', 'parts']) && value.type === PANEL_WRITE && Array.isArray(value.parts) && value.parts.every((p) => typeof p === 'string');
}

/** Outcome and length only: the conversation is left to the background's schema, which refuses a bad one in words. */
export function isPanelBoxAnswer(value: unknown): value is Omit<PanelBoxAnswer, 'conversation'> & { conversation?: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const { outcome, maxLength } = value as { outcome?: unknown; maxLength?: unknown };
  const okLength = maxLength === undefined || (typeof maxLength === 'number' && Number.isInteger(maxLength) && maxLength > 0);
  return (outcome === 'found' || outcome === 'no-box' || outcome === 'several') && okLength;
}

export function isPanelWriteAnswer(value: unknown): value is { sent: boolean } {
  return typeof value === 'object' && value !== null && typeof (value as { sent?: unknown }).sent === 'boolean';
}
