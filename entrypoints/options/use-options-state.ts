// What the options page and its first-run flow show, read from the background: the identity, the relay
// setting and registration, the legacy key and the security mark. Re-read after every save here, when
// another extension page announces one (settings-sync.ts), and the relay connection every 1.5 s.
import { useEffect, useState } from 'preact/hooks';
import { ERROR_MESSAGE_KEY, type MessageKey } from '@/components/i18n';
import type { LegacyKeyInfo, ResponseData, SecurityChoice } from '@/lib/protocol/background-api';
import { callBackground } from '../shared/background-client';
import { useSecurity } from '../shared/use-security';
import { useChangesElsewhere } from './settings-sync';

export type OptionsState = ResponseData<'getState'>;
const POLL_MS = 1500;

export interface OptionsData {
  state: OptionsState | null;
  legacyKey: LegacyKeyInfo | null;
  security: SecurityChoice | null;
  loadError: MessageKey | null;
  refresh: () => Promise<void>;
  setSecurity: (security: SecurityChoice) => void;
  setLegacyKey: (key: LegacyKeyInfo) => void;
}

export function useOptionsState(): OptionsData {
  const [state, setState] = useState<OptionsState | null>(null);
  const [legacyKey, setLegacyKey] = useState<LegacyKeyInfo | null>(null);
  const [loadError, setLoadError] = useState<MessageKey | null>(null);
  const [security, setSecurity, reloadSecurity] = useSecurity();

  async function refresh() {
    reloadSecurity(); // a restored backup brings its own mark
    const r = await callBackground({ type: 'getState' });
    if (!r.ok) return setLoadError(ERROR_MESSAGE_KEY[r.error.code]);
    setState({ identity: r.identity, settings: r.settings, relay: r.relay });
    if (!r.identity) return;
    const legacy = await callBackground({ type: 'getLegacyPublicKey' });
    if (legacy.ok) setLegacyKey(legacy.key);
  }

  useEffect(() => void refresh(), []);
  useChangesElsewhere(() => void refresh());
  // The relay connection changes on its own (relay down, worker woken): only that part is taken over.
  useEffect(() => {
    const timer = setInterval(() => {
      void callBackground({ type: 'getState' }).then((r) => r.ok && setState((s) => (s ? { ...s, relay: r.relay } : s)));
    }, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  return { state, legacyKey, security, loadError, refresh, setSecurity, setLegacyKey };
}
