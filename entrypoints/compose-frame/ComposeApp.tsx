// State holder of the compose overlay: contacts and encryption through the background, the result
// of writing into the host page through the content script's port.
import { useEffect, useState } from 'preact/hooks';
import { ERROR_MESSAGE_KEY, type MessageKey } from '@/components/i18n';
import { ComposeForm, type Recipient } from '@/components/frames/ComposeForm';
import { SecurityBadge } from '@/components/SecurityBadge';
import { isHostToCompose, type ComposeToHost } from '@/lib/content/frames';
import { callBackground } from '../shared/background-client';
import { useSecurity } from '../shared/use-security';

export function ComposeApp({ port }: { port: Promise<MessagePort> }) {
  const [recipients, setRecipients] = useState<Recipient[] | null>(null);
  const [error, setError] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [copyText, setCopyText] = useState<string | null>(null);
  // The user's own colour and image: a look-alike overlay drawn by the page cannot show them.
  const [security] = useSecurity();

  useEffect(() => {
    void callBackground({ type: 'listContacts' }).then((r) => {
      if (!r.ok) return setError(ERROR_MESSAGE_KEY[r.error.code]);
      // Legacy-only contacts have no modern key (no fingerprint): they are never chosen here.
      setRecipients(r.contacts.filter((c) => c.fingerprint !== '').map((c) => ({ handle: c.handle, keyChanged: c.keyChanged })));
    });
  }, []);

  async function post(message: ComposeToHost) {
    (await port).postMessage(message);
  }

  async function send(handles: string[], plaintext: string): Promise<boolean> {
    if (handles.length === 0) {
      setError('composeChooseRecipient');
      return false;
    }
    setBusy(true);
    setError(null);
    setCopyText(null);
    try {
      const r = await callBackground({ type: 'encrypt', recipients: handles, plaintext });
      if (!r.ok) {
        setError(ERROR_MESSAGE_KEY[r.error.code]);
        return false;
      }
      const answer = new Promise<unknown>((resolve) => void port.then((p) => (p.onmessage = (e: MessageEvent) => resolve(e.data))));
      await post({ type: 'send', parts: r.parts });
      const result = await answer;
      // Anything but a clear 'sent' means the text may not have gone out: offer it for copying.
      if (!isHostToCompose(result) || result.outcome !== 'sent') {
        setCopyText(r.parts.join('\n'));
        return false;
      }
      return true;
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <SecurityBadge security={security} />
      <ComposeForm
        recipients={recipients}
        error={error}
        busy={busy}
        copyText={copyText}
        onSend={send}
        onClose={() => void post({ type: 'close' })}
      />
    </>
  );
}
