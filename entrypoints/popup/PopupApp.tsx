// The popup's state holder: it talks to the background and hands data and callbacks to the components.
import { useEffect, useState } from 'preact/hooks';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '@/components/i18n';
import { ContactList } from '@/components/popup/ContactList';
import { ContactLookup } from '@/components/popup/ContactLookup';
import { IdentityCare } from '@/components/popup/IdentityCare';
import { RestoreBackup } from '@/components/popup/RestoreBackup';
import { SecurityBadge } from '@/components/SecurityBadge';
import { ErrorText } from '@/components/popup/ErrorText';
import { IdentityCard } from '@/components/popup/IdentityCard';
import { InboxList } from '@/components/popup/InboxList';
import { LegacyPanel } from '@/components/popup/LegacyPanel';
import { Onboarding } from '@/components/popup/Onboarding';
import { RelayPanel } from '@/components/popup/RelayPanel';
import { SettingsForm } from '@/components/popup/SettingsForm';
import type { ApiError, ContactInfo, LegacyKeyInfo, ResponseData } from '@/lib/protocol/background-api';
import { browser } from 'wxt/browser';
import { callBackground } from '../shared/background-client';
import { SitePanel } from './SitePanel';
import { useSecurity } from '../shared/use-security';

type State = ResponseData<'getState'>;
type Inbox = ResponseData<'getInbox'>['items'];
/** The relay connection and the inbox change on their own: re-read them this often while the popup is open. */
const POLL_MS = 1500;
type Found = ResponseData<'lookupContact'>;
type ErrorSlot = 'onboard' | 'settings' | 'relay' | 'lookup' | 'contacts' | 'legacy';

/** Input refused by the schema or the keyring gets a message about that field; others, their code's. */
function errorKey(error: ApiError, invalidInputKey: MessageKey = ERROR_MESSAGE_KEY[error.code]): MessageKey {
  return error.code === 'bad-request' || error.code === 'malformed' ? invalidInputKey : ERROR_MESSAGE_KEY[error.code];
}

export function PopupApp() {
  const [state, setState] = useState<State | null>(null);
  const [contacts, setContacts] = useState<ContactInfo[]>([]);
  const [found, setFound] = useState<Found | null>(null);
  const [inbox, setInbox] = useState<Inbox>([]);
  const [legacyKey, setLegacyKey] = useState<LegacyKeyInfo | null>(null);
  const [loadError, setLoadError] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<ErrorSlot, MessageKey>>>({});
  const [saved, setSaved] = useState(false);
  const [security, setSecurity, reloadSecurity] = useSecurity();

  async function refresh() {
    const r = await callBackground({ type: 'getState' });
    if (!r.ok) return setLoadError(ERROR_MESSAGE_KEY[r.error.code]);
    setState({ identity: r.identity, settings: r.settings, relay: r.relay });
    if (r.identity) {
      const list = await callBackground({ type: 'listContacts' });
      if (list.ok) setContacts(list.contacts);
      else setErrors((e) => ({ ...e, contacts: ERROR_MESSAGE_KEY[list.error.code] }));
      const legacy = await callBackground({ type: 'getLegacyPublicKey' });
      if (legacy.ok) setLegacyKey(legacy.key);
      else setErrors((e) => ({ ...e, legacy: ERROR_MESSAGE_KEY[legacy.error.code] }));
    }
  }

  useEffect(() => void refresh(), []);

  // Only the relay part of the state is taken over, so a poll never disturbs the rest of the popup.
  async function pollRelay() {
    const r = await callBackground({ type: 'getState' });
    if (!r.ok) return;
    setState((s) => (s ? { ...s, relay: r.relay } : s));
    if (!r.identity) return;
    const received = await callBackground({ type: 'getInbox' });
    if (received.ok) setInbox(received.items);
    // Chat invitations arrive on their own too (ContactInfo.chatInvite).
    const list = await callBackground({ type: 'listContacts' });
    if (list.ok) setContacts(list.contacts);
  }

  useEffect(() => {
    void pollRelay();
    const timer = setInterval(() => void pollRelay(), POLL_MS);
    return () => clearInterval(timer);
  }, []);

  /** Runs one action with the buttons disabled; a failure is shown in its own place. */
  async function act(slot: ErrorSlot, action: () => Promise<ApiError | null>) {
    setBusy(true);
    setErrors((e) => ({ ...e, [slot]: undefined }));
    const error = await action();
    setBusy(false);
    if (error) setErrors((e) => ({ ...e, [slot]: errorKey(error, slot === 'onboard' ? 'errorHandleInvalid' : slot === 'settings' ? 'errorRelayUrlInvalid' : undefined) }));
  }

  const createIdentity = (handle: string) =>
    act('onboard', async () => {
      const r = await callBackground({ type: 'createIdentity', handle });
      if (!r.ok) return r.error;
      await refresh();
      return null;
    });

  const saveSettings = (relayUrl: string) =>
    act('settings', async () => {
      setSaved(false);
      const r = await callBackground({ type: 'saveSettings', relayUrl });
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

  const lookup = (handle: string) =>
    act('lookup', async () => {
      setFound(null);
      const r = await callBackground({ type: 'lookupContact', handle });
      if (!r.ok) return r.error;
      setFound({ handle: r.handle, bundle: r.bundle, fingerprint: r.fingerprint });
      await refresh(); // the lookup may have shown a pinned contact's key change
      return null;
    });

  const pin = () =>
    act('lookup', async () => {
      if (!found) return null;
      const r = await callBackground({ type: 'pinContact', handle: found.handle, bundle: found.bundle });
      if (!r.ok) return r.error;
      setFound(null);
      await refresh();
      return null;
    });

  const markVerified = (handle: string) =>
    act('contacts', async () => {
      const r = await callBackground({ type: 'markVerified', handle });
      if (!r.ok) return r.error;
      await refresh();
      return null;
    });

  /** The chat page's URL names no one: only the background knows which contact its random id is for. */
  const openChat = (handle: string) =>
    act('contacts', async () => {
      const r = await callBackground({ type: 'openChat', handle });
      if (!r.ok) return r.error;
      await browser.tabs.create({ url: `${browser.runtime.getURL('/chat.html')}#${r.chatId}` });
      return null;
    });

  const createLegacyKey = () =>
    act('legacy', async () => {
      const r = await callBackground({ type: 'createLegacyKey' });
      if (!r.ok) return r.error;
      setLegacyKey(r.key);
      return null;
    });

  if (loadError) return <ErrorText error={loadError} testId="popup-error" />;
  if (!state) return <p aria-busy="true">{t('loading')}</p>;
  if (!state.identity) {
    return (
      <>
        <Onboarding busy={busy} error={errors.onboard ?? null} onCreate={(h) => void createIdentity(h)} />
        <RestoreBackup
          onRestored={() => {
            reloadSecurity(); // the backup brings its security colour and image
            void refresh();
          }}
        />
      </>
    );
  }
  return (
    <>
      <SecurityBadge security={security} />
      <IdentityCard handle={state.identity.handle} fingerprint={state.identity.fingerprint} />
      <SettingsForm
        relayUrl={state.settings.relayUrl}
        busy={busy}
        saved={saved}
        error={errors.settings ?? null}
        onSave={(url) => void saveSettings(url)}
      />
      <SitePanel />
      <RelayPanel registered={state.relay.registered} connection={state.relay.connection} busy={busy} error={errors.relay ?? null} onRegister={() => void register()} />
      <InboxList items={inbox} />
      <section aria-labelledby="contacts-title">
        <h2 id="contacts-title">{t('contactsTitle')}</h2>
        <ContactLookup busy={busy} error={errors.lookup ?? null} found={found} onLookup={(h) => void lookup(h)} onPin={() => void pin()} />
        <ErrorText error={errors.contacts ?? null} testId="contacts-error" />
        <ContactList contacts={contacts} busy={busy} onMarkVerified={(h) => void markVerified(h)} onChanged={() => void refresh()} onOpenChat={(h) => void openChat(h)} />
      </section>
      <LegacyPanel legacyKey={legacyKey} busy={busy} error={errors.legacy ?? null} onCreate={() => void createLegacyKey()} />
      <IdentityCare security={security} onSecurityChange={setSecurity} />
    </>
  );
}
