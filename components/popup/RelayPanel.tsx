import { t, type MessageKey } from '../i18n';
import { ErrorText } from './ErrorText';

export interface RelayPanelProps {
  registered: boolean;
  busy: boolean;
  error: MessageKey | null;
  onRegister: () => void;
}

export function RelayPanel({ registered, busy, error, onRegister }: RelayPanelProps) {
  return (
    <section aria-labelledby="relay-title">
      <h2 id="relay-title">{t('relayTitle')}</h2>
      <p role="status" data-testid="relay-status" data-registered={String(registered)}>
        {registered ? t('relayStatusRegistered') : t('relayStatusNone')}
      </p>
      <ErrorText error={error} testId="relay-error" />
      {!registered && (
        <button type="button" data-testid="relay-register" disabled={busy} onClick={onRegister}>
          {busy ? t('relayRegistering') : t('relayRegister')}
        </button>
      )}
    </section>
  );
}
