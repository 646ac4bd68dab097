// A peer-to-peer chat token in a message frame: a contact's invitation with its Join button (`p2p-join`),
// one's own token, or an answer (accepted at once by the chat waiting for it). Join is offered only while
// the frame is fully on show (`revealed`), like the card's Pin: a page cannot lead a click onto a cropped frame.
import { useState } from 'preact/hooks';
import type { ApiResult, P2PSummary, SecurityChoice } from '@/lib/protocol/background-api';
import { ERROR_MESSAGE_KEY, t } from '../i18n';
import { SecurityMark } from '../SecurityBadge';

export type JoinOutcome = ApiResult<'joinP2PChat'>;

interface Props {
  p2p: P2PSummary;
  security: SecurityChoice | null;
  revealed: boolean;
  /** Joins (only from the Join button's click). */
  onJoin: () => Promise<JoinOutcome>;
}

export function P2PView({ p2p, security, revealed, onJoin }: Props) {
  const [outcome, setOutcome] = useState<JoinOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const handle = p2p.handle ?? '';
  const join = async () => {
    setBusy(true);
    setOutcome(await onJoin());
    setBusy(false);
  };
  const line =
    p2p.state === 'join' ? t('p2pInvite', handle) : p2p.state === 'sent' ? t(p2p.kind === 'offer' ? 'p2pOwnOffer' : 'p2pOwnAnswer') : p2p.state === 'accepted' ? t('p2pAccepted', handle) : t('p2pStale');
  return (
    <div class="sealed" data-testid="p2p" data-kind={p2p.kind} data-state={p2p.state} style={security?.colour ? { borderColor: security.colour } : undefined}>
      <p class="status" role="status">
        <SecurityMark security={security} />
        {line}
      </p>
      {p2p.state === 'join' && outcome === null && revealed && (
        <button type="button" data-testid="p2p-join" disabled={busy} onClick={() => void join()}>
          {t('p2pJoin')}
        </button>
      )}
      {outcome?.ok === true && outcome.written && (
        <p class="status" data-testid="p2p-joined">
          {t('p2pJoined')}
        </p>
      )}
      {outcome?.ok === true && !outcome.written && (
        <div data-testid="p2p-copy">
          <p>{t('p2pCopyAnswer')}</p>
          <textarea readOnly rows={3} value={outcome.parts.join('\n')} />
        </div>
      )}
      {outcome?.ok === false && (
        <p class="error" role="alert" data-testid="p2p-error" data-code={outcome.error.code}>
          {t(ERROR_MESSAGE_KEY[outcome.error.code])}
        </p>
      )}
    </div>
  );
}
