// One decrypted message: the text, then the status line (the user's mark, sender, status: verified, pinned,
// unverified, legacy, error + reason), all inside a border in the user's colour; or a contact card (CardView).
// The status line of an opened message shows only while the frame is fully on show (`revealed`): a page
// that crops the frame to that line, covers or fades it gets no "verified" to put beside text of its own.
// A legacy message is opened only on a click: until then it shows a Decrypt button instead of a status.
// A character no font on this computer can draw is shown as its code (U+XXXX), marked, never as an empty
// box; the character itself stays in the text (hidden), so copying the message copies what was sent.
import type { ComponentChild } from 'preact';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import { SecurityMark } from '../SecurityBadge';
import type { DecryptResult, DecryptStatus, SecurityChoice } from '@/lib/protocol/background-api';
import { CardView, type PinOutcome } from './CardView';
import { P2PView, type JoinOutcome } from './P2PView';

const STATUS_KEY: Record<DecryptStatus, MessageKey> = {
  verified: 'messageStatusVerified',
  pinned: 'messageStatusPinned',
  unverified: 'messageStatusUnverified',
  legacy: 'messageStatusLegacy',
  error: 'messageStatusError',
};

/** data-pq: whether the message is post-quantum (contact-pq.ts); a legacy message is classical too. */
const pqOf = (result: DecryptResult & { plaintext: string }) => ('postQuantum' in result && result.postQuantum ? 'post-quantum' : 'classical');

interface Props {
  /** null while the background works. */
  result: DecryptResult | null;
  /** The user's security colour and image, shown on the status line (null until read). */
  security: SecurityChoice | null;
  /** The frame has been fully visible for a moment (entrypoints/message-frame/visibility.ts). */
  revealed: boolean;
  /** Opens a legacy message: call only from a user action. */
  onDecrypt: () => void;
  /** Pins the contact card this frame shows: call only from a user action. */
  onPin: () => Promise<PinOutcome>;
  /** Joins the peer-to-peer chat this frame's invitation offers: call only from a user action. */
  onJoin: () => Promise<JoinOutcome>;
  /** Whether a font can draw this code point (entrypoints/message-frame/glyphs.ts). */
  hasGlyph: (char: string) => boolean;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** Parts of a grapheme drawn with or onto its base (marks, joiners, variation selectors, skin tones, tags). */
const NOT_A_BASE = /[\p{M}\p{Cc}\p{Cf}\p{Z}\u{1F3FB}-\u{1F3FF}]/u;
const code = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** The text in runs: plain strings, and a marked code for each grapheme with a base no font can draw. */
function showable(text: string, hasGlyph: (char: string) => boolean): ComponentChild[] {
  const out: ComponentChild[] = [];
  let run = '';
  for (const { segment } of graphemes.segment(text)) {
    // ASCII needs no check: every font has it.
    const bases = /[^\x00-\x7f]/.test(segment) ? [...segment].filter((c) => !NOT_A_BASE.test(c)) : [];
    if (bases.every(hasGlyph)) {
      run += segment;
      continue;
    }
    if (run) out.push(run);
    run = '';
    out.push(
      <span class="glyph-missing" data-testid="message-missing-glyph" data-code={bases.map(code).join(' ')} title={t('messageMissingGlyph')}>
        <span class="glyph-original">{segment}</span>
      </span>,
    );
  }
  if (run) out.push(run);
  return out;
}

export function MessageView({ result, security, revealed, onDecrypt, onPin, onJoin, hasGlyph }: Props) {
  if (result === null) return <p class="status">{t('messageOpening')}</p>;
  if (result.status === 'card') return <CardView card={result.card} security={security} revealed={revealed} onPin={onPin} />;
  if (result.status === 'p2p') return <P2PView p2p={result.p2p} security={security} revealed={revealed} onJoin={onJoin} />;
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
    <div class="sealed" style={security?.colour ? { borderColor: security.colour } : undefined}>
      <p class="plaintext" data-testid="message-plaintext">
        {showable(result.plaintext, hasGlyph)}
      </p>
      {revealed ? (
        <p class="status" role="status">
          <SecurityMark security={security} />
          <span data-testid="message-sender">{result.senderHandle ?? t('messageUnknownSender')}</span>
          {' · '}
          <span data-testid="message-status" data-status={result.status} data-pq={pqOf(result)}>
            {t(STATUS_KEY[result.status])}
          </span>
          {result.status !== 'legacy' && (
            <>
              {' · '}
              <span data-testid="message-pq" title={t(result.postQuantum ? 'pqPostQuantumHint' : 'pqClassicalHint')}>
                {t(result.postQuantum ? 'pqPostQuantum' : 'pqClassical')}
              </span>
            </>
          )}
          {result.status === 'unverified' && result.keyChange && (
            <>
              {' · '}
              <span data-testid="message-key-change" data-proof={result.keyChange.proof}>
                {t(result.keyChange.proof === 'signed' ? 'messageKeyChangeSigned' : 'messageKeyChangeUnproven', result.keyChange.handle)}
              </span>
            </>
          )}
        </p>
      ) : (
        <p class="status" data-testid="message-status-hidden">
          {t('messageStatusWhenVisible')}
        </p>
      )}
    </div>
  );
}
