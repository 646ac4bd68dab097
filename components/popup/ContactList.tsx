import type { ContactInfo } from '@/lib/protocol/background-api';
import { t, type MessageKey } from '../i18n';
import { ContactDetails } from '../connected/ContactDetails';

export interface ContactListProps {
  contacts: ContactInfo[];
  busy: boolean;
  onMarkVerified: (handle: string) => void;
  onChanged: () => void;
  onOpenChat: (handle: string) => void;
}

/** Why a secure chat cannot start with this contact, or null when it can. */
function chatBlockedReason(c: ContactInfo): MessageKey | null {
  if (c.keyChanged) return 'chatBlockedKeyChanged';
  if (c.fingerprint === '') return 'chatBlockedLegacy';
  return null;
}

export function ContactList({ contacts, busy, onMarkVerified, onChanged, onOpenChat }: ContactListProps) {
  if (contacts.length === 0) return <p class="hint">{t('contactsEmpty')}</p>;
  return (
    <ul class="contacts">
      {contacts.map((c) => (
        <li key={c.handle} data-testid="contact-item" data-handle={c.handle} data-verified={String(c.verified)} data-chat-invite={String(c.chatInvite)}>
          <strong>{c.handle}</strong>
          {c.verified && <span class="badge"> ✓ {t('contactVerified')}</span>}
          {c.chatInvite && (
            <p class="invite" role="status" data-testid="chat-invite">
              {t('chatInviteFrom', c.handle)}
            </p>
          )}
          <ChatOpen contact={c} busy={busy} onOpen={onOpenChat} />
          {c.keyChanged && (
            <p class="error" role="alert" data-testid="contact-key-changed" data-proof={c.keyChangeProof ?? 'unproven'}>
              {t(c.keyChangeProof === 'signed' ? 'contactKeyChangedSigned' : 'contactKeyChanged')}
            </p>
          )}
          <dl>
            <dt>{t('contactFingerprintLabel')}</dt>
            <dd>
              <code class="fingerprint">{c.fingerprint}</code>
            </dd>
            <dt>{t('contactSafetyNumberLabel')}</dt>
            <dd>
              <code class="fingerprint" data-testid="contact-safety-number">
                {c.safetyNumber}
              </code>
            </dd>
          </dl>
          {!c.verified && !c.keyChanged && c.safetyNumber !== '' && (
            <button type="button" data-testid="contact-mark-verified" disabled={busy} onClick={() => onMarkVerified(c.handle)}>
              {t('contactMarkVerified')}
            </button>
          )}
          {c.safetyNumber !== '' && <ContactDetails contact={c} onChanged={onChanged} />}
        </li>
      ))}
    </ul>
  );
}

/** The secure-chat button; when a chat cannot start, it stays visible but disabled, with the reason. */
function ChatOpen({ contact, busy, onOpen }: { contact: ContactInfo; busy: boolean; onOpen: (handle: string) => void }) {
  const blocked = chatBlockedReason(contact);
  const reasonId = `chat-blocked-${contact.handle}`;
  return (
    <>
      <button
        type="button"
        data-testid="chat-open"
        disabled={busy || blocked !== null}
        aria-describedby={blocked ? reasonId : undefined}
        onClick={() => onOpen(contact.handle)}
      >
        {t(contact.chatInvite ? 'chatJoin' : 'chatOpen')}
      </button>
      {blocked && (
        <p class="hint" id={reasonId} data-testid="chat-open-blocked">
          {t(blocked)}
        </p>
      )}
    </>
  );
}
