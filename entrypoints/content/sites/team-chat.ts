// The fixture team chat (tests/fixtures/apps/team.ts, loopback only): only its Send button sends, the open
// channel is named in the page, and it refuses messages over 600 characters without saying so in markup.
import { conversationName, type SiteAdapter } from './adapter';

export const teamChatAdapter: SiteAdapter = {
  name: 'team-chat (fixture)',
  matches: (url) => (url.hostname === '127.0.0.1' || url.hostname === 'localhost') && url.pathname === '/team',
  send: (box) => box.ownerDocument.querySelector<HTMLButtonElement>('[data-testid="host-send"]')?.click(),
  conversation: (place) => conversationName(place.ownerDocument.querySelector('[data-testid="host-conversation"]')?.textContent),
  maxLength: 600,
};
