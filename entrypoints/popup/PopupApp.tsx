// The popup's state holder: it talks to the background and hands data and callbacks to the components.
// Its first screen is about people: this site, contacts, received messages. Identity, relay, security mark,
// backup and the legacy suite live on the options page (entrypoints/options/).
import { useEffect, useState } from 'preact/hooks';
import { ERROR_MESSAGE_KEY, t, type MessageKey } from '@/components/i18n';
import { Icon } from '@/components/Icon';
import { ContactList } from '@/components/popup/ContactList';
import { ContactLookup } from '@/components/popup/ContactLookup';
import { SecurityBadge } from '@/components/SecurityBadge';
import { ErrorText } from '@/components/popup/ErrorText';
import { errorKey } from '@/components/popup/error-key';
import { InboxList } from '@/components/popup/InboxList';
import { LogAlarms } from '@/components/popup/LogAlarms';
import { Onboarding } from '@/components/popup/Onboarding';
import type { ApiError, ContactInfo, LogAlarmInfo, ResponseData } from '@/lib/protocol/background-api';
import { browser } from 'wxt/browser';
import { callBackground } from '../shared/background-client';
import { useSecurity } from '../shared/use-security';
import { openOptions, type OptionsPlace } from '../options/open-options';
import { announceChange, useChangesElsewhere } from '../options/settings-sync';
import { SitePanel } from './SitePanel';
import { FileTools } from '@/components/files/FileTools';
import { useFileTools } from '../shared/use-file-tools';

type Identity = ResponseData<'getState'>['identity'];
type Inbox = ResponseData<'getInbox'>['items'];
/** The inbox and chat invitations change on their own: re-read them this often while the popup is open. */
const POLL_MS = 1500;
type Found = ResponseData<'lookupContact'>;
type ErrorSlot = 'onboard' | 'lookup' | 'contacts';

/** Opens the options page and closes the popup (a real popup would stay open over the new tab). */
function goToOptions(place: OptionsPlace) {
  void openOptions(place).then(() => window.close());
}

export function PopupApp() {
  const [identity, setIdentity] = useState<Identity | undefined>(undefined);
  const [contacts, setContacts] = useState<ContactInfo[]>([]);
  const [found, setFound] = useState<Found | null>(null);
  const [inbox, setInbox] = useState<Inbox>([]);
  const [logAlarms, setLogAlarms] = useState<LogAlarmInfo[]>([]);
  const [backupDue, setBackupDue] = useState(false);
  const [loadError, setLoadError] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<ErrorSlot, MessageKey>>>({});
  const [security, , reloadSecurity] = useSecurity();
  const files = useFileTools();

  async function refresh() {
    const r = await callBackground({ type: 'getState' });
    if (!r.ok) return setLoadError(ERROR_MESSAGE_KEY[r.error.code]);
    setIdentity(r.identity);
    if (!r.identity) return;
    const list = await callBackground({ type: 'listContacts' });
    if (list.ok) setContacts(list.contacts);
    else setErrors((e) => ({ ...e, contacts: ERROR_MESSAGE_KEY[list.error.code] }));
    const reminder = await callBackground({ type: 'getBackupReminder' });
    if (reminder.ok) setBackupDue(reminder.due);
  }

  useEffect(() => void refresh(), []);
  // An identity made, a backup exported or a mark chosen on the options page shows here at once.
  useChangesElsewhere(() => {
    reloadSecurity();
    void refresh();
  });

  // Received messages and chat invitations arrive on their own (ContactInfo.chatInvite).
  async function poll() {
    const received = await callBackground({ type: 'getInbox' });
    if (received.ok) setInbox(received.items);
    const list = await callBackground({ type: 'listContacts' });
    if (list.ok) setContacts(list.contacts);
    // A key-log alarm may come from a lookup here or from the background's own check at any time.
    const alarms = await callBackground({ type: 'getLogAlarms' });
    if (alarms.ok) setLogAlarms(alarms.alarms);
  }

  // Dismissed once the user saw the evidence; the list is read again, so what is shown is what is kept.
  async function dismissLogAlarm(alarm: LogAlarmInfo) {
    await callBackground({ type: 'dismissLogAlarm', relay: alarm.relay, at: alarm.at, reason: alarm.reason });
    const alarms = await callBackground({ type: 'getLogAlarms' });
    if (alarms.ok) setLogAlarms(alarms.alarms);
  }

  useEffect(() => {
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => clearInterval(timer);
  }, []);

  /** Runs one action with the buttons disabled; a failure is shown in its own place. */
  async function act(slot: ErrorSlot, action: () => Promise<ApiError | null>) {
    setBusy(true);
    setErrors((e) => ({ ...e, [slot]: undefined }));
    const error = await action();
    setBusy(false);
    if (error) setErrors((e) => ({ ...e, [slot]: errorKey(error, slot === 'onboard' ? 'errorHandleInvalid' : undefined) }));
  }

  const createIdentity = (handle: string) =>
    act('onboard', async () => {
      const r = await callBackground({ type: 'createIdentity', handle });
      if (!r.ok) return r.error;
      announceChange();
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

  if (loadError) return <ErrorText error={loadError} testId="popup-error" />;
  if (identity === undefined) return <p aria-busy="true">{t('loading')}</p>;
  if (!identity) {
    // The step-by-step flow is on the options page; the short form here is the quick way to the same identity.
    return (
      <>
        <section aria-labelledby="welcome-title">
          <h1 id="welcome-title">{t('popupWelcomeTitle')}</h1>
          <p>{t('popupWelcomeIntro')}</p>
          <button type="button" class="primary" data-testid="open-first-run" onClick={() => goToOptions('setup')}>
            {t('popupWelcomeStart')}
          </button>
        </section>
        <Onboarding busy={busy} error={errors.onboard ?? null} onCreate={(h) => void createIdentity(h)} />
      </>
    );
  }
  return (
    <>
      <header class="popup-head">
        <SecurityBadge security={security} />
        <span class="popup-handle" data-testid="popup-handle">
          {identity.handle}
        </span>
        <button type="button" class="link-button" data-testid="open-options" onClick={() => goToOptions('')}>
          <Icon name="gear" /> {t('popupOpenOptions')}
        </button>
      </header>
      {backupDue && (
        <p class="reminder" role="status" data-testid="backup-reminder">
          <Icon name="warning" /> {t('popupBackupReminder')}{' '}
          <button type="button" class="link-button" data-testid="backup-reminder-open" onClick={() => goToOptions('backup')}>
            {t('popupBackupReminderOpen')}
          </button>
        </p>
      )}
      <LogAlarms alarms={logAlarms} onDismiss={(a) => void dismissLogAlarm(a)} />
      <SitePanel />
      <section aria-labelledby="contacts-title">
        <h2 id="contacts-title">{t('contactsTitle')}</h2>
        <ErrorText error={errors.contacts ?? null} testId="contacts-error" />
        <ContactList contacts={contacts} busy={busy} onMarkVerified={(h) => void markVerified(h)} onChanged={() => void refresh()} onOpenChat={(h) => void openChat(h)} />
        <ContactLookup busy={busy} error={errors.lookup ?? null} found={found} onLookup={(h) => void lookup(h)} onPin={() => void pin()} />
      </section>
      <FileTools contacts={contacts} {...files} />
      <InboxList items={inbox} />
    </>
  );
}
