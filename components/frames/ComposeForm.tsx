// The compose overlay's form: pick pinned contacts, write, encrypt and send. Receives data and callbacks.
import { useState } from 'preact/hooks';
import type { SecurityChoice } from '@/lib/protocol/background-api';
import { t, type MessageKey } from '../i18n';
import { ErrorText } from '../popup/ErrorText';
import { SecurityBadge } from '../SecurityBadge';

export interface Recipient {
  handle: string;
  /** Sending is blocked until the user re-verifies this contact in the popup. */
  keyChanged: boolean;
  /** A version-2 secure chat left a post-quantum secret with this contact (data-pq says which). */
  postQuantum: boolean;
}

interface Props {
  /** null while loading. */
  recipients: Recipient[] | null;
  /** Handles chosen last time in this conversation: checked when they arrive (the user may change them). */
  preselected: readonly string[];
  /** The conversation (as the page names it) the preselection was remembered for; null when nothing was. */
  rememberedFor: string | null;
  error: MessageKey | null;
  busy: boolean;
  /** Set when the host did not take the ciphertext: the user copies it by hand. */
  copyText: string | null;
  /** The longest message the host site accepts, as typed ('' = the default). */
  partLength: string;
  onPartLength(value: string): void;
  /** The user's security colour and image: shown only while our input really has the focus. */
  security: SecurityChoice | null;
  /** Ref callback for the input and Send button, which must be fully visible to send (visibility-guard.ts). */
  watchVisibility(element: Element | null): void;
  /** Resolves true when the message went out (the form then clears). */
  onSend(handles: string[], plaintext: string): Promise<boolean>;
  /** Sends the user's contact card through the host. */
  onShareCard(): Promise<void>;
  /** Sends an invitation to a peer-to-peer chat (with the WebRTC offer) to the one chosen contact. */
  onP2PChat(handles: string[]): Promise<void>;
  onClose(): void;
}

const INPUT_STATE_STYLE = { display: 'flex', alignItems: 'center', gap: '8px', height: '3.2em', overflow: 'hidden' };

export function ComposeForm(props: Props) {
  const { recipients, preselected, rememberedFor, error, busy, copyText, partLength, onPartLength, onSend, onShareCard, onP2PChat, onClose, security, watchVisibility } = props;
  // null until the user ticks or unticks someone: until then, last time's choice (usable contacts only).
  const [picked, setPicked] = useState<Set<string> | null>(null);
  const [text, setText] = useState('');
  const [copied, setCopied] = useState(false);
  const [focusLost, setFocusLost] = useState(false);
  // True only while our own textarea holds the focus of a focused window: a look-alike input laid over it
  // by the page gets the user's keystrokes without ever giving ours the focus, so the mark never shows.
  const [typingHere, setTypingHere] = useState(false);

  const usable = new Set(recipients?.filter((r) => !r.keyChanged).map((r) => r.handle));
  const chosen = picked ?? new Set(preselected.filter((h) => usable.has(h)));

  // Focus leaving this frame while a draft is open means keystrokes now go to the page, in the clear:
  // the page may have taken it (docs/THREAT-MODEL.md, "Spoofed UI"). Sending moves focus on purpose (busy).
  const onBlur = () => {
    setTypingHere(false);
    setTimeout(() => {
      if (!busy && text !== '' && !document.hasFocus()) setFocusLost(true);
    }, 0);
  };

  const toggle = (handle: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(handle);
    else next.delete(handle);
    setPicked(next);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (await onSend([...chosen], text)) {
      setText('');
      setFocusLost(false);
    }
  };

  const copy = async () => {
    if (copyText === null) return;
    await navigator.clipboard.writeText(copyText).then(() => setCopied(true), () => setCopied(false));
  };

  return (
    <form onSubmit={(e) => void submit(e)}>
      <div class="frame-head">
        <h1>{t('composeTitle')}</h1>
        <button type="button" class="link" data-testid="compose-close" onClick={onClose}>
          {t('composeClose')}
        </button>
      </div>
      <fieldset data-testid="compose-recipient">
        <legend>{t('composeRecipientsLabel')}</legend>
        {recipients === null && <p>{t('loading')}</p>}
        {recipients?.length === 0 && <p>{t('composeNoContacts')}</p>}
        {recipients?.map((r) => (
          <label key={r.handle} class="check">
            <input
              type="checkbox"
              data-handle={r.handle}
              data-pq={r.postQuantum ? 'post-quantum' : 'classical'}
              disabled={r.keyChanged}
              checked={chosen.has(r.handle)}
              onChange={(e) => toggle(r.handle, (e.currentTarget as HTMLInputElement).checked)}
            />
            {r.handle}
            <span class="hint" title={t(r.postQuantum ? 'pqPostQuantumHint' : 'pqClassicalHint')}> · {t(r.postQuantum ? 'pqPostQuantum' : 'pqClassical')}</span>
            {r.keyChanged && <span class="warn"> — {t('composeKeyChanged')}</span>}
          </label>
        ))}
        {/* Said while last time's choice stands: a page could name its conversation like another one. */}
        {picked === null && rememberedFor !== null && chosen.size > 0 && (
          <p class="hint" data-testid="compose-remembered-for">
            {t('composeRememberedFor', rememberedFor)}
          </p>
        )}
      </fieldset>
      <label for="compose-input">{t('composeInputLabel')}</label>
      {/* One fixed height for both states: a Send button that moved between mousedown and mouseup would miss the click. */}
      <label for="compose-input" data-testid="compose-input-state" data-state={typingHere ? 'secure' : 'idle'} style={INPUT_STATE_STYLE}>
        {typingHere && <SecurityBadge security={security} />}
        <span class={typingHere ? undefined : 'hint'}>{t(typingHere ? 'composeSecureInput' : 'composeClickToType')}</span>
      </label>
      <textarea
        id="compose-input"
        data-testid="compose-input"
        ref={watchVisibility}
        rows={3}
        // Plaintext: no spelling service sees it, and the browser keeps no form history of it.
        spellcheck={false}
        autoComplete="off"
        value={text}
        onFocus={() => setTypingHere(document.hasFocus())}
        onBlur={onBlur}
        onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
      />
      {focusLost && (
        <p class="warn" role="alert" data-testid="compose-focus-warning">
          {t('composeFocusLost')}
        </p>
      )}
      <label for="compose-part-length">{t('composePartLengthLabel')}</label>
      <input
        id="compose-part-length"
        data-testid="compose-part-length"
        type="number"
        inputMode="numeric"
        placeholder={t('composePartLengthDefault')}
        value={partLength}
        onInput={(e) => onPartLength((e.currentTarget as HTMLInputElement).value)}
      />
      <ErrorText error={error} testId="compose-error" />
      <button type="submit" data-testid="compose-send" ref={watchVisibility} disabled={busy || text === ''}>
        {busy ? t('composeSending') : t('composeSend')}
      </button>{' '}
      {/* Not watched for visibility: what it sends is public, and sending a message must not wait on it. */}
      <button type="button" data-testid="compose-share-card" disabled={busy} onClick={() => void onShareCard()}>
        {t('composeShareCard')}
      </button>{' '}
      <button type="button" data-testid="compose-p2p-chat" disabled={busy || chosen.size !== 1} onClick={() => void onP2PChat([...chosen])}>
        {t('composeP2PChat')}
      </button>
      {copyText !== null && (
        <div data-testid="compose-copy">
          <p>{t('composeCopyHint')}</p>
          <textarea readOnly rows={3} value={copyText} />
          <button type="button" onClick={() => void copy()}>
            {copied ? t('composeCopied') : t('composeCopy')}
          </button>
        </div>
      )}
    </form>
  );
}
