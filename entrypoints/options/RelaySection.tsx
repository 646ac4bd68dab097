// The relay address and registration, on the options page and in the first-run flow.
import { useState } from 'preact/hooks';
import type { MessageKey } from '@/components/i18n';
import { errorKey } from '@/components/popup/error-key';
import { RelayPanel } from '@/components/popup/RelayPanel';
import { SettingsForm } from '@/components/popup/SettingsForm';
import type { ApiError } from '@/lib/protocol/background-api';
import { callBackground } from '../shared/background-client';
import { requestRelayHostAccess } from '../shared/relay-host-access';
import { announceChange } from './settings-sync';
import type { OptionsState } from './use-options-state';

export function RelaySection({ state, refresh }: { state: OptionsState; refresh: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [errors, setErrors] = useState<{ settings?: MessageKey; relay?: MessageKey }>({});

  async function act(slot: 'settings' | 'relay', action: () => Promise<ApiError | null>) {
    setBusy(true);
    setErrors((e) => ({ ...e, [slot]: undefined }));
    const error = await action();
    setBusy(false);
    if (error) setErrors((e) => ({ ...e, [slot]: errorKey(error, slot === 'settings' ? 'errorRelayUrlInvalid' : undefined) }));
    else announceChange();
  }

  const save = (relayUrl: string, proxy: string) =>
    act('settings', async () => {
      setSaved(false);
      // First, while the click still counts as the user's: Firefox asks for the relay's host (relay-host-access.ts).
      if (!(await requestRelayHostAccess(relayUrl, proxy))) return { code: 'proxy-unavailable', message: 'access to the relay was not granted' };
      const r = await callBackground({ type: 'saveSettings', relayUrl, proxy });
      if (!r.ok) return r.error;
      setSaved(true);
      await refresh(); // the registration status is per relay
      return null;
    });

  const register = () =>
    act('relay', async () => {
      const r = await callBackground({ type: 'relayRegister' });
      if (!r.ok) return r.error;
      await refresh();
      return null;
    });

  return (
    <>
      <SettingsForm
        relayUrl={state.settings.relayUrl}
        proxy={state.settings.proxy}
        busy={busy}
        saved={saved}
        error={errors.settings ?? null}
        onSave={(url, proxy) => void save(url, proxy)}
      />
      <RelayPanel registered={state.relay.registered} connection={state.relay.connection} busy={busy} error={errors.relay ?? null} onRegister={() => void register()} />
    </>
  );
}
