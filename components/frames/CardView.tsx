// A contact card shown in a message frame: whose it is (handle, fingerprint), how it compares with what is
// pinned, and a Pin button. The button shows only while the frame is fully on show (`revealed`), as a
// message's status does: a page that covers or crops the frame cannot lead a click onto it.
import { useState } from 'preact/hooks';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import { SecurityMark } from '../SecurityBadge';
import type { ApiResult, CardSummary, ResponseData, SecurityChoice } from '@/lib/protocol/background-api';

export type PinOutcome = ApiResult<'pinCard'>;

const KNOWN_KEY: Record<CardSummary['known'], MessageKey> = {
  new: 'cardKnownNew',
  pinned: 'cardKnownPinned',
  changed: 'cardKnownChanged',
  own: 'cardKnownOwn',
};

const RESULT_KEY: Record<ResponseData<'pinCard'>['result'], MessageKey> = {
  pinned: 'cardResultPinned',
  unchanged: 'cardResultUnchanged',
  'prekey-updated': 'cardResultPrekeyUpdated',
  'key-changed': 'cardResultKeyChanged',
};

interface Props {
  card: CardSummary;
  security: SecurityChoice | null;
  revealed: boolean;
  /** Asks the background to pin this frame's card: call only from the Pin button's click. */
  onPin: () => Promise<PinOutcome>;
}

export function CardView({ card, security, revealed, onPin }: Props) {
  const [outcome, setOutcome] = useState<PinOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const pin = () => {
    setBusy(true);
    void onPin().then((o) => {
      setOutcome(o);
      setBusy(false);
    });
  };
  const shown = outcome?.ok ? outcome.card : card;
  return (
    <div class="sealed card" data-testid="card" style={security?.colour ? { borderColor: security.colour } : undefined}>
      <p class="card-who">
        <SecurityMark security={security} />
        {t('cardTitle')}: <strong data-testid="card-handle">{shown.handle}</strong>
      </p>
      <p class="card-fingerprint" data-testid="card-fingerprint">
        {shown.fingerprint}
      </p>
      <p class="status" role="status">
        {outcome === null ? (
          <span data-testid="card-known" data-known={card.known}>
            {t(KNOWN_KEY[card.known])}
          </span>
        ) : outcome.ok ? (
          <span data-testid="card-pin-result" data-result={outcome.result}>
            {t(RESULT_KEY[outcome.result])}
          </span>
        ) : (
          <span data-testid="card-pin-error" data-code={outcome.error.code}>
            {t('messageStatusError')}: {t(ERROR_MESSAGE_KEY[outcome.error.code])}
          </span>
        )}{' '}
        {card.known === 'own' || outcome?.ok ? null : revealed ? (
          <button type="button" data-testid="card-pin" disabled={busy} onClick={pin}>
            {t('cardPin')}
          </button>
        ) : (
          <span data-testid="card-pin-hidden">{t('cardPinWhenVisible')}</span>
        )}
      </p>
    </div>
  );
}
