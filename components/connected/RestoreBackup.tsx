// Restoring an identity from a passphrase-protected backup, offered before one is created.
import { useState } from 'preact/hooks';
import { callBackground } from '@/entrypoints/shared/background-client';
import { LIMITS, type ApiError } from '@/lib/protocol/background-api';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import { ErrorText } from '../popup/ErrorText';

function errorKey(error: ApiError): MessageKey {
  return error.code === 'malformed' || error.code === 'bad-request' ? 'restoreInvalid' : ERROR_MESSAGE_KEY[error.code];
}

export function RestoreBackup({ onRestored }: { onRestored: () => void }) {
  const [backup, setBackup] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  async function readFile(file: File | undefined) {
    if (!file) return;
    if (file.size > LIMITS.backupText) return setError('errorTooLarge');
    setError(null);
    setBackup(await file.text());
  }

  async function restore() {
    setBusy(true);
    setError(null);
    const r = await callBackground({ type: 'restoreBackup', backup, passphrase });
    setBusy(false);
    if (!r.ok) return setError(errorKey(r.error));
    setPassphrase('');
    onRestored();
  }

  return (
    <section aria-labelledby="restore-title">
      <h2 id="restore-title">{t('restoreTitle')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void restore();
        }}
      >
        <label for="restore-file">{t('restoreFileLabel')}</label>
        <input id="restore-file" data-testid="restore-file" type="file" accept=".txt,text/plain" onChange={(e) => void readFile(e.currentTarget.files?.[0])} />
        <label for="restore-text">{t('restoreTextLabel')}</label>
        <textarea id="restore-text" data-testid="restore-text" rows={3} spellcheck={false} value={backup} onInput={(e) => setBackup(e.currentTarget.value)} />
        <label for="restore-passphrase">{t('backupPassphraseLabel')}</label>
        <input
          id="restore-passphrase"
          data-testid="restore-passphrase"
          type="password"
          autoComplete="current-password"
          value={passphrase}
          onInput={(e) => setPassphrase(e.currentTarget.value)}
        />
        <ErrorText error={error} testId="restore-error" />
        <button type="submit" data-testid="restore-submit" disabled={busy || backup.trim() === '' || passphrase === ''}>
          {busy ? t('restoreRunning') : t('restoreSubmit')}
        </button>
      </form>
    </section>
  );
}
