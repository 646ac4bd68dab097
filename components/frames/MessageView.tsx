// One decrypted message: sender, status (verified, pinned, unverified, legacy, error + reason) and the text.
// A legacy message is opened only on a click: until then it shows a Decrypt button instead of a status.
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import { SecurityMark } from '../SecurityBadge';
import type { DecryptResult, DecryptStatus, SecurityChoice } from '@/lib/protocol/background-api';

const STATUS_KEY: Record<DecryptStatus, MessageKey> = {
  verified: 'messageStatusVerified',
  pinned: 'messageStatusPinned',
  unverified: 'messageStatusUnverified',
  legacy: 'messageStatusLegacy',
  error: 'messageStatusError',
};

interface Props {
  /** null while the background works. */
  result: DecryptResult | null;
  /** The user's security colour and image, shown on the status line (null until read). */
  security: SecurityChoice | null;
  /** Opens a legacy message: call only from a user action. */
  onDecrypt: () => void;
}

export function MessageView({ result, security, onDecrypt }: Props) {
  if (result === null) return <p class="status">{t('messageOpening')}</p>;
  if (result.status === 'error' && result.reason.code === 'user-action-required') {
    return (
      <p class="status" role="status" data-testid="message-legacy-prompt">
        <SecurityMark security={security} />
        {t('messageLegacyPrompt')}{' '}
        <button type="button" data-testid="message-decrypt" onClick={onDecrypt}>
          {t('messageDecrypt')}
        </button>
      </p>
    );
  }
  if (result.status === 'error') {
    return (
      <p class="status" role="status">
        <SecurityMark security={security} />
        <span data-testid="message-status" data-status="error" data-code={result.reason.code}>
          {t(STATUS_KEY.error)}: {t(ERROR_MESSAGE_KEY[result.reason.code])}
        </span>
      </p>
    );
  }
  return (
    <div>
      <p class="status" role="status">
        <SecurityMark security={security} />
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
