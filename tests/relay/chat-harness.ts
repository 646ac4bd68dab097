// Two (or more) extension backgrounds in Node for secure-chat tests: the real wiring (create-background.ts)
// with keyrings on fake-indexeddb, `ws` for WebSocket, a real relay process behind the loopback proxy, and
// chat "pages" that speak the chat-port protocol (every message the background sends is schema-checked).
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import WebSocket from 'ws';
import { ChatSession } from '@/lib/chat/session';
import { KeyringDB } from '@/lib/keyring/db';
import { backgroundToPageSchema, type BackgroundToPage, type PageToBackground } from '@/lib/protocol/chat-port';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import type { ChatPortLike, ChatTiming } from '@/entrypoints/background/chat-service';
import { createBackground } from '@/entrypoints/background/create-background';
import type { BackgroundService } from '@/entrypoints/background/router';
import type { RegistrationStore } from '@/entrypoints/background/service';
import { until } from './harness';

// relay-access.ts (register, lookup) uses the browser's global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/** Short timers so tests take seconds; generous enough for a loaded machine. */
export const TEST_CHAT_TIMING: Partial<ChatTiming> = {
  inviteResendMs: 500,
  inviteTtlMs: 5000,
  attachTimeoutMs: 30_000,
  endLingerMs: 1000,
  handshakeTimeoutMs: 5000,
  retryMs: 300,
};

export type Person = Awaited<ReturnType<typeof makePerson>>;

/** One browser profile's background, with an identity registered on the relay at `relayUrl`. */
export async function makePerson(handle: string, relayUrl: string) {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  let stored: { relayUrl: string; handle: string } | undefined;
  const registrations: RegistrationStore = { get: async () => stored, set: async (v) => void (stored = v) };
  const badge: number[] = [];
  const bg = createBackground({
    db,
    registrations,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    backoff: { minMs: 100, maxMs: 1000 },
    requestTimeoutMs: 3000,
    chatTiming: TEST_CHAT_TIMING,
    onInviteCount: (n) => badge.push(n),
  });
  /** What routeMessage does: the handler, then a connection check. */
  const call = async <T extends keyof BackgroundService>(type: T, request: Omit<Parameters<BackgroundService[T]>[0], 'type'> = {} as never) => {
    try {
      return await (bg.service[type] as (r: unknown) => Promise<Awaited<ReturnType<BackgroundService[T]>>>)({ type, ...request });
    } finally {
      await bg.connection.sync();
    }
  };
  await call('createIdentity', { handle });
  await call('saveSettings', { relayUrl });
  await call('relayRegister');
  await until(async () => (await call('getState')).relay.connection === 'connected', 10_000);
  const { bundle } = await call('getPublicBundle');
  return { handle, db, bg, call, bundle, badge };
}

export async function pinEachOther(a: Person, b: Person): Promise<void> {
  await a.call('pinContact', { handle: b.handle, bundle: b.bundle });
  await b.call('pinContact', { handle: a.handle, bundle: a.bundle });
}

export async function invited(p: Person, from: string): Promise<boolean> {
  return (await p.call('listContacts')).contacts.find((c) => c.handle === from)?.chatInvite ?? false;
}

/** A chat page attached to a chat of `p`: what it received, and how it talks. */
export function openPage(p: Person, chatId?: string) {
  const received: BackgroundToPage[] = [];
  let onMessage: ((raw: unknown) => void) | undefined;
  let onDisconnect: (() => void) | undefined;
  const page = {
    received,
    disconnected: false,
    port: {
      postMessage: (m: BackgroundToPage) => void received.push(backgroundToPageSchema.parse(m)),
      onMessage: (cb: (raw: unknown) => void) => void (onMessage = cb),
      onDisconnect: (cb: () => void) => void (onDisconnect = cb),
      disconnect: () => void (page.disconnected = true),
    } satisfies ChatPortLike,
    send: (m: PageToBackground | Record<string, unknown>) => onMessage?.(m),
    /** The tab closes. */
    close: () => onDisconnect?.(),
    state: () => received.filter((m) => m.t === 'state').at(-1),
    texts: (direction: 'in' | 'out') => received.flatMap((m) => (m.t === 'message' && m.direction === direction ? [m.text] : [])),
    errors: () => received.flatMap((m) => (m.t === 'error' ? [m] : [])),
  };
  p.bg.chats.acceptPort(page.port);
  if (chatId) page.send({ t: 'attach', chatId });
  return page;
}
export type Page = ReturnType<typeof openPage>;

export async function stateIs(page: Page, state: string, reason?: string, timeoutMs = 15_000): Promise<void> {
  await until(() => page.state()?.state === state && (reason === undefined || page.state()?.reason === reason), timeoutMs).catch(() => {
    throw new Error(`expected ${state}${reason ? ` (${reason})` : ''}, last: ${JSON.stringify(page.state())}`);
  });
}

/** A opens a chat with B; B accepts the invitation; both pages end up open. */
export async function openChat(a: Person, b: Person): Promise<{ pageA: Page; pageB: Page; chatA: string; chatB: string }> {
  const { chatId: chatA } = await a.call('openChat', { handle: b.handle });
  const pageA = openPage(a, chatA);
  await until(() => invited(b, a.handle), 10_000);
  const { chatId: chatB } = await b.call('openChat', { handle: a.handle });
  const pageB = openPage(b, chatB);
  await stateIs(pageA, 'open');
  await stateIs(pageB, 'open');
  return { pageA, pageB, chatA, chatB };
}

/**
 * What the chat service still holds, walking its object graph (not the keyring or the relay connection,
 * which it only borrows): sessions, CryptoKeys and byte arrays (keys, rooms, frames).
 */
export function chatLeftovers(p: Person): { sessions: number; cryptoKeys: number; byteArrays: number } {
  const found = { sessions: 0, cryptoKeys: 0, byteArrays: 0 };
  const seen = new Set<unknown>();
  const borrowed = new Set<unknown>([p.db, p.bg.connection]);
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v) || borrowed.has(v)) return;
    seen.add(v);
    if (v instanceof ChatSession) found.sessions++;
    if (v instanceof CryptoKey) return void found.cryptoKeys++;
    if (ArrayBuffer.isView(v)) return void found.byteArrays++;
    if (v instanceof Map) {
      for (const [k, x] of v) {
        walk(k);
        walk(x);
      }
    } else if (v instanceof Set) for (const x of v) walk(x);
    for (const key of Reflect.ownKeys(v)) walk(Reflect.get(v, key));
  };
  walk(p.bg.chats);
  return found;
}
