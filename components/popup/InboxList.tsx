import { Icon } from '../Icon';
import type { InboxItem } from '@/lib/protocol/background-api';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';

const STATUS_KEY: Record<InboxItem['status'], MessageKey> = {
  verified: 'inboxVerified',
  pinned: 'inboxPinned',
  unverified: 'inboxUnverified',
  error: 'inboxError',
};

// Three trust words, three looks: a confirmed safety number, a key pinned on first use (weaker), the rest.
const STATUS_CLASS: Record<InboxItem['status'], string> = { verified: 'badge', pinned: 'hint', unverified: 'error', error: 'error' };

/** Messages received through the relay while the extension was connected, newest first. */
export function InboxList({ items }: { items: InboxItem[] }) {
  return (
    <section aria-labelledby="inbox-title">
      <h2 id="inbox-title">{t('inboxTitle')}</h2>
      {items.length === 0 ? (
        <p class="hint">{t('inboxEmpty')}</p>
      ) : (
        // Same list styling as contacts: one bordered row per message.
        <ul class="contacts">
          {items.map((item) => (
            <li key={item.id} data-testid="inbox-item" data-status={item.status} data-sender={item.senderHandle}>
              <strong data-testid="inbox-sender">{item.senderHandle}</strong>{' '}
              <span class={STATUS_CLASS[item.status]} data-testid="inbox-status">
                {item.status === 'verified' && <Icon name="check" />} {t(STATUS_KEY[item.status])}
              </span>
              {item.status === 'error' ? (
                <p class="hint" data-testid="inbox-error">
                  {t(ERROR_MESSAGE_KEY[item.reason.code])}
                </p>
              ) : (
                <p data-testid="inbox-text" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                  {item.plaintext}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
