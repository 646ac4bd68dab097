import { Icon } from '../Icon';
import { t } from '../i18n';

export interface ShownMessage {
  id: string;
  direction: 'in' | 'out';
  text: string;
  at: number;
  expiresAt?: number;
}

const timeOf = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The conversation in order; new messages are read out by screen readers as they arrive. */
export function MessageList({ messages, peer }: { messages: ShownMessage[]; peer: string }) {
  return (
    <ol class="chat-messages" aria-live="polite" aria-label={t('chatMessagesLabel')} data-testid="chat-messages">
      {messages.map((m) => (
        <li key={m.id} class={`chat-message ${m.direction}`} data-testid="chat-message" data-direction={m.direction}>
          <span class="chat-author">{m.direction === 'out' ? t('chatYou') : peer}</span>{' '}
          <time class="hint" dateTime={new Date(m.at).toISOString()}>
            {timeOf(m.at)}
          </time>
          {m.expiresAt !== undefined && (
            <span class="hint" data-testid="chat-message-timer" title={t('chatMessageTimerHint')}>
              {' '}
              <Icon name="timer" /> {timeOf(m.expiresAt)}
              <span class="visually-hidden">{t('chatMessageTimerHint')}</span>
            </span>
          )}
          <p class="chat-text" data-testid="chat-message-text">
            {m.text}
          </p>
        </li>
      ))}
    </ol>
  );
}
