import { useEffect, useRef, useState } from 'preact/hooks';
import { ProxyUrlError, parseProxyUrl } from '@/lib/relay-client/proxy-url';
import { t, type MessageKey } from '../i18n';
import { ErrorText } from './ErrorText';

export interface SettingsFormProps {
  relayUrl: string;
  /** socks5h://HOST:PORT, or '' for a direct connection. */
  proxy: string;
  busy: boolean;
  saved: boolean;
  error: MessageKey | null;
  onSave: (relayUrl: string, proxy: string) => void;
}

/** Shows a newly stored value (saved here or in another tab), unless the user is editing the field. */
function useStoredValue(stored: string): [string, (v: string) => void] {
  const [value, setValue] = useState(stored);
  const shown = useRef(stored);
  useEffect(() => {
    const before = shown.current;
    setValue((v) => (v === before ? stored : v));
    shown.current = stored;
  }, [stored]);
  return [value, setValue];
}

function proxyProblem(proxy: string): MessageKey | null {
  if (proxy.trim() === '') return null;
  try {
    parseProxyUrl(proxy);
    return null;
  } catch (e) {
    if (e instanceof ProxyUrlError) return 'errorProxyInvalid';
    throw e;
  }
}

export function SettingsForm({ relayUrl, proxy, busy, saved, error, onSave }: SettingsFormProps) {
  const [value, setValue] = useStoredValue(relayUrl);
  const [proxyValue, setProxyValue] = useStoredValue(proxy);
  const [proxyError, setProxyError] = useState<MessageKey | null>(null);
  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settingsTitle')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          // A proxy address that is not one never reaches the background, and nothing is saved.
          const problem = proxyProblem(proxyValue);
          setProxyError(problem);
          if (problem === null) onSave(value, proxyValue.trim());
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
        <label for="settings-proxy">{t('settingsProxyLabel')}</label>
        <input
          id="settings-proxy"
          data-testid="settings-proxy"
          type="text"
          inputMode="url"
          autoComplete="off"
          spellcheck={false}
          aria-describedby="settings-proxy-hint"
          aria-invalid={proxyError !== null}
          value={proxyValue}
          onInput={(e) => setProxyValue(e.currentTarget.value)}
        />
        <p id="settings-proxy-hint" class="hint">
          {t('settingsProxyHint')}
          {!import.meta.env.FIREFOX && (
            <>
              {' '}
              <span data-testid="settings-proxy-browser-wide">{t('settingsProxyChromeNote')}</span>
            </>
          )}
        </p>
        <ErrorText error={proxyError} testId="settings-proxy-error" />
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
