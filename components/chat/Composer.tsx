import { useState } from 'preact/hooks';
import { CHAT_TIMERS_MS } from '@/lib/protocol/chat-port';
import { t, type MessageKey } from '../i18n';

/** How each offered timer (the time after which a message disappears on both sides) is named. */
const TIMER_LABEL: Record<(typeof CHAT_TIMERS_MS)[number], MessageKey> = {
  0: 'chatTimerOff',
  10_000: 'chatTimer10s',
  60_000: 'chatTimer1m',
  3_600_000: 'chatTimer1h',
  86_400_000: 'chatTimer1d',
};

export interface ComposerProps {
  /** Only an open session takes messages. */
  open: boolean;
  /** A message is on its way: the next waits for it (the field stays usable). */
  sending: boolean;
  /** The text being written: kept by the caller, who clears it once the message went out. */
  text: string;
  onText: (text: string) => void;
  onSend: (text: string, ttlMs: number) => void;
}

/** Where the user writes: Enter sends, Shift+Enter starts a new line. */
export function Composer({ open, sending, text, onText, onSend }: ComposerProps) {
  const [ttlMs, setTtlMs] = useState(0);

  function send() {
    if (open && !sending && text.trim() !== '') onSend(text, ttlMs);
  }

  return (
    <form
      class="chat-composer"
      autoComplete="off"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label for="chat-input">{t('chatInputLabel')}</label>
      <textarea
        id="chat-input"
        data-testid="chat-input"
        rows={3}
        // Plaintext: no spelling service sees it; autocomplete off also keeps the browser from saving what is
        // being written with the tab's session state on disk.
        spellcheck={false}
        autoComplete="off"
        disabled={!open}
        aria-describedby="chat-input-hint"
        value={text}
        onInput={(e) => onText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          }
        }}
      />
      <p id="chat-input-hint" class="hint">
        {t('chatInputHint')}
      </p>
      <div class="chat-composer-row">
        <label for="chat-timer" class="inline">
          {t('chatTimerLabel')}
        </label>
        <select id="chat-timer" data-testid="chat-timer" disabled={!open} value={String(ttlMs)} onChange={(e) => setTtlMs(Number(e.currentTarget.value))}>
          {CHAT_TIMERS_MS.map((ms) => (
            <option key={ms} value={String(ms)}>
              {t(TIMER_LABEL[ms])}
            </option>
          ))}
        </select>
        <button type="submit" data-testid="chat-send" disabled={!open || sending || text.trim() === ''}>
          {t('chatSend')}
        </button>
      </div>
    </form>
  );
}
