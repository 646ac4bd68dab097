import type { ContactInfo } from '@/lib/protocol/background-api';
import { t } from '../i18n';
import { ContactDetails } from './ContactDetails';

export interface ContactListProps {
  contacts: ContactInfo[];
  busy: boolean;
  onMarkVerified: (handle: string) => void;
  onChanged: () => void;
}

export function ContactList({ contacts, busy, onMarkVerified, onChanged }: ContactListProps) {
  if (contacts.length === 0) return <p class="hint">{t('contactsEmpty')}</p>;
  return (
    <ul class="contacts">
      {contacts.map((c) => (
        <li key={c.handle} data-testid="contact-item" data-handle={c.handle} data-verified={String(c.verified)}>
          <strong>{c.handle}</strong>
          {c.verified && <span class="badge"> ✓ {t('contactVerified')}</span>}
          {c.keyChanged && (
            <p class="error" role="alert" data-testid="contact-key-changed">
              {t('contactKeyChanged')}
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
