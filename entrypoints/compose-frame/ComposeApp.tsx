// State holder of the compose overlay: contacts and encryption through the background, the result
// of writing into the host page through the content script's port.
import { useEffect, useState } from 'preact/hooks';
import { ERROR_MESSAGE_KEY, type MessageKey } from '@/components/i18n';
import { ComposeForm, type Recipient } from '@/components/frames/ComposeForm';
import { isHostToCompose, type ComposeToHost } from '@/lib/content/frames';
import { partLengthSchema, type ApiErrorCode } from '@/lib/protocol/background-api';
import { callBackground } from '../shared/background-client';
import { useSecurity } from '../shared/use-security';
import { useVisibilityGuard } from './visibility-guard';

/**
 * What the content script told us: its port, the host site's origin, the length its compose box declares
 * and, when the site's adapter knows it, the conversation (recipients are remembered per site and conversation).
 */
export interface HostLink {
  port: MessagePort;
  site: string;
  maxLength: number | undefined;
  conversation: string | undefined;
}

/** The field's text as a part length: undefined for empty (the default), null when it is not a valid one. */
function parsePartLength(text: string): number | undefined | null {
  if (text.trim() === '') return undefined;
  const parsed = partLengthSchema.safeParse(Number(text));
  return parsed.success ? parsed.data : null;
}

/** How long the contact list waits for the host link to learn last time's recipients. */
const REMEMBERED_WAIT_MS = 3_000;

export function ComposeApp({ host }: { host: Promise<HostLink> }) {
  const [recipients, setRecipients] = useState<Recipient[] | null>(null);
  const [error, setError] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [copyText, setCopyText] = useState<string | null>(null);
  const [partLength, setPartLength] = useState('');
  const [remembered, setRemembered] = useState<number | null>(null);
  // Last time's recipients, and the conversation (as the page names it) they were remembered for.
  const [preselected, setPreselected] = useState<{ handles: string[]; conversation: string | null }>({ handles: [], conversation: null });
  // The user's own colour and image: a look-alike overlay drawn by the page cannot show them.
  const [security] = useSecurity();
  const visibility = useVisibilityGuard();

  useEffect(() => {
    host.catch(() => setError('composeNotConnected'));
    // The contacts are shown together with last time's choice in this conversation, so nothing the user
    // ticks is changed under their hand (a host that never connects only costs the preselection).
    const none = { handles: [], conversation: null };
    const lastChoice = Promise.race([
      host.then(async ({ site, conversation }) => {
        if (!conversation) return none;
        const r = await callBackground({ type: 'getConversationRecipients', site, conversation });
        return r.ok && r.handles.length > 0 ? { handles: r.handles, conversation } : none;
      }),
      new Promise<typeof none>((resolve) => setTimeout(() => resolve(none), REMEMBERED_WAIT_MS)),
    ]).catch(() => none);
    void Promise.all([callBackground({ type: 'listContacts' }), lastChoice]).then(([r, choice]) => {
      if (!r.ok) return setError(ERROR_MESSAGE_KEY[r.error.code]);
      setPreselected(choice);
      // Legacy-only contacts have no modern key (no fingerprint): they are never chosen here.
      setRecipients(r.contacts.filter((c) => c.fingerprint !== '').map((c) => ({ handle: c.handle, keyChanged: c.keyChanged, postQuantum: c.postQuantum })));
    });
    void host.then(async ({ site, maxLength }) => {
      const r = await callBackground({ type: 'getSitePartLength', site });
      const saved = r.ok ? r.maxPartLength : null;
      setRemembered(saved);
      // The box's own limit is a hard cap (the browser cuts longer text short); else the user's last choice.
      const known = [saved, maxLength].filter((n): n is number => typeof n === 'number');
      if (known.length > 0) setPartLength(String(Math.min(...known)));
    });
  }, []);

  async function post(message: ComposeToHost) {
    (await host).port.postMessage(message);
  }

  async function send(handles: string[], plaintext: string): Promise<boolean> {
    if (handles.length === 0) {
      setError('composeChooseRecipient');
      return false;
    }
    // Something of the page's covers, or the page transforms or fades, our input or Send: what the user
    // typed may have gone into a look-alike of the page's. Nothing is encrypted or sent.
    if (visibility.covered()) {
      setError('composeCovered');
      return false;
    }
    const maxPartLength = parsePartLength(partLength);
    if (maxPartLength === null) {
      setError('composePartLengthInvalid');
      return false;
    }
    setBusy(true);
    setError(null);
    setCopyText(null);
    try {
      const { port, site, conversation } = await host;
      // Bound to this site and conversation: a copy re-posted elsewhere reads as wrong-channel.
      const channel = { site, ...(conversation ? { conversation } : {}) };
      const r = await callBackground({ type: 'encrypt', recipients: handles, plaintext, channel, ...(maxPartLength ? { maxPartLength } : {}) });
      if (!r.ok) {
        setError(ERROR_MESSAGE_KEY[r.error.code]);
        return false;
      }
      if (conversation) await callBackground({ type: 'saveConversationRecipients', site, conversation, handles });
      if ((maxPartLength ?? null) !== remembered) {
        const saved = await callBackground({ type: 'saveSitePartLength', site, maxPartLength: maxPartLength ?? null });
        if (saved.ok) setRemembered(saved.maxPartLength);
      }
      return await deliver(port, r.parts);
    } finally {
      setBusy(false);
    }
  }

  /** Writes the parts into the host box and sends them (the content script does it once); true when sent. */
  async function deliver(port: MessagePort, parts: string[]): Promise<boolean> {
    const answer = new Promise<unknown>((resolve) => (port.onmessage = (e: MessageEvent) => resolve(e.data)));
    await post({ type: 'send', parts });
    const result = await answer;
    // Anything but a clear 'sent' means the text may not have gone out: offer it for copying.
    if (!isHostToCompose(result) || result.outcome !== 'sent') {
      setCopyText(parts.join('\n'));
      return false;
    }
    return true;
  }

  /**
   * Sends the user's contact card through the host, as a message is sent. It is public (no recipients, no
   * typed text), so a page that covers the overlay gains nothing by leading a click here.
   */
  async function shareCard(): Promise<void> {
    await sendPublicParts((maxPartLength) => callBackground({ type: 'getContactCard', ...(maxPartLength ? { maxPartLength } : {}) }));
  }

  /**
   * Invites the one chosen contact to a peer-to-peer chat: the background opens a chat page (in a background
   * tab) that makes the WebRTC offer, and the invitation carrying it goes out through the host like a message.
   */
  async function p2pChat(handles: string[]): Promise<void> {
    const [handle] = handles;
    if (handles.length !== 1 || handle === undefined) return setError('composeChooseRecipient');
    await sendPublicParts((maxPartLength) => callBackground({ type: 'startP2PChat', handle, ...(maxPartLength ? { maxPartLength } : {}) }));
  }

  /** Parts the background made without the user's typed text (a card, an invitation), sent through the host. */
  async function sendPublicParts(make: (maxPartLength: number | undefined) => Promise<{ ok: true; parts: string[] } | { ok: false; error: { code: ApiErrorCode } }>): Promise<void> {
    const maxPartLength = parsePartLength(partLength);
    if (maxPartLength === null) return setError('composePartLengthInvalid');
    setBusy(true);
    setError(null);
    setCopyText(null);
    try {
      const { port } = await host;
      const r = await make(maxPartLength);
      if (!r.ok) return setError(ERROR_MESSAGE_KEY[r.error.code]);
      await deliver(port, r.parts);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <ComposeForm
        recipients={recipients}
        preselected={preselected.handles}
        rememberedFor={preselected.conversation}
        error={error}
        busy={busy}
        copyText={copyText}
        partLength={partLength}
        onPartLength={setPartLength}
        security={security}
        watchVisibility={visibility.watch}
        onSend={send}
        onShareCard={shareCard}
        onP2PChat={p2pChat}
        onClose={() => void post({ type: 'close' })}
      />
    </>
  );
}
