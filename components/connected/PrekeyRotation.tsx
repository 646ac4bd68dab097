// "Rotate now" for the signed prekey (the background also rotates it weekly): a new prekey at once, e.g.
// after the device may have been exposed, published to the relay when registered there.
import { useState } from 'preact/hooks';
import { callBackground } from '@/entrypoints/shared/background-client';
import { t, type MessageKey } from '../i18n';
import { ErrorText } from '../popup/ErrorText';
import { errorKey } from '../popup/error-key';
import { rotationResultKey } from '../popup/rotation-result';

/** `registered`: registered with the relay now, as the page last read it. */
export function PrekeyRotation({ registered }: { registered: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const [result, setResult] = useState<string | null>(null);

  async function rotate() {
    setBusy(true);
    setError(null);
    setResult(null);
    const r = await callBackground({ type: 'rotatePrekey' });
    setBusy(false);
    if (!r.ok) return setError(errorKey(r.error));
    setResult(t(rotationResultKey(r.published, registered), new Date(r.prekeyCreated).toLocaleString()));
  }

  return (
    <div class="prekey-rotation">
      <p class="hint">{t('prekeyRotateHint')}</p>
      <button type="button" data-testid="prekey-rotate" disabled={busy} onClick={() => void rotate()}>
        {busy ? t('prekeyRotating') : t('prekeyRotate')}
      </button>
      <ErrorText error={error} testId="prekey-rotate-error" />
      {result && (
        <p class="status" role="status" data-testid="prekey-rotated">
          {result}
        </p>
      )}
    </div>
  );
}
