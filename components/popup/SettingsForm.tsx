import { useEffect, useRef, useState } from 'preact/hooks';
import { t, type MessageKey } from '../i18n';
import { ErrorText } from './ErrorText';

export interface SettingsFormProps {
  relayUrl: string;
  busy: boolean;
  saved: boolean;
  error: MessageKey | null;
  onSave: (relayUrl: string) => void;
}

export function SettingsForm({ relayUrl, busy, saved, error, onSave }: SettingsFormProps) {
  const [value, setValue] = useState(relayUrl);
  // Show a newly stored value (saved here or in another tab), unless the user is editing the field: what
  // they typed and did not save yet is kept.
  const shown = useRef(relayUrl);
  useEffect(() => {
    const before = shown.current;
    setValue((v) => (v === before ? relayUrl : v));
    shown.current = relayUrl;
  }, [relayUrl]);
  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settingsTitle')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSave(value);
        }}
      >
        <label for="settings-relay-url">{t('settingsRelayUrlLabel')}</label>
        <input
          id="settings-relay-url"
          data-testid="settings-relay-url"
          type="text"
          inputMode="url"
          autoComplete="off"
          spellcheck={false}
          aria-describedby="settings-relay-url-hint"
          aria-invalid={error !== null}
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        <p id="settings-relay-url-hint" class="hint">
          {t('settingsRelayUrlHint')}
        </p>
        <ErrorText error={error} testId="settings-error" />
        <button type="submit" data-testid="settings-save" disabled={busy}>
          {busy ? t('settingsSaving') : t('settingsSave')}
        </button>
        {saved && (
          <p class="status" role="status" data-testid="settings-saved">
            {t('settingsSaved')}
          </p>
        )}
      </form>
    </section>
  );
}
