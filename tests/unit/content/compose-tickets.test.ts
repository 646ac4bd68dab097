// The compose frame's one-time tickets: only the content script may leave one, only extension pages may
// claim it, once, before it expires; the init the frame believes must carry the ticket's secret.
import { describe, expect, it } from 'vitest';
import { ComposeTickets } from '@/entrypoints/background/compose-tickets';
import { isContentScriptRequest, routeContentScriptMessage } from '@/entrypoints/background/content-requests';
import { routeMessage } from '@/entrypoints/background/router';
import { COMPOSE_INIT, COMPOSE_TICKET, isComposeInit, TICKET_TTL_MS } from '@/lib/content/frames';

const OWN = 'ext';
const CONTENT_SCRIPT = { id: OWN, url: 'https://chat.example.org/room', tab: { id: 1 } };
const hex = (c: string) => c.repeat(32);
const offer = (extra: Record<string, unknown> = {}) => ({ type: COMPOSE_TICKET, id: hex('a'), secret: hex('b'), site: 'https://chat.example.org', ...extra });

describe('compose tickets', () => {
  it('are taken once, with what the content script said', () => {
    const tickets = new ComposeTickets();
    expect(routeContentScriptMessage(offer({ maxLength: 400, conversation: 'room 1' }), CONTENT_SCRIPT, OWN, tickets)).toEqual({ ok: true });
    expect(tickets.claim(hex('a'))).toMatchObject({ secret: hex('b'), site: 'https://chat.example.org', maxLength: 400, conversation: 'room 1' });
    expect(() => tickets.claim(hex('a'))).toThrow(expect.objectContaining({ code: 'not-found' }));
  });

  it('expire', () => {
    let now = 1_000;
    const tickets = new ComposeTickets(() => now);
    routeContentScriptMessage(offer(), CONTENT_SCRIPT, OWN, tickets);
    now += TICKET_TTL_MS;
    expect(() => tickets.claim(hex('a'))).toThrow(expect.objectContaining({ code: 'not-found' }));
  });

  it('keep a bounded number waiting, dropping the oldest', () => {
    const tickets = new ComposeTickets();
    for (let i = 0; i < 40; i++) routeContentScriptMessage(offer({ id: i.toString(16).padStart(32, '0') }), CONTENT_SCRIPT, OWN, tickets);
    expect(() => tickets.claim((0).toString(16).padStart(32, '0'))).toThrow();
    expect(tickets.claim((39).toString(16).padStart(32, '0'))).toMatchObject({ secret: hex('b') });
  });

  it('are refused from other senders and in any other shape', () => {
    const tickets = new ComposeTickets();
    expect(routeContentScriptMessage(offer(), { id: 'other', url: CONTENT_SCRIPT.url, tab: {} }, OWN, tickets)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(routeContentScriptMessage(offer(), { id: OWN, url: CONTENT_SCRIPT.url }, OWN, tickets)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    for (const bad of [
      offer({ id: 'short' }),
      offer({ secret: hex('G') }),
      offer({ site: '' }),
      offer({ site: 'x'.repeat(513) }),
      offer({ maxLength: 0 }),
      offer({ maxLength: 1.5 }),
      offer({ conversation: '' }),
      offer({ conversation: 'x'.repeat(1025) }),
      offer({ plaintext: 'extra field' }),
    ]) {
      expect(routeContentScriptMessage(bad, CONTENT_SCRIPT, OWN, tickets), JSON.stringify(bad).slice(0, 80)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    expect(() => tickets.claim(hex('a'))).toThrow();
  });

  it('open no other door: every other request from a content script is still refused', async () => {
    expect(isContentScriptRequest({ type: 'claimComposeTicket', id: hex('a') })).toBe(false);
    const ctx = { ownId: OWN, ownBaseUrl: 'chrome-extension://ext/', service: {} as never, isEnabledSite: async () => true };
    expect(await routeMessage({ type: 'claimComposeTicket', id: hex('a') }, CONTENT_SCRIPT, ctx)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('compose frame init message', () => {
  it('carries a ticket-sized secret and nothing else is believed', () => {
    expect(isComposeInit({ c2c: COMPOSE_INIT, secret: hex('b') })).toBe(true);
    for (const bad of [null, 'init', { c2c: COMPOSE_INIT }, { c2c: COMPOSE_INIT, secret: 'short' }, { c2c: 'other', secret: hex('b') }, { c2c: COMPOSE_INIT, nonce: hex('b') }]) {
      expect(isComposeInit(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
