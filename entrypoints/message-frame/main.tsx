// One message shown inside a host page. The armored text, and the conversation it is read for, come only
// from this frame's own URL fragment (set by the content script: lib/content/message-frame.ts); incoming
// postMessage is never listened to, so a page can at most point a frame at ciphertext it already has (in a
// conversation it names), and the plaintext stays in here, out of the page's reach. The frame
// says nothing to the page: its height comes from the token (lib/content/message-frame.ts), and content
// taller than that scrolls inside.
// Its script is kept small (no full API schemas: answers.ts), as every frame on a page evaluates it anew.
import { render } from 'preact';
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { t } from '@/components/i18n';
import { MessageView } from '@/components/frames/MessageView';
import { parseMessageFragment, RESULT_SHOWN_MARK, type ParsedFragment } from '@/lib/content/message-frame';
import type { ApiResult, DecryptResult, LIMITS, SecurityChoice } from '@/lib/protocol/background-api';
import { sendToBackground, UNAVAILABLE } from '../shared/background-request';
import { checkDecryptAnswer, checkJoinP2PAnswer, checkPinCardAnswer, checkSecurityAnswer } from './answers';
import { hasGlyph } from './glyphs';
import { watchFullyVisible } from './visibility';
import '../shared/frame.css';
import './message.css';

/** LIMITS.context, without loading the module's schemas (the type check keeps the two equal). */
const CONTEXT_LIMIT: (typeof LIMITS)['context'] = 256;
/** A frame shows an error rather than "Decrypting…" for ever (the slowest decrypt, legacy RSA, takes far less). */
const ANSWER_WAIT_MS = 20_000;

document.title = t('messageTitle');
document.documentElement.lang = browser.i18n.getUILanguage();

/** The embedding site as the replay cache's context: the browser reports it, the page cannot change it. */
function hostContext(): string | undefined {
  const ancestor = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins?.[0];
  let origin = ancestor;
  if (!origin && document.referrer) {
    try {
      origin = new URL(document.referrer).origin;
    } catch {
      origin = undefined;
    }
  }
  return origin ? `page:${origin}`.slice(0, CONTEXT_LIMIT) : undefined;
}

/**
 * userAction: only from the click handler of the Decrypt button (legacy messages open on a click only).
 * The message is read for the site the frame is embedded in and the conversation its address names.
 */
async function open(address: ParsedFragment, userAction: boolean): Promise<DecryptResult> {
  if (!address.ok) return { status: 'error', reason: { code: 'malformed', message: address.reason } };
  const token = address.message;
  const context = hostContext();
  const request = {
    type: 'decrypt' as const,
    text: token.text,
    ...(context ? { context } : {}),
    ...(token.conversation !== undefined ? { conversation: token.conversation } : {}),
    ...(userAction ? { userAction: true as const } : {}),
  };
  const answer = await sendToBackground(request, ANSWER_WAIT_MS);
  const r = answer ? checkDecryptAnswer(answer.raw) : UNAVAILABLE;
  const result: DecryptResult = r.ok ? r.result : { status: 'error', reason: r.error };
  // A genuine message with an earlier copy on this page: this copy is the replay, shown without its text.
  // (Every copy uses the same context, so which frame reaches the replay cache first does not matter.)
  // A contact card is public and may be posted again: each copy shows it.
  if (token.occurrence > 0 && result.status !== 'error' && result.status !== 'card' && result.status !== 'p2p') return { status: 'error', reason: { code: 'replayed', message: 'An earlier copy of this message is on the page.' } };
  return result;
}

/** Pins the contact card of this frame's own token (only from the Pin button's click handler). */
async function pinCard(address: ParsedFragment): Promise<ApiResult<'pinCard'>> {
  if (!address.ok) return { ok: false, error: { code: 'malformed', message: address.reason } };
  const answer = await sendToBackground({ type: 'pinCard', text: address.message.text }, ANSWER_WAIT_MS);
  return answer ? checkPinCardAnswer(answer.raw) : UNAVAILABLE;
}

/** Joins the peer-to-peer chat of this frame's own invitation (only from the Join button's click handler). */
async function joinP2P(address: ParsedFragment): Promise<ApiResult<'joinP2PChat'>> {
  if (!address.ok) return { ok: false, error: { code: 'malformed', message: address.reason } };
  const answer = await sendToBackground({ type: 'joinP2PChat', text: address.message.text }, ANSWER_WAIT_MS);
  return answer ? checkJoinP2PAnswer(answer.raw) : UNAVAILABLE;
}

/** The user's security colour and image, or null when the background cannot say. */
async function readSecurity(): Promise<SecurityChoice | null> {
  const answer = await sendToBackground({ type: 'getSecurity' }, ANSWER_WAIT_MS);
  const r = answer && checkSecurityAnswer(answer.raw);
  return r?.ok ? r.security : null;
}

// Read once: the user's choice does not change while a page is open. A read that failed (the background
// was restarting) is tried again with the next message this frame shows: a recycled frame may show many,
// and each must carry the mark that tells our frames from a page's look-alikes.
let securityRead = readSecurity();

/** Opens its token at once; a legacy message waits for the Decrypt button (the only userAction caller). */
/** Whether the frame is fully on show (visibility.ts); a recycled frame keeps its own state. */
let fullyVisible = false;
const visibilityListeners = new Set<(visible: boolean) => void>();
watchFullyVisible((visible) => {
  fullyVisible = visible;
  for (const listener of visibilityListeners) listener(visible);
});

function MessageApp({ address, opening }: { address: ParsedFragment; opening: Promise<DecryptResult> }) {
  const [revealed, setRevealed] = useState(fullyVisible);
  useEffect(() => {
    visibilityListeners.add(setRevealed);
    return () => void visibilityListeners.delete(setRevealed);
  }, []);
  const [security, setSecurity] = useState<SecurityChoice | null>(null);
  const [result, setResult] = useState<DecryptResult | null>(null);
  useEffect(() => void opening.then(setResult), [opening]);
  // Before the paint that shows the result: `npm run bench -- content` finds that paint by this mark.
  useLayoutEffect(() => {
    if (result) performance.mark(RESULT_SHOWN_MARK);
  }, [result]);
  useEffect(() => void securityRead.then((choice) => choice && setSecurity(choice)), []);
  const decryptOnClick = () => {
    setResult(null);
    void open(address, true).then(setResult);
  };
  return <MessageView result={result} security={security} revealed={revealed} onDecrypt={decryptOnClick} onPin={() => pinCard(address)} onJoin={() => joinP2P(address)} hasGlyph={hasGlyph} />;
}

const app = document.getElementById('app')!;

/**
 * Shows the token in a URL fragment. The content script recycles an off-screen frame by changing only
 * the fragment: everything of the previous message goes (a new key makes Preact build the view anew), and
 * the new token is read for the conversation the new fragment names.
 * The decrypt request leaves before the render, so the background works while "Decrypting…" paints.
 */
function showFragment(hash: string): void {
  const address = parseMessageFragment(hash);
  securityRead = securityRead.then((choice) => choice ?? readSecurity());
  render(<MessageApp key={hash} address={address} opening={open(address, false)} />, app);
}

// The Navigation API (Chromium 102, Firefox 147): not yet in TypeScript's DOM types. The content script
// re-points frames only where it exists (message-frames.ts); elsewhere each token gets a frame of its own.
declare const navigation: EventTarget | undefined;
interface NavigateEvent extends Event {
  hashChange: boolean;
  navigationType: 'push' | 'replace' | 'reload' | 'traverse';
  destination: { url: string };
}

// The new token is shown as the re-pointing starts, before the address names it. (hashchange comes a task
// after the address changed: the frame could paint the previous message beside the new token meanwhile.)
// Listened to before anything is shown.
(typeof navigation === 'undefined' ? undefined : navigation)?.addEventListener('navigate', (e) => {
  const { hashChange, navigationType, destination } = e as NavigateEvent;
  if (!hashChange) return;
  // Re-pointed by the content script, the frame would add an entry to the tab's history each time: Back would
  // then re-point frames at earlier tokens instead of leaving the page. The new address replaces the old one
  // instead (its own navigate event, at once, shows it).
  if (navigationType === 'push' && e.cancelable) {
    e.preventDefault();
    location.replace(destination.url);
    return;
  }
  const hash = new URL(destination.url).hash;
  // A re-pointing at the message already on show (the same address) opens nothing again.
  if (hash !== location.hash) showFragment(hash);
});
showFragment(location.hash);
