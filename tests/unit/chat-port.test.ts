// Who may open a chat port to the background (entrypoints/background/chat-port.ts): only our own extension
// pages, only under the chat port's name. The chat service behind it is the real one (keyring on
// fake-indexeddb, a relay connection that never connects because no relay is set).
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KeyringDB } from '@/lib/keyring/db';
import { CHAT_PORT_NAME } from '@/lib/protocol/chat-port';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { acceptChatPort } from '@/entrypoints/background/chat-port';
import { createBackground } from '@/entrypoints/background/create-background';

const OWN_ID = 'ext';
const OWN_BASE = 'chrome-extension://ext/';

function fakePort(name: string, sender: { id?: string; url?: string }) {
  const messages: unknown[] = [];
  const listeners: ((m: unknown) => void)[] = [];
  const port = {
    name,
    sender,
    disconnected: false,
    postMessage: (m: unknown) => void messages.push(m),
    disconnect: () => void (port.disconnected = true),
    onMessage: { addListener: (cb: (m: unknown) => void) => void listeners.push(cb) },
    onDisconnect: { addListener: () => undefined },
  };
  return { port, messages, send: (m: unknown) => listeners.forEach((cb) => cb(m)) };
}

function chats() {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  const registrations = { get: async () => undefined, set: async () => undefined };
  return createBackground({ db, registrations, WebSocket: WebSocket as unknown as WebSocketConstructor }).chats;
}

describe('chat port acceptance', () => {
  it.each([
    ['a content script (host page URL)', CHAT_PORT_NAME, { id: OWN_ID, url: 'https://chat.example.org/room' }],
    ['another extension', CHAT_PORT_NAME, { id: 'other', url: 'chrome-extension://other/chat.html' }],
    ['a look-alike host', CHAT_PORT_NAME, { id: OWN_ID, url: 'chrome-extension://ext.evil.example/chat.html' }],
    ['our page, another port name', 'c2c-other', { id: OWN_ID, url: `${OWN_BASE}chat.html#x` }],
  ])('refuses %s', (_what, name, sender) => {
    const { port, messages, send } = fakePort(name, sender);
    acceptChatPort(port as never, chats(), OWN_ID, OWN_BASE);
    expect(port.disconnected).toBe(true);
    send({ t: 'ping' });
    expect(messages).toEqual([]);
  });

  it('accepts our own chat page and answers it', () => {
    const { port, messages, send } = fakePort(CHAT_PORT_NAME, { id: OWN_ID, url: `${OWN_BASE}chat.html#AAAAAAAAAAAAAAAAAAAAAA` });
    acceptChatPort(port as never, chats(), OWN_ID, OWN_BASE);
    expect(port.disconnected).toBe(false);
    send({ t: 'ping' });
    send({ t: 'attach', chatId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    expect(messages).toEqual([{ t: 'pong' }, { t: 'state', state: 'ended', reason: 'unknown-chat' }]);
    expect(port.disconnected).toBe(true);
  });
});
