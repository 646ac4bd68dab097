// The options page: identity (fingerprint, prekey "rotate now"), relay, security mark, backup and the legacy
// suite; and, while there is no identity or when asked (#setup), the first-run flow.
import { useEffect, useState } from 'preact/hooks';
import { t, type MessageKey } from '@/components/i18n';
import { ErrorText } from '@/components/popup/ErrorText';
import { errorKey } from '@/components/popup/error-key';
import { BackupExport, SecurityChooser } from '@/components/connected/IdentityCare';
import { IdentityCard } from '@/components/popup/IdentityCard';
import { LegacyPanel } from '@/components/popup/LegacyPanel';
import { PrekeyRotation } from '@/components/connected/PrekeyRotation';
import { SecurityBadge } from '@/components/SecurityBadge';
import { callBackground } from '../shared/background-client';
import { FirstRun, stepFromHash } from './FirstRun';
import { RelaySection } from './RelaySection';
import { announceChange } from './settings-sync';
import { useOptionsState } from './use-options-state';

export function OptionsApp() {
  const data = useOptionsState();
  const { state, security, legacyKey, loadError, refresh, setSecurity, setLegacyKey } = data;
  const [setup, setSetup] = useState(() => stepFromHash(location.hash) !== null);
  const [legacyBusy, setLegacyBusy] = useState(false);
  const [legacyError, setLegacyError] = useState<MessageKey | null>(null);

  // #backup (the popup's reminder) brings the backup form into view once it is there.
  useEffect(() => {
    if (state?.identity && location.hash === '#backup') document.getElementById('backup')?.scrollIntoView();
  }, [Boolean(state?.identity)]);

  if (loadError) return <ErrorText error={loadError} testId="options-error" />;
  if (!state) return <p aria-busy="true">{t('loading')}</p>;
  if (setup || !state.identity) {
    return (
      <FirstRun
        data={data}
        onFinish={() => {
          history.replaceState(null, '', '#');
          setSetup(false);
        }}
      />
    );
  }

  async function createLegacyKey() {
    setLegacyBusy(true);
    setLegacyError(null);
    const r = await callBackground({ type: 'createLegacyKey' });
    setLegacyBusy(false);
    if (!r.ok) return setLegacyError(errorKey(r.error));
    setLegacyKey(r.key);
    announceChange();
  }

  return (
    <>
      <header class="options-head">
        <h1>{t('optionsTitle')}</h1>
        <SecurityBadge security={security} />
      </header>
      <IdentityCard handle={state.identity.handle} fingerprint={state.identity.fingerprint}>
        <PrekeyRotation registered={state.relay.registered} />
      </IdentityCard>
      <section aria-labelledby="relay-settings-title">
        <h2 id="relay-settings-title">{t('optionsRelayTitle')}</h2>
        <RelaySection state={state} refresh={refresh} />
      </section>
      <section aria-labelledby="identity-care-title">
        <h2 id="identity-care-title">{t('identityCareTitle')}</h2>
        <SecurityChooser
          security={security}
          onSecurityChange={(chosen) => {
            setSecurity(chosen);
            announceChange();
          }}
        />
        <div id="backup">
          <BackupExport onExported={announceChange} />
        </div>
      </section>
      <LegacyPanel legacyKey={legacyKey} busy={legacyBusy} error={legacyError} onCreate={() => void createLegacyKey()} />
      <p>
        <button type="button" class="link-button" data-testid="options-first-run" onClick={() => setSetup(true)}>
          {t('optionsRunSetupAgain')}
        </button>
      </p>
    </>
  );
}
