// The opt-in legacy (CRYPT2CHAT) suite: collapsed by default, always under its warning label.
import { t, type MessageKey } from '../i18n';
import { ErrorText } from './ErrorText';

export interface LegacyPanelProps {
  /** The user's legacy key, or null before one was created. */
  legacyKey: { publicKey: string; fingerprint: string } | null;
  busy: boolean;
  error: MessageKey | null;
  onCreate: () => void;
}

export function LegacyPanel({ legacyKey, busy, error, onCreate }: LegacyPanelProps) {
  return (
    <details data-testid="legacy-section">
      <summary data-testid="legacy-toggle">{t('legacyTitle')}</summary>
      <p class="error" data-testid="legacy-warning">
        {t('legacyWarning')}
      </p>
      <p class="hint">{t('legacyIntro')}</p>
      <ErrorText error={error} testId="legacy-error" />
      {legacyKey ? (
        <dl>
          <dt>{t('legacyPublicKeyLabel')}</dt>
          <dd>
            <code class="fingerprint" data-testid="legacy-public-key">
              {legacyKey.publicKey}
            </code>
          </dd>
          <dt>{t('identityFingerprintLabel')}</dt>
          <dd>
            <code class="fingerprint" data-testid="legacy-fingerprint">
              {legacyKey.fingerprint}
            </code>
          </dd>
        </dl>
      ) : (
        <button type="button" data-testid="legacy-create" disabled={busy} onClick={onCreate}>
          {busy ? t('legacyCreating') : t('legacyCreate')}
        </button>
      )}
    </details>
  );
}
