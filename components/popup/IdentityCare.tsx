// Identity care: a passphrase-protected backup (shown to copy and offered as a file) and the choice of
// the security colour and image that extension-origin UI shows.
import { useEffect, useState } from 'preact/hooks';
import { callBackground } from '@/entrypoints/shared/background-client';
import type { ApiError, SecurityChoice } from '@/lib/protocol/background-api';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import { SECURITY_IMAGE_SYMBOLS } from '../SecurityBadge';
import { ErrorText } from './ErrorText';

export interface IdentityCareProps {
  security: SecurityChoice | null;
  onSecurityChange: (security: SecurityChoice) => void;
}

const DEFAULT_COLOUR = '#2563eb';

function errorKey(error: ApiError, invalidInputKey: MessageKey): MessageKey {
  return error.code === 'malformed' || error.code === 'bad-request' ? invalidInputKey : ERROR_MESSAGE_KEY[error.code];
}

function BackupExport() {
  const [passphrase, setPassphrase] = useState('');
  const [backup, setBackup] = useState('');
  const [download, setDownload] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  // The object URL holds the encrypted backup only while the popup shows it.
  useEffect(() => () => void (download && URL.revokeObjectURL(download)), [download]);

  async function exportNow() {
    setBusy(true);
    setError(null);
    const r = await callBackground({ type: 'exportBackup', passphrase });
    setBusy(false);
    if (!r.ok) return setError(errorKey(r.error, 'errorWeakPassphrase'));
    setPassphrase('');
    setBackup(r.backup);
    setDownload(URL.createObjectURL(new Blob([r.backup], { type: 'text/plain' })));
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void exportNow();
      }}
    >
      <h3>{t('backupTitle')}</h3>
      <p class="hint">{t('backupHint')}</p>
      <label for="backup-passphrase">{t('backupPassphraseLabel')}</label>
      <input
        id="backup-passphrase"
        data-testid="backup-passphrase"
        type="password"
        autoComplete="new-password"
        aria-invalid={error !== null}
        value={passphrase}
        onInput={(e) => setPassphrase(e.currentTarget.value)}
      />
      <ErrorText error={error} testId="backup-error" />
      <button type="submit" data-testid="backup-export" disabled={busy || passphrase === ''}>
        {busy ? t('backupExporting') : t('backupExport')}
      </button>
      {backup && (
        <>
          <label for="backup-text">{t('backupTextLabel')}</label>
          <textarea id="backup-text" data-testid="backup-text" readOnly rows={4} value={backup} onFocus={(e) => e.currentTarget.select()} />
          <a data-testid="backup-download" href={download} download="crypt2chat-backup.txt">
            {t('backupDownload')}
          </a>
        </>
      )}
    </form>
  );
}

function SecurityChooser({ security, onSecurityChange }: IdentityCareProps) {
  const [colour, setColour] = useState(security?.colour ?? DEFAULT_COLOUR);
  const [image, setImage] = useState(security?.image ?? 'key');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (security?.colour) setColour(security.colour);
    if (security?.image) setImage(security.image);
  }, [security?.colour, security?.image]);

  async function save() {
    setBusy(true);
    setError(null);
    setSaved(false);
    const r = await callBackground({ type: 'saveSecurity', colour, image });
    setBusy(false);
    if (!r.ok) return setError(errorKey(r.error, 'securityInvalid'));
    setSaved(true);
    onSecurityChange(r.security);
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3>{t('securityTitle')}</h3>
      <p class="hint">{t('securityHint')}</p>
      <label for="security-colour">{t('securityColourLabel')}</label>
      <input id="security-colour" data-testid="security-colour" type="color" value={colour} onInput={(e) => setColour(e.currentTarget.value)} />
      <label for="security-image">{t('securityImageLabel')}</label>
      <select id="security-image" data-testid="security-image" value={image} onChange={(e) => setImage(e.currentTarget.value)}>
        {Object.entries(SECURITY_IMAGE_SYMBOLS).map(([value, { symbol, name }]) => (
          <option key={value} value={value}>
            {symbol} {t(name)}
          </option>
        ))}
      </select>
      <ErrorText error={error} testId="security-error" />
      <button type="submit" data-testid="security-save" disabled={busy}>
        {t('securitySave')}
      </button>
      {saved && (
        <p class="status" role="status" data-testid="security-saved">
          {t('settingsSaved')}
        </p>
      )}
    </form>
  );
}

export function IdentityCare(props: IdentityCareProps) {
  return (
    <section aria-labelledby="identity-care-title">
      <h2 id="identity-care-title">{t('identityCareTitle')}</h2>
      <SecurityChooser {...props} />
      <BackupExport />
    </section>
  );
}
