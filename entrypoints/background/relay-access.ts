// Short-lived relay connections for popup actions (register, look up a handle): connect, do one thing,
// close. Relay failures become API errors in plain words; nothing about the request is logged.
import { C2CError } from '@/lib/errors';
import type { IdentityKeyPair } from '@/lib/crypto/identity';
import { RelayClient, RelayError, type WebSocketConstructor } from '@/lib/relay-client/client';
import { splitRelayUrls } from '@/lib/relay-client/relay-urls';
import type { RelayRoute } from './relay-route';

const REQUEST_TIMEOUT_MS = 10_000;

/** Relay failures in plain words (also used by the persistent connection, mailbox-service.ts). */
export function relayFailure(e: unknown): unknown {
  if (!(e instanceof RelayError)) return e;
  switch (e.code) {
    case 'unreachable':
    case 'closed':
    case 'timeout':
      return new C2CError('relay-unreachable', 'The relay could not be reached. Check its address and your connection.');
    case 'proxy':
      return new C2CError('proxy-unavailable', 'The relay was not contacted: the browser could not route the connection through the proxy.');
    case 'not-found':
      return new C2CError('not-found', 'The relay has no one registered under that handle.');
    case 'handle-taken':
      return new C2CError('handle-taken', 'That handle is already registered on this relay by someone else.');
    default:
      return new C2CError('relay-refused', `The relay refused the request (${e.code}).`);
  }
}

export async function withRelay<T>(
  route: RelayRoute,
  url: string,
  identity: IdentityKeyPair | undefined,
  action: (client: RelayClient) => Promise<T>,
): Promise<T> {
  try {
    await route.ensure(url);
  } catch (e) {
    throw relayFailure(e);
  }
  const client = new RelayClient({
    url: splitRelayUrls(url),
    WebSocket: globalThis.WebSocket as unknown as WebSocketConstructor,
    ...(identity ? { identity } : {}),
    reconnect: false,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  try {
    await client.connect();
    return await action(client);
  } catch (e) {
    throw relayFailure(e);
  } finally {
    client.close();
  }
}
