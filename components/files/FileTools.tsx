// Encrypting a file to chosen contacts and decrypting one (picked or dropped), with one job's progress,
// cancel, outcome and, where the browser saves through a link, that link. Data and callbacks only: the
// jobs run in entrypoints/shared/use-file-tools.ts.
import { useState } from 'preact/hooks';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '../i18n';
import type { ApiErrorCode, ContactInfo } from '@/lib/protocol/background-api';
import type { FileToolsState } from './file-tools-state';

const FILE_ERROR_KEY: Partial<Record<string, MessageKey>> = {
  tampered: 'fileErrorTampered',
  truncated: 'fileErrorTruncated',
  'not-addressed': 'fileErrorNotAddressed',
  'bad-signature': 'fileErrorBadSignature',
  'unknown-version': 'fileErrorNotEncrypted',
  malformed: 'fileErrorMalformed',
  cancelled: 'fileCancelled',
  'fetch-failed': 'fileErrorFetch',
  'link-gone': 'fileErrorLinkGone',
};

interface Props {
  contacts: ContactInfo[] | null;
  state: FileToolsState;
  onEncrypt: (file: File, recipients: string[]) => void;
  onPickEncrypted: (file: File) => void;
  onSaveDecrypted: () => void;
  onCancel: () => void;
}

const firstFile = (input: EventTarget | null) => (input as HTMLInputElement | null)?.files?.[0];

export function FileTools({ contacts, state, onEncrypt, onPickEncrypted, onSaveDecrypted, onCancel }: Props) {
  const [plain, setPlain] = useState<File | null>(null);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const busy = state.phase === 'running' || state.phase === 'opening';
  const toggle = (handle: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(handle);
    else next.delete(handle);
    setChosen(next);
  };
  const usable = contacts?.filter((c) => !c.keyChanged).map((c) => c.handle) ?? [];
  const recipients = [...chosen].filter((h) => usable.includes(h));
  const failure = state.phase === 'failed' ? state.failure : null;
  return (
    <section aria-labelledby="files-title" class="files">
      <h2 id="files-title">{t('filesTitle')}</h2>
      <fieldset>
        <legend>{t('fileEncryptLegend')}</legend>
        <input type="file" data-testid="file-encrypt-input" aria-label={t('fileEncryptChoose')} disabled={busy} onChange={(e) => setPlain(firstFile(e.currentTarget) ?? null)} />
        {contacts?.length === 0 && <p class="hint">{t('composeNoContacts')}</p>}
        {contacts?.map((c) => (
          <label key={c.handle} class="check">
            <input
              type="checkbox"
              data-testid="file-recipient"
              data-handle={c.handle}
              disabled={c.keyChanged || busy}
              checked={chosen.has(c.handle)}
              onChange={(e) => toggle(c.handle, (e.currentTarget as HTMLInputElement).checked)}
            />
            {c.handle}
            {c.keyChanged && <span class="warn"> — {t('composeKeyChanged')}</span>}
          </label>
        ))}
        <button type="button" data-testid="file-encrypt" disabled={busy || plain === null || recipients.length === 0} onClick={() => plain && onEncrypt(plain, recipients)}>
          {t('fileEncrypt')}
        </button>
      </fieldset>
      <fieldset
        class="drop"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          const file = e.dataTransfer?.files[0];
          if (file && !busy) onPickEncrypted(file);
        }}
      >
        <legend>{t('fileDecryptLegend')}</legend>
        <input type="file" data-testid="file-decrypt-input" aria-label={t('fileDecryptChoose')} disabled={busy} onChange={(e) => {
          const file = firstFile(e.currentTarget);
          if (file) onPickEncrypted(file);
        }} />
        <p class="hint">{t('fileDropHint')}</p>
        {state.linkedFrom && (
          <p data-testid="file-linked-from">{t('fileLinked', state.linkedFrom)}</p>
        )}
        {state.opened && (
          <div data-testid="file-opened">
            <p>
              <span data-testid="file-decrypt-name">{state.opened.name || t('fileNoName')}</span>
              {' — '}
              <span data-testid="file-decrypt-sender" data-status={state.opened.sender.status}>
                {state.opened.sender.handle ?? state.opened.sender.fingerprint} ({state.opened.sender.status})
              </span>
            </p>
            {state.phase === 'opened' && (
              <button type="button" data-testid="file-decrypt-save" onClick={onSaveDecrypted}>
                {t('fileDecryptSave')}
              </button>
            )}
          </div>
        )}
      </fieldset>
      {state.phase !== 'idle' && (
        <div class="file-job" data-testid="file-job" data-kind={state.kind} data-phase={state.phase}>
          {(busy || state.phase === 'opened') && (
            <>
              <progress data-testid="file-progress" max={1} value={state.progress} />
              <button type="button" data-testid="file-cancel" onClick={onCancel}>
                {t('fileCancel')}
              </button>
            </>
          )}
          {state.phase === 'done' && (
            <p role="status" data-testid="file-done">
              {state.kind === 'encrypt' ? t('fileEncrypted') : t('fileDecrypted')}{' '}
              {state.link && (
                <a data-testid="file-save-link" href={state.link.url} download={state.link.name}>
                  {t('fileSaveLink', state.link.name)}
                </a>
              )}
            </p>
          )}
          {failure && (
            <p class="error" role="alert" data-testid="file-error" data-code={failure.code}>
              {t(FILE_ERROR_KEY[failure.code] ?? ERROR_MESSAGE_KEY[failure.code as ApiErrorCode])}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
