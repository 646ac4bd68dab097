// The first-run flow: identity (or a restored backup) → security mark → relay (may be skipped) → backup
// reminder (may be skipped; the popup keeps reminding until a backup is made). The step is kept in the
// address (#setup/<step>), so a reload stays on it.
import { useState } from 'preact/hooks';
import { t, type MessageKey } from '@/components/i18n';
import { BackupExport, SecurityChooser } from '@/components/connected/IdentityCare';
import { errorKey } from '@/components/popup/error-key';
import { Onboarding } from '@/components/popup/Onboarding';
import { RestoreBackup } from '@/components/connected/RestoreBackup';
import { callBackground } from '../shared/background-client';
import { RelaySection } from './RelaySection';
import { announceChange } from './settings-sync';
import type { OptionsData } from './use-options-state';

export const STEPS = ['identity', 'security', 'relay', 'backup', 'done'] as const;
export type Step = (typeof STEPS)[number];

const STEP_TITLE: Record<Step, MessageKey> = {
  identity: 'firstRunIdentityTitle',
  security: 'firstRunSecurityTitle',
  relay: 'firstRunRelayTitle',
  backup: 'firstRunBackupTitle',
  done: 'firstRunDoneTitle',
};

/** The step named in the address (#setup/<step>); a bare #setup starts at the beginning. */
export function stepFromHash(hash: string): Step | null {
  const m = /^#setup(?:\/([a-z]+))?$/.exec(hash);
  if (!m) return null;
  return STEPS.find((s) => s === m[1]) ?? 'identity';
}

export function FirstRun({ data, onFinish }: { data: OptionsData; onFinish: () => void }) {
  const { state, security, refresh, setSecurity } = data;
  const hasIdentity = Boolean(state?.identity);
  const [step, setStepState] = useState<Step>(() => {
    const named = stepFromHash(location.hash) ?? 'identity';
    // Without an identity every other step is meaningless; with one, creating another is impossible.
    if (!hasIdentity) return 'identity';
    return named === 'identity' ? 'security' : named;
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const [exported, setExported] = useState(false);

  const go = (next: Step) => {
    history.replaceState(null, '', `#setup/${next}`);
    setStepState(next);
  };

  async function create(handle: string) {
    setBusy(true);
    setError(null);
    const r = await callBackground({ type: 'createIdentity', handle });
    setBusy(false);
    if (!r.ok) return setError(errorKey(r.error, 'errorHandleInvalid'));
    announceChange();
    await refresh();
    go('security');
  }

  const index = STEPS.indexOf(step);
  return (
    <section class="first-run" aria-labelledby="first-run-title" data-testid="first-run" data-step={step}>
      <p class="hint" data-testid="first-run-progress">
        {t('firstRunProgress', [String(index + 1), String(STEPS.length)])}
      </p>
      <h1 id="first-run-title">{t(STEP_TITLE[step])}</h1>
      {step === 'identity' && (
        <>
          <Onboarding busy={busy} error={error} onCreate={(h) => void create(h)} />
          <details class="first-run-restore">
            <summary data-testid="first-run-restore">{t('firstRunRestoreInstead')}</summary>
            <RestoreBackup
              onRestored={() => {
                announceChange();
                void refresh().then(() => go('relay')); // the backup brings its mark along
              }}
            />
          </details>
        </>
      )}
      {step === 'security' && (
        <>
          <p>{t('firstRunSecurityIntro')}</p>
          <SecurityChooser
            security={security}
            onSecurityChange={(chosen) => {
              setSecurity(chosen);
              announceChange();
              go('relay');
            }}
          />
        </>
      )}
      {step === 'relay' && state && (
        <>
          <p>{t('firstRunRelayIntro')}</p>
          <RelaySection state={state} refresh={refresh} />
          <nav class="first-run-nav">
            <button type="button" class="primary" data-testid="first-run-next" onClick={() => go('backup')}>
              {state.relay.registered ? t('firstRunNext') : t('firstRunSkip')}
            </button>
          </nav>
        </>
      )}
      {step === 'backup' && (
        <>
          <p>{t('firstRunBackupIntro')}</p>
          <BackupExport
            onExported={() => {
              setExported(true);
              announceChange();
            }}
          />
          <nav class="first-run-nav">
            <button type="button" class="primary" data-testid="first-run-next" onClick={() => go('done')}>
              {exported ? t('firstRunNext') : t('firstRunSkip')}
            </button>
          </nav>
        </>
      )}
      {step === 'done' && (
        <>
          <p>{t('firstRunDoneIntro')}</p>
          <button type="button" class="primary" data-testid="first-run-finish" onClick={onFinish}>
            {t('firstRunFinish')}
          </button>
        </>
      )}
    </section>
  );
}
