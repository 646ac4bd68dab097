// The tab's conversation in the side panel: one item per token of the page, in page order, with sender,
// status and text. Kept scrolled to the newest message while the reader is at the end, like a chat.
import { useLayoutEffect, useRef } from 'preact/hooks';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import type { PanelMessage } from '@/lib/protocol/background-api';

const STATUS_KEY: Record<PanelMessage['status'], MessageKey> = {
  verified: 'messageStatusVerified',
  pinned: 'messageStatusPinned',
  unverified: 'messageStatusUnverified',
  legacy: 'messageStatusLegacy',
  error: 'messageStatusError',
  pending: 'messageOpening',
};

/** Within this many pixels of the end counts as at the end (a new message keeps the view there). */
const AT_END_PX = 48;

interface Props {
  messages: PanelMessage[];
  /** Tokens the page holds; more than `messages.length` when only the newest are shown. */
  total: number;
}

export function PanelMessages({ messages, total }: Props) {
  const list = useRef<HTMLOListElement>(null);
  const atEnd = useRef(true);
  useLayoutEffect(() => {
    const el = list.current;
    if (el && atEnd.current) el.scrollTop = el.scrollHeight;
  }, [messages]);
  const onScroll = () => {
    const el = list.current;
    if (el) atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_END_PX;
  };
  return (
    <>
      {total > messages.length && (
        <p class="hint" data-testid="panel-truncated">
          {t('panelTruncated', [String(messages.length), String(total)])}
        </p>
      )}
      {messages.length === 0 && <p class="hint" data-testid="panel-empty">{t('panelEmpty')}</p>}
      <ol class="messages" ref={list} onScroll={onScroll} aria-live="polite">
        {messages.map((m, i) => (
          <li key={i} data-testid="panel-message" data-status={m.status} class={`message ${m.status}`}>
            <p class="meta">
              <span data-testid="panel-sender">{'senderHandle' in m && m.senderHandle ? m.senderHandle : m.status === 'error' || m.status === 'pending' ? '' : t('panelUnknownSender')}</span>
              <span class="status" data-testid="panel-status">
                {t(STATUS_KEY[m.status])}
                {m.status === 'error' && <> — {t(ERROR_MESSAGE_KEY[m.reason.code])}</>}
              </span>
            </p>
            {'plaintext' in m && <p class="text" data-testid="panel-plaintext">{m.plaintext}</p>}
          </li>
        ))}
      </ol>
    </>
  );
}
