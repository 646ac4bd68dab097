// State holder of the chat page: it owns the port to the background (which holds the session and every
// key), checks each message from it with the schema, and hands data and callbacks to ChatView.
import { useEffect, useRef, useState } from 'preact/hooks';
import { browser, type Browser } from 'wxt/browser';
import { ERROR_MESSAGE_KEY, type MessageKey } from '@/components/i18n';
import { ChatView, type ChatNotice, type ChatPhase } from '@/components/chat/ChatView';
import type { ShownMessage } from '@/components/chat/MessageList';
import type { ApiErrorCode } from '@/lib/protocol/background-api';
import {
  CHAT_PING_MS,
  CHAT_PORT_NAME,
  backgroundToPageSchema,
  chatIdSchema,
  type BackgroundToPage,
  type ChatStateReason,
  type PageToBackground,
} from '@/lib/protocol/chat-port';
import { useSecurity } from '../shared/use-security';
import { callBackground } from '../shared/background-client';
import { P2PPeer } from './p2p-peer';

/** After the end, the data channel stays open this long so the end frame leaves. */
const P2P_CLOSE_DELAY_MS = 2_000;

/** What the page says about each reason the background gives for the state ($1 is the contact's handle). */
const REASON_KEY: Record<ChatStateReason, MessageKey> = {
  invited: 'chatReasonInvited',
  'relay-offline': 'chatReasonRelayOffline',
  handshake: 'chatReasonHandshake',
  'you-ended': 'chatReasonYouEnded',
  'peer-ended': 'chatReasonPeerEnded',
  'tab-closed': 'chatReasonTabClosed',
  'key-mismatch': 'chatReasonKeyMismatch',
  'bad-signature': 'chatReasonBadSignature',
  'handshake-timeout': 'chatReasonHandshakeTimeout',
  'key-changed': 'chatReasonKeyChanged',
  'no-modern-key': 'chatReasonNoModernKey',
  'unknown-chat': 'chatReasonUnknownChat',
  'no-relay': 'chatReasonNoRelay',
  'waiting-answer': 'chatReasonWaitingAnswer',
  'no-direct-path': 'chatReasonNoDirectPath',
  'foreign-fingerprint': 'chatReasonForeignFingerprint',
  error: 'chatReasonError',
};

/** Rejected frames and refused sends worded for a chat; other codes use the general wording. */
const CHAT_ERROR_KEY: Partial<Record<ApiErrorCode, MessageKey>> = {
  replayed: 'chatErrorReplayed',
  tampered: 'chatErrorTampered',
  malformed: 'chatErrorMalformed',
  truncated: 'chatErrorMalformed',
  'unknown-version': 'chatErrorMalformed',
  'relay-unreachable': 'chatErrorNotSent',
  unavailable: 'chatErrorNotSent',
  'too-large': 'chatErrorTooLarge',
};

/** Notices kept on screen: the newest few are what matters. */
const MAX_NOTICES = 5;

type Port = Browser.runtime.Port;

export function ChatApp({ chatId }: { chatId: string }) {
  const [security] = useSecurity();
  const [contact, setContact] = useState<{ handle: string; safetyNumber: string; verified: boolean; transport: 'relay' | 'p2p' } | null>(null);
  const [state, setState] = useState<ChatPhase>('connecting');
  const [explanation, setExplanation] = useState<MessageKey | null>(null);
  const [postQuantum, setPostQuantum] = useState<boolean | null>(null);
  const [messages, setMessages] = useState<ShownMessage[]>([]);
  const [notices, setNotices] = useState<ChatNotice[]>([]);
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  /** The text of the message on its way, to clear the field once it went out. */
  const pending = useRef<string | null>(null);
  const port = useRef<Port | null>(null);
  /** A peer-to-peer chat's connection, made when the background asks this page for it. */
  const peer = useRef<P2PPeer | null>(null);
  const post = (m: PageToBackground) => port.current?.postMessage(m);
  const peerNow = () => (peer.current ??= new P2PPeer(post));
  const noticeId = useRef(0);

  const notify = (text: MessageKey, values: string[] = []) =>
    setNotices((list) => [...list, { id: noticeId.current++, text, values }].slice(-MAX_NOTICES));

  /** Ended for good: what was shown goes too (the background has already destroyed the session). */
  function ended(reason: MessageKey) {
    // The channel stays a moment so our end frame reaches the peer, then closes.
    const closing = peer.current;
    peer.current = null;
    if (closing) setTimeout(() => closing.close(), P2P_CLOSE_DELAY_MS);
    setState('ended');
    setExplanation(reason);
    setMessages([]);
    setDraft('');
    pending.current = null;
    setSending(false);
  }

  function onMessage(m: BackgroundToPage) {
    switch (m.t) {
      case 'contact':
        return setContact({ handle: m.handle, safetyNumber: m.safetyNumber, verified: m.verified, transport: m.transport });
      case 'state':
        if (m.state === 'ended') return ended(m.reason ? REASON_KEY[m.reason] : 'chatReasonError');
        setState(m.state);
        setPostQuantum(m.postQuantum ?? null);
        // Open with a reason: still open, but our relay connection is down for now.
        return setExplanation(m.reason ? REASON_KEY[m.reason] : m.state === 'open' ? 'chatOpenInfo' : null);
      case 'message':
        if (m.direction === 'out' && pending.current === m.text) {
          // Our message went out: the field is free for the next one.
          setDraft((d) => (d === m.text ? '' : d));
          pending.current = null;
          setSending(false);
        }
        return setMessages((list) => [...list, { id: m.id, direction: m.direction, text: m.text, at: m.at, expiresAt: m.expiresAt }]);
      case 'expired':
        return setMessages((list) => list.filter((x) => x.id !== m.id));
      case 'lost':
        return notify('chatNoticeLost', [String(m.count)]);
      case 'error':
        pending.current = null; // a refused send keeps its text in the field
        setSending(false);
        // A fatal one is followed by the `ended` state, which says why.
        if (!m.fatal) notify(CHAT_ERROR_KEY[m.code] ?? ERROR_MESSAGE_KEY[m.code]);
        return;
      case 'pong':
        return;
      case 'p2p-offer':
        return void peerNow().offer().catch(() => post({ t: 'p2p-failed' }));
      case 'p2p-answer':
        return void peerNow().answer(m.remote).catch(() => post({ t: 'p2p-failed' }));
      case 'p2p-remote':
        return void peer.current?.remote(m.remote).catch(() => post({ t: 'p2p-failed' }));
      case 'p2p-send':
        return peer.current?.send(m.frame);
    }
  }

  useEffect(() => {
    if (!chatIdSchema.safeParse(chatId).success) return ended('chatReasonUnknownChat');
    const p = browser.runtime.connect({ name: CHAT_PORT_NAME });
    port.current = p;
    let over = false;
    p.onMessage.addListener((raw: unknown) => {
      const parsed = backgroundToPageSchema.safeParse(raw);
      if (!parsed.success) return notify('chatErrorMalformed');
      if (parsed.data.t === 'state' && parsed.data.state === 'ended') over = true;
      onMessage(parsed.data);
    });
    // The background stopped (or closed the port): the session lived in its memory, so it is gone.
    p.onDisconnect.addListener(() => {
      port.current = null;
      clearInterval(ping);
      if (!over) ended('chatReasonDisconnected');
    });
    post({ t: 'attach', chatId });
    const ping = setInterval(() => post({ t: 'ping' }), CHAT_PING_MS);
    return () => {
      clearInterval(ping);
      p.disconnect();
      // Another chat's address put into this tab: our channel goes with the chat, so the peer sees it close.
      peer.current?.close();
      peer.current = null;
    };
  }, [chatId]);

  function send(text: string, ttlMs: number) {
    if (!port.current) return;
    pending.current = text;
    setSending(true);
    port.current.postMessage({ t: 'send', text, ...(ttlMs > 0 ? { ttlMs } : {}) } satisfies PageToBackground);
  }

  /** No direct path: the relay chat with the same contact, in this tab. */
  async function useRelay() {
    if (!contact) return;
    const r = await callBackground({ type: 'openChat', handle: contact.handle });
    // main.tsx shows the chat the new address names.
    if (r.ok) location.hash = r.chatId;
    else notify(ERROR_MESSAGE_KEY[r.error.code]);
  }

  function end() {
    if (port.current) port.current.postMessage({ t: 'end' } satisfies PageToBackground);
    else ended('chatReasonYouEnded');
  }

  return (
    <ChatView
      security={security}
      contact={contact}
      state={state}
      postQuantum={state === 'open' ? postQuantum : null}
      explanation={explanation}
      notices={notices}
      messages={messages}
      draft={draft}
      sending={sending}
      onDraft={setDraft}
      onSend={send}
      onEnd={end}
      onUseRelay={() => void useRelay()}
    />
  );
}
