// What a site adapter may tell the content script about one site. Everything is optional: the generic
// adapter (generic.ts) fills in what a site does not need to change. Adapters run beside hostile page code
// like the rest of the content script: they read page structure, never the user's drafts, and hold nothing.
import { MAX_CONVERSATION_LENGTH } from '@/lib/content/frames';

export interface SiteAdapter {
  /** Named in docs and tests. */
  name: string;
  matches(url: URL): boolean;
  /** Every compose box in or under `root` (including `root` itself), when the generic finder is wrong here. */
  findBoxes?(root: Element): HTMLElement[];
  /** Sends what was just written into `box`, when pressing Enter does not. */
  send?(box: HTMLElement): void;
  /**
   * The page's name for the conversation `place` belongs to: a compose box (the message is sealed for it,
   * recipients are remembered per conversation) or the element holding a token (the message is read for it).
   */
  conversation?(place: Element): string | undefined;
  /** The longest message the site accepts, when its box does not declare it (maxlength). */
  maxLength?: number;
}

/** An adapter with every part decided. */
export type ResolvedAdapter = Required<Omit<SiteAdapter, 'maxLength'>> & Pick<SiteAdapter, 'maxLength'>;

/**
 * Page text as a conversation id: no control characters, bounded (the background and the message frame
 * refuse anything else), and well-formed (a pair cut in two by the bound, or a lone surrogate the page
 * wrote, becomes U+FFFD, as UTF-8 encoding would make it anyway): the frame's address must encode it.
 */
export function conversationName(text: string | null | undefined): string | undefined {
  const name = text?.replace(/\p{Cc}+/gu, ' ').trim().slice(0, MAX_CONVERSATION_LENGTH).toWellFormed();
  return name ? name : undefined;
}
