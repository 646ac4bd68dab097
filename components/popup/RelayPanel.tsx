import type { RelayConnectionState } from '@/lib/protocol/background-api';
import { t, type MessageKey } from '../i18n';
import { ErrorText } from './ErrorText';

export interface RelayPanelProps {
  registered: boolean;
  connection: RelayConnectionState;
  busy: boolean;
  error: MessageKey | null;
  onRegister: () => void;
}

const CONNECTION_KEY: Record<RelayConnectionState, MessageKey> = {
  connected: 'relayConnectionConnected',
  connecting: 'relayConnectionConnecting',
  offline: 'relayConnectionOffline',
};

export function RelayPanel({ registered, connection, busy, error, onRegister }: RelayPanelProps) {
  return (
    <section aria-labelledby="relay-title">
      <h2 id="relay-title">{t('relayTitle')}</h2>
      <p role="status" data-testid="relay-status" data-registered={String(registered)} data-connection={connection}>
        {registered ? t('relayStatusRegistered') : t('relayStatusNone')}
        {/* The live connection exists only once registered (entrypoints/background/relay-connection.ts). */}
        {registered && ` ${t(CONNECTION_KEY[connection])}`}
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
