// The side panel's state: the bound tab's messages (asked for every POLL_MS, answered only when they
// changed), the contacts, the user's security mark and handle. Answers for another tab are ignored.
import { useEffect, useState } from 'preact/hooks';
import { ERROR_MESSAGE_KEY, t } from '@/components/i18n';
import { SecurityBadge } from '@/components/SecurityBadge';
import { PanelCompose } from '@/components/panel/PanelCompose';
import { PanelMessages } from '@/components/panel/PanelMessages';
import type { ContactInfo, PanelMessage, SecurityChoice } from '@/lib/protocol/background-api';
import { FileTools } from '@/components/files/FileTools';
import { callBackground } from '../shared/background-client';
import { useFileTools } from '../shared/use-file-tools';

/** A new token shows within this plus the opening time (the target: 300 ms after it reached the page). */
const POLL_MS = 100;
/** Contacts and the mark are read again this often (a pin or a change made in the popup shows). */
const SLOW_POLL_MS = 2000;

interface Shown {
  revision: number;
  site: string | null;
  total: number;
  messages: PanelMessage[];
}

export function PanelApp({ tabId }: { tabId: number | null }) {
  const [shown, setShown] = useState<Shown>({ revision: -1, site: null, total: 0, messages: [] });
  const [contacts, setContacts] = useState<ContactInfo[] | null>(null);
  const [security, setSecurity] = useState<SecurityChoice | null>(null);
  const [handle, setHandle] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const files = useFileTools();

  useEffect(() => {
    if (tabId === null) return;
    let revision = -1;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const r = await callBackground({ type: 'getPanelMessages', tabId, ...(revision >= 0 ? { revision } : {}) });
      if (stopped) return;
      if (!r.ok) setProblem(t(ERROR_MESSAGE_KEY[r.error.code]));
      // Only this tab's messages are ever shown.
      else if (r.tabId === tabId) {
        setProblem(null);
        revision = r.revision;
        const messages = r.messages;
        setShown((old) => ({ revision: r.revision, site: r.site, total: r.total, messages: messages ?? old.messages }));
      }
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [tabId]);

  useEffect(() => {
    const read = async () => {
      const [c, s, state] = await Promise.all([callBackground({ type: 'listContacts' }), callBackground({ type: 'getSecurity' }), callBackground({ type: 'getState' })]);
      if (c.ok) setContacts(c.contacts);
      if (s.ok) setSecurity(s.security);
      if (state.ok) setHandle(state.identity?.handle ?? null);
    };
    void read();
    const timer = setInterval(() => void read(), SLOW_POLL_MS);
    return () => clearInterval(timer);
  }, []);

  if (tabId === null) return <p class="warn">{t('panelNoTab')}</p>;
  const send = async (recipients: string[], plaintext: string) => {
    const r = await callBackground({ type: 'panelSend', tabId, recipients, plaintext });
    return r.ok ? r.outcome : { error: r.error.message };
  };
  return (
    <div class="panel">
      <header>
        <SecurityBadge security={security} />
        <p class="site" data-testid="panel-site">
          {handle !== null && <span data-testid="panel-handle">{handle}</span>} {shown.site ?? t('panelNoSite')}
        </p>
        {problem !== null && <p class="warn" role="alert">{problem}</p>}
      </header>
      <PanelMessages messages={shown.messages} total={shown.total} />
      <PanelCompose contacts={contacts} onSend={send} />
      <FileTools contacts={contacts} {...files} />
    </div>
  );
}
