// The side panel's compose box: recipients among the pinned contacts (a changed key cannot be chosen), the
// text, and Send, which has the tab's content script write the ciphertext into the host's box and send it.
import { useState } from 'preact/hooks';
import { t, type MessageKey } from '../i18n';
import type { ContactInfo, PanelOutcome } from '@/lib/protocol/background-api';

const OUTCOME_KEY: Record<Exclude<PanelOutcome, 'sent'>, MessageKey> = {
  copy: 'panelOutcomeCopy',
  'no-box': 'panelOutcomeNoBox',
  several: 'panelOutcomeSeveral',
  'not-enabled': 'panelOutcomeNotEnabled',
};

interface Props {
  contacts: ContactInfo[] | null;
  /** Resolves to what happened, or to an error message already in plain words. */
  onSend: (recipients: string[], plaintext: string) => Promise<PanelOutcome | { error: string }>;
}

export function PanelCompose({ contacts, onSend }: Props) {
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<string | null>(null);
  const toggle = (handle: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(handle);
    else next.delete(handle);
    setChosen(next);
  };
  const send = async () => {
    setBusy(true);
    setSaid(null);
    const outcome = await onSend([...chosen], text);
    setBusy(false);
    if (outcome === 'sent') setText('');
    else setSaid(typeof outcome === 'string' ? t(OUTCOME_KEY[outcome]) : outcome.error);
  };
  const usable = contacts?.filter((c) => !c.keyChanged).map((c) => c.handle) ?? [];
  const ready = text.trim().length > 0 && [...chosen].some((h) => usable.includes(h)) && !busy;
  return (
    <form class="compose" onSubmit={(e) => (e.preventDefault(), void send())}>
      <fieldset>
        <legend>{t('composeRecipientsLabel')}</legend>
        {contacts === null && <p>{t('loading')}</p>}
        {contacts?.length === 0 && <p>{t('composeNoContacts')}</p>}
        {contacts?.map((c) => (
          <label key={c.handle} class="check">
            <input
              type="checkbox"
              data-testid="panel-recipient"
              data-handle={c.handle}
              disabled={c.keyChanged}
              checked={chosen.has(c.handle)}
              onChange={(e) => toggle(c.handle, (e.currentTarget as HTMLInputElement).checked)}
            />
            {c.handle}
            {c.keyChanged && <span class="warn"> — {t('composeKeyChanged')}</span>}
          </label>
        ))}
      </fieldset>
      <label for="panel-input">{t('composeInputLabel')}</label>
      <textarea
        id="panel-input"
        data-testid="panel-input"
        rows={3}
        value={text}
        autocomplete="off"
        spellcheck={false}
        onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
      />
      <button type="submit" data-testid="panel-send" disabled={!ready}>
        {busy ? t('composeSending') : t('composeSend')}
      </button>
      {said !== null && (
        <p class="warn" role="status" data-testid="panel-send-status">
          {said}
        </p>
      )}
    </form>
  );
}
