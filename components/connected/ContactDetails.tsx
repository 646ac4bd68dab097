// One contact's care: a pending key change to accept or refuse, our QR verification code, verifying by
// the other side's pasted code, the key history, and removing the contact.
import QRCode from 'qrcode';
import { useEffect, useState } from 'preact/hooks';
import { callBackground } from '@/entrypoints/shared/background-client';
import type { ApiError, ContactDetails as Details, ContactInfo } from '@/lib/protocol/background-api';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import { ErrorText } from '../popup/ErrorText';
import { MAX_QR_IMAGE_BYTES, readQrImage } from '../popup/read-qr-image';

export interface ContactDetailsProps {
  contact: ContactInfo;
  /** The contact changed (verified, key accepted, removed): the list re-reads the contacts. */
  onChanged: () => void;
}

const formatDate = (ms: number) => new Date(ms).toLocaleString();

function errorKey(error: ApiError): MessageKey {
  return error.code === 'malformed' ? 'verifyCodeInvalid' : ERROR_MESSAGE_KEY[error.code];
}

export function ContactDetails({ contact, onChanged }: ContactDetailsProps) {
  const [details, setDetails] = useState<Details | null>(null);
  const [qr, setQr] = useState('');
  const [code, setCode] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const { handle } = contact;

  // Re-read whenever what the list shows about this contact changes.
  useEffect(() => {
    let current = true;
    void callBackground({ type: 'getContactDetails', handle }).then(async (r) => {
      if (!current) return;
      if (!r.ok) return setError(ERROR_MESSAGE_KEY[r.error.code]);
      setDetails(r);
      // A data: URL for an <img>: no markup is built from strings.
      const url = r.verificationCode ? await QRCode.toDataURL(r.verificationCode, { errorCorrectionLevel: 'M', margin: 2, width: 220 }) : '';
      if (current) setQr(url);
    });
    return () => {
      current = false;
    };
  }, [handle, contact.fingerprint, contact.verified, contact.keyChanged]);

  async function run(action: () => Promise<ApiError | null>) {
    setBusy(true);
    setError(null);
    const failure = await action();
    setBusy(false);
    if (failure) setError(errorKey(failure));
  }

  const verifyCode = (text = code) =>
    run(async () => {
      setMismatch(false);
      const r = await callBackground({ type: 'verifyContactCode', handle, code: text });
      if (!r.ok) return r.error;
      if (r.result === 'mismatch') setMismatch(true);
      else onChanged();
      return null;
    });

  /** The other side's QR code from an image file: read it, show it in the field, and check it. */
  async function verifyImage(file: File | undefined) {
    if (!file) return;
    setMismatch(false);
    setError(null);
    if (file.size > MAX_QR_IMAGE_BYTES) return setError('errorTooLarge');
    const text = await readQrImage(file).catch(() => null);
    if (text === null) return setError('verifyQrUnreadable');
    setCode(text);
    await verifyCode(text);
  }

  const reverify = (fingerprint: string) =>
    run(async () => {
      const r = await callBackground({ type: 'reverifyContact', handle, fingerprint });
      if (!r.ok) return r.error;
      onChanged();
      return null;
    });

  const remove = () =>
    run(async () => {
      const r = await callBackground({ type: 'removeContact', handle });
      if (!r.ok) return r.error;
      onChanged();
      return null;
    });

  const pinned = details?.keyHistory.find((k) => k.state === 'pinned');
  const idBase = `contact-${handle}`;
  return (
    <div class="contact-details">
      {details?.pendingKey && (
        <div class="key-change" data-testid="contact-key-change-review">
          <p>{t('keyChangeNewSafetyNumberLabel')}</p>
          <code class="fingerprint" data-testid="contact-new-safety-number">
            {details.pendingKey.safetyNumber}
          </code>
          <p class="hint">{t('keyChangeHint')}</p>
          <button type="button" data-testid="contact-accept-key" disabled={busy} onClick={() => void reverify(details.pendingKey!.fingerprint)}>
            {t('keyChangeAccept')}
          </button>{' '}
          {pinned && (
            <button type="button" data-testid="contact-keep-key" disabled={busy} onClick={() => void reverify(pinned.fingerprint)}>
              {t('keyChangeKeepOld')}
            </button>
          )}
        </div>
      )}
      <ErrorText error={error} testId="contact-details-error" />
      <details>
        <summary data-testid="contact-details">{t('contactDetailsSummary')}</summary>
        {details?.verificationCode && !contact.keyChanged && (
          <>
            <h3>{t('verifyTitle')}</h3>
            <p class="hint">{t('verifyQrHint')}</p>
            {qr && <img data-testid="contact-qr" src={qr} alt={t('verifyQrAlt')} width={220} height={220} />}
            <label for={`${idBase}-own-code`}>{t('verifyOwnCodeLabel')}</label>
            <input id={`${idBase}-own-code`} data-testid="contact-own-code" type="text" readOnly value={details.verificationCode} onFocus={(e) => e.currentTarget.select()} />
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void verifyCode();
              }}
            >
              <label for={`${idBase}-verify-code`}>{t('verifyPasteLabel')}</label>
              <input
                id={`${idBase}-verify-code`}
                data-testid="contact-verify-code"
                type="text"
                autoComplete="off"
                spellcheck={false}
                aria-invalid={mismatch || error !== null}
                value={code}
                onInput={(e) => {
                  setCode(e.currentTarget.value);
                  setMismatch(false); // a changed code makes the last verdict stale
                  setError(null);
                }}
              />
              <button type="submit" data-testid="contact-verify-submit" disabled={busy || code.trim() === ''}>
                {t('verifyPasteButton')}
              </button>
            </form>
            <label for={`${idBase}-verify-qr`}>{t('verifyQrImageLabel')}</label>
            <input
              id={`${idBase}-verify-qr`}
              data-testid="contact-verify-qr"
              type="file"
              accept="image/*"
              disabled={busy}
              onChange={(e) => {
                void verifyImage(e.currentTarget.files?.[0]);
                e.currentTarget.value = ''; // the same file can be chosen again
              }}
            />
            {mismatch && (
              <p class="error" role="alert" data-testid="contact-verify-mismatch">
                {t('verifyMismatch')}
              </p>
            )}
          </>
        )}
        <h3>{t('keyHistoryTitle')}</h3>
        <ul class="key-history" data-testid="contact-key-history">
          {details?.keyHistory.map((k) => (
            <li key={k.fingerprint} data-testid="contact-key-history-item" data-state={k.state}>
              <code class="fingerprint">{k.fingerprint}</code>
              <br />
              <span class="hint">
                {t(k.state === 'pinned' ? 'keyStatePinned' : k.state === 'pending' ? 'keyStatePending' : 'keyStatePrevious')} ·{' '}
                {t('keyFirstSeen')} {formatDate(k.firstSeen)}
                {k.replacedAt !== undefined && ` · ${t('keyReplacedAt')} ${formatDate(k.replacedAt)}`}
              </span>
            </li>
          ))}
        </ul>
        {confirmRemove ? (
          <div role="group" aria-label={t('contactRemoveConfirmQuestion')}>
            <p>{t('contactRemoveConfirmQuestion')}</p>
            <button type="button" data-testid="contact-remove-confirm" disabled={busy} onClick={() => void remove()}>
              {t('contactRemoveConfirm')}
            </button>{' '}
            <button type="button" disabled={busy} onClick={() => setConfirmRemove(false)}>
              {t('cancel')}
            </button>
          </div>
        ) : (
          <button type="button" data-testid="contact-remove" disabled={busy} onClick={() => setConfirmRemove(true)}>
            {t('contactRemove')}
          </button>
        )}
      </details>
    </div>
  );
}
