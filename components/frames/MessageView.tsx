// One decrypted message: sender, status (verified, unverified, legacy, error + reason) and the text.
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import type { DecryptResult, DecryptStatus } from '@/lib/protocol/background-api';

const STATUS_KEY: Record<DecryptStatus, MessageKey> = {
  verified: 'messageStatusVerified',
  unverified: 'messageStatusUnverified',
  legacy: 'messageStatusLegacy',
  error: 'messageStatusError',
};

/** `result` is null while the background works. */
export function MessageView({ result }: { result: DecryptResult | null }) {
  if (result === null) return <p class="status">{t('messageOpening')}</p>;
  if (result.status === 'error') {
    return (
      <p class="status" role="status" data-testid="message-status" data-status="error" data-code={result.reason.code}>
        {t(STATUS_KEY.error)}: {t(ERROR_MESSAGE_KEY[result.reason.code])}
      </p>
    );
  }
  return (
    <div>
      <p class="status" role="status">
        <span data-testid="message-sender">{result.senderHandle ?? t('messageUnknownSender')}</span>
        {' · '}
        <span data-testid="message-status" data-status={result.status}>
          {t(STATUS_KEY[result.status])}
        </span>
      </p>
      <p class="plaintext" data-testid="message-plaintext">
        {result.plaintext}
      </p>
    </div>
  );
}
