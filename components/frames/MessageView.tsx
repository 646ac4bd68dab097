// One decrypted message: sender, status (verified, unverified, legacy, error + reason) and the text.
// A legacy message is opened only on a click: until then it shows a Decrypt button instead of a status.
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import type { DecryptResult, DecryptStatus } from '@/lib/protocol/background-api';

const STATUS_KEY: Record<DecryptStatus, MessageKey> = {
  verified: 'messageStatusVerified',
  unverified: 'messageStatusUnverified',
  legacy: 'messageStatusLegacy',
  error: 'messageStatusError',
};

/** `result` is null while the background works; `onDecrypt` opens a legacy message (a user action). */
export function MessageView({ result, onDecrypt }: { result: DecryptResult | null; onDecrypt: () => void }) {
  if (result === null) return <p class="status">{t('messageOpening')}</p>;
  if (result.status === 'error' && result.reason.code === 'user-action-required') {
    return (
      <p class="status" role="status" data-testid="message-legacy-prompt">
        {t('messageLegacyPrompt')}{' '}
        <button type="button" data-testid="message-decrypt" onClick={onDecrypt}>
          {t('messageDecrypt')}
        </button>
      </p>
    );
  }
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
