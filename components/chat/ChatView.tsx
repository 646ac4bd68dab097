import { Icon } from '../Icon';
import type { SecurityChoice } from '@/lib/protocol/background-api';
import { SecurityBadge } from '../SecurityBadge';
import { t, type MessageKey } from '../i18n';
import { Composer } from './Composer';
import { MessageList, type ShownMessage } from './MessageList';

export type ChatPhase = 'connecting' | 'open' | 'ended';

/** Something the user should know, in plain words: a message whose placeholders `values` fill, in order. */
export interface ChatNotice {
  id: number;
  text: MessageKey;
  values: string[];
}

export interface ChatViewProps {
  security: SecurityChoice | null;
  /** Who the chat is with; null until the background has said so. */
  contact: { handle: string; safetyNumber: string; verified: boolean; transport: 'relay' | 'p2p' } | null;
  state: ChatPhase;
  /** While open: whether the session keys are post-quantum (true) or classical only (false); null: not known. */
  postQuantum: boolean | null;
  /** Why the chat is in its state (waiting for whom, why it ended), in plain words. */
  explanation: MessageKey | null;
  /** Non-fatal problems (rejected frames, lost messages), newest last. */
  notices: ChatNotice[];
  messages: ShownMessage[];
  draft: string;
  sending: boolean;
  onDraft: (text: string) => void;
  onSend: (text: string, ttlMs: number) => void;
  onEnd: () => void;
  /** Shown when a peer-to-peer chat found no direct path: opens the relay chat with the same contact. */
  onUseRelay: () => void;
}

export function ChatView({ security, contact, state, postQuantum, explanation, notices, messages, draft, sending, onDraft, onSend, onEnd, onUseRelay }: ChatViewProps) {
  const handle = contact?.handle ?? '';
  return (
    <>
      <SecurityBadge security={security} />
      <header class="chat-head">
        <h1>
          {t('chatTitle')} <span data-testid="chat-peer">{handle}</span>
        </h1>
        <p class="chat-status">
          <span class="visually-hidden">{t('chatStateLabel')} </span>
          <span class={`chat-state ${state}`} data-testid="chat-state" role="status">
            {state}
          </span>{' '}
          {postQuantum !== null && (
            <span class={postQuantum ? 'badge' : 'hint'} data-testid="chat-pq" data-pq={String(postQuantum)} title={t(postQuantum ? 'chatPostQuantumHint' : 'chatClassicalHint')}>
              {t(postQuantum ? 'chatPostQuantum' : 'chatClassical')}
            </span>
          )}{' '}
          {contact && (
            <span class="hint">
              {t('chatTransportLabel')} <span data-testid="chat-transport">{contact.transport}</span>
            </span>
          )}{' '}
          {explanation && (
            <span data-testid="chat-state-reason" class={state === 'ended' ? 'error' : 'hint'} role={state === 'ended' ? 'alert' : undefined}>
              {t(explanation, handle)}
            </span>
          )}
          {explanation === 'chatReasonNoDirectPath' && (
            <button type="button" data-testid="chat-use-relay" onClick={onUseRelay}>
              {t('chatUseRelay')}
            </button>
          )}
        </p>
        {state !== 'ended' && (
          <button type="button" data-testid="chat-end" onClick={onEnd}>
            {t('chatEnd')}
          </button>
        )}
      </header>
      {contact && (
        <dl class="chat-safety">
          <dt>{t('contactSafetyNumberLabel')}</dt>
          <dd>
            <code class="fingerprint" data-testid="chat-safety-number">
              {contact.safetyNumber}
            </code>{' '}
            {/* A chat is only ever with a pinned contact: 'verified' once the user compared safety numbers, else 'pinned'. */}
            <strong class={contact.verified ? 'badge' : 'hint'} data-testid="chat-trust" data-status={contact.verified ? 'verified' : 'pinned'}>
              {t(contact.verified ? 'chatTrustVerified' : 'chatTrustPinned')}
            </strong>{' '}
            <span class={contact.verified ? 'badge' : 'hint'} data-testid="chat-verified" data-verified={String(contact.verified)}>
              {contact.verified && <Icon name="check" />} {t(contact.verified ? 'chatVerified' : 'chatNotVerified')}
            </span>
          </dd>
        </dl>
      )}
      <MessageList messages={messages} peer={handle} />
      {notices.length > 0 && (
        <ul class="chat-notices" aria-live="polite" data-testid="chat-notices">
          {notices.map((n) => (
            <li key={n.id} class="error" data-testid="chat-notice">
              {t(n.text, n.values)}
            </li>
          ))}
        </ul>
      )}
      <Composer open={state === 'open'} sending={sending} text={draft} onText={onDraft} onSend={onSend} />
    </>
  );
}
