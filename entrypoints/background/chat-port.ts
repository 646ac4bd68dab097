// Chat pages connect to the background over a long-lived port (lib/protocol/chat-port.ts). Only our own
// extension pages may connect (the same check as the message router); every message is validated by the
// chat service. The page's pings (CHAT_PING_MS) are port messages, i.e. events, which reset the 30 s idle
// timer of Chrome's service worker and of Firefox's event page: an open chat keeps the background alive.
import type { Browser } from 'wxt/browser';
import { CHAT_PORT_NAME, type BackgroundToPage } from '@/lib/protocol/chat-port';
import type { ChatPortLike, ChatService } from './chat-service';
import { viewOf } from './sender';

type Port = Browser.runtime.Port;

export function adaptPort(port: Port): ChatPortLike {
  return {
    postMessage: (message: BackgroundToPage) => port.postMessage(message),
    onMessage: (cb) => port.onMessage.addListener((raw: unknown) => cb(raw)),
    onDisconnect: (cb) => port.onDisconnect.addListener(() => cb()),
    disconnect: () => port.disconnect(),
  };
}

/** Handles one runtime.onConnect: refuses other names and senders other than our chat page. */
export function acceptChatPort(port: Port, chats: ChatService, ownId: string, ownBaseUrl: string): void {
  if (port.name !== CHAT_PORT_NAME || viewOf(port.sender ?? {}, ownId, ownBaseUrl) !== 'chat page') {
    port.disconnect();
    return;
  }
  chats.acceptPort(adaptPort(port));
}
