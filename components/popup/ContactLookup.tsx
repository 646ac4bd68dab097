import { useState } from 'preact/hooks';
import { t, type MessageKey } from '../i18n';
import { ErrorText } from './ErrorText';

export interface FoundContact {
  handle: string;
  fingerprint: string;
}

export interface ContactLookupProps {
  busy: boolean;
  error: MessageKey | null;
  found: FoundContact | null;
  onLookup: (handle: string) => void;
  onPin: () => void;
}

export function ContactLookup({ busy, error, found, onLookup, onPin }: ContactLookupProps) {
  const [handle, setHandle] = useState('');
  return (
    <div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onLookup(handle);
        }}
      >
        <label for="contact-lookup-handle">{t('lookupHandleLabel')}</label>
        <input
          id="contact-lookup-handle"
          data-testid="contact-lookup-handle"
          type="text"
          autoComplete="off"
          spellcheck={false}
          maxLength={64}
          aria-invalid={error !== null}
          value={handle}
          onInput={(e) => setHandle(e.currentTarget.value)}
        />
        <button type="submit" data-testid="contact-lookup" disabled={busy}>
          {t('lookupButton')}
        </button>
      </form>
      <ErrorText error={error} testId="contact-lookup-error" />
      {found && (
        <div class="found" data-testid="contact-lookup-result" data-handle={found.handle}>
          <p class="hint">{t('lookupFoundHint')}</p>
          <p>
            <strong>{found.handle}</strong>
          </p>
          <code class="fingerprint">{found.fingerprint}</code>
          <div>
            <button type="button" data-testid="contact-pin" disabled={busy} onClick={onPin}>
              {t('contactPin')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
