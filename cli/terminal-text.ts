// Text from someone else, about to be shown on a terminal: its control characters could move the cursor,
// recolour or rewrite what was printed before, retitle the window, or (bidi overrides) show the text in
// another order than it is. They are shown as escapes (`\u001b`) instead. Lines and tabs stay as they are.

// C0 controls but tab and line feed, DEL and C1, and the bidi marks, embeddings, overrides and isolates.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Plaintext bytes for a terminal: decoded (invalid UTF-8 shown as U+FFFD) and escaped. */
export function forTerminal(bytes: Uint8Array): string {
  return escapeControls(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
}
