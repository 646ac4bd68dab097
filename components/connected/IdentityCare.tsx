// Identity care on the options page: a passphrase-protected backup (shown to copy and offered as a file; a
// passphrase that zxcvbn scores below MIN_BACKUP_SCORE is refused here) and the choice of the security colour
// and image that extension-origin UI shows.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { callBackground } from '@/entrypoints/shared/background-client';
import type { ApiError, SecurityChoice } from '@/lib/protocol/background-api';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import { Icon } from '../Icon';
import { SECURITY_IMAGE_ICONS } from '../SecurityBadge';
import { exportAllowed } from '../popup/backup-strength';
import { ErrorText } from '../popup/ErrorText';
import { loadEstimator, type Estimator } from '../popup/strength-estimator';
import { StrengthMeter } from '../popup/StrengthMeter';

export interface SecurityChooserProps {
  security: SecurityChoice | null;
  onSecurityChange: (security: SecurityChoice) => void;
}

/** A random, clearly visible colour (any hue, fixed saturation and lightness): a first mark is never "none". */
export function randomColour(): string {
  const hue = crypto.getRandomValues(new Uint16Array(1))[0]! % 360;
  const f = (n: number) => {
    const k = (n + hue / 30) % 12;
    const v = 0.45 - 0.35 * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(v * 255).toString(16).padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

function errorKey(error: ApiError, invalidInputKey: MessageKey): MessageKey {
  return error.code === 'malformed' || error.code === 'bad-request' ? invalidInputKey : ERROR_MESSAGE_KEY[error.code];
}

/** onExported: told after each successful export (the first-run flow moves on). */
export function BackupExport({ onExported }: { onExported?: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [backup, setBackup] = useState('');
  const [download, setDownload] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const [estimator, setEstimator] = useState<Estimator | null>(null);
  const estimate = useMemo(() => (estimator && passphrase ? estimator(passphrase) : null), [estimator, passphrase]);

  // The object URL holds the encrypted backup only while the popup shows it.
  useEffect(() => () => void (download && URL.revokeObjectURL(download)), [download]);
  useEffect(() => {
    // A failed load shows no meter; exporting tries again and says so if it fails.
    loadEstimator().then((loaded) => setEstimator(() => loaded), () => undefined);
  }, []);

  /** `byPerson`: the press that asked for it was the person's own, just now (not a script's). */
  async function exportNow(byPerson: boolean) {
    setError(null);
    if (!byPerson) return setError('backupNeedsPress');
    setBusy(true);
    // Measured here as well: a press before the estimator has loaded (the meter not shown yet) waits for it.
    const measure = await loadEstimator().catch(() => null);
    const refusal = !measure ? 'errorInternal' : exportAllowed(measure(passphrase).score) ? null : 'backupTooWeak';
    if (refusal) {
      setBusy(false);
      return setError(refusal);
    }
    const r = await callBackground({ type: 'exportBackup', passphrase });
    setBusy(false);
    if (!r.ok) return setError(errorKey(r.error, 'errorWeakPassphrase'));
    setPassphrase('');
    setBackup(r.backup);
    setDownload(URL.createObjectURL(new Blob([r.backup], { type: 'text/plain' })));
    onExported?.();
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        // A backup leaves only on a fresh press or Enter of the person's (transient user activation).
        void exportNow(navigator.userActivation.isActive);
      }}
    >
      <h3>{t('backupTitle')}</h3>
      <p class="hint">{t('backupHint')}</p>
      <label for="backup-passphrase">{t('backupPassphraseLabel')}</label>
      <input
        id="backup-passphrase"
        data-testid="backup-passphrase"
        type="password"
        // "new-password" would invite the browser to generate and save one: the opposite of what we want.
        autoComplete="off"
        aria-invalid={error !== null}
        aria-describedby={estimate ? 'backup-strength' : undefined}
        value={passphrase}
        onInput={(e) => {
          setPassphrase(e.currentTarget.value);
          setError(null);
        }}
      />
      {estimate && <StrengthMeter id="backup-strength" estimate={estimate} />}
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

export function SecurityChooser({ security, onSecurityChange }: SecurityChooserProps) {
  const [initialColour] = useState(randomColour);
  const [colour, setColour] = useState(security?.colour ?? initialColour);
  const [image, setImage] = useState(security?.image ?? 'key');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const [saved, setSaved] = useState(false);
  // A choice saved elsewhere (another options tab) is shown, unless the user is changing it here.
  const shown = useRef(security);
  useEffect(() => {
    const before = shown.current;
    if (security?.colour) setColour((c) => (c === (before?.colour ?? initialColour) ? security.colour! : c));
    if (security?.image) setImage((i) => (i === (before?.image ?? 'key') ? security.image! : i));
    shown.current = security;
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
      {/* An <option> holds text only: the drawing of the chosen image is shown beside the list. */}
      <div class="security-pick">
        <select id="security-image" data-testid="security-image" value={image} onChange={(e) => setImage(e.currentTarget.value)}>
          {Object.entries(SECURITY_IMAGE_ICONS).map(([value, { name }]) => (
            <option key={value} value={value}>
              {t(name)}
            </option>
          ))}
        </select>
        {Object.hasOwn(SECURITY_IMAGE_ICONS, image) && <Icon name={SECURITY_IMAGE_ICONS[image as keyof typeof SECURITY_IMAGE_ICONS].icon} size="1.6em" />}
        <span class="security-swatch" aria-hidden="true" style={{ background: colour }} />
      </div>
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
