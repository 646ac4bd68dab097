// One message shown inside a host page. The armored text comes only from this frame's own URL fragment
// (set by the content script); incoming postMessage is never listened to, so a page can at most point a
// frame at ciphertext it already has, and the plaintext stays in here, out of the page's reach. The only
// thing the frame says to the page is which of a few fixed heights it needs (lib/content/message-frame.ts).
import { render } from 'preact';
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { t } from '@/components/i18n';
import { MessageView } from '@/components/frames/MessageView';
import { MESSAGE_HEIGHT, parseMessageFragment, stepFor, type MessageHeight } from '@/lib/content/message-frame';
import { LIMITS, type DecryptResult } from '@/lib/protocol/background-api';
import { callBackground } from '../shared/background-client';
import '../shared/frame.css';

document.title = t('messageTitle');
document.documentElement.lang = browser.i18n.getUILanguage();

/**
 * The replay cache's context: the embedding site, which the browser reports (the page cannot change it),
 * plus the copy number, so the same token on another site or in another message of the page reads as replayed.
 */
function replayContext(occurrence: number): string | undefined {
  const ancestor = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins?.[0];
  let origin = ancestor;
  if (!origin && document.referrer) {
    try {
      origin = new URL(document.referrer).origin;
    } catch {
      origin = undefined;
    }
  }
  if (!origin) return undefined;
  // The first copy keeps the plain site context, so entries recorded before copies were counted still match.
  return `page:${origin}${occurrence > 0 ? `#${occurrence}` : ''}`.slice(0, LIMITS.context);
}

const token = parseMessageFragment(location.hash);

/** userAction: only from the click handler of the Decrypt button (legacy messages open on a click only). */
async function open(userAction: boolean): Promise<DecryptResult> {
  if (!token) return { status: 'error', reason: { code: 'malformed', message: 'No encrypted text.' } };
  const context = replayContext(token.occurrence);
  const r = await callBackground({ type: 'decrypt', text: token.text, ...(context ? { context } : {}), ...(userAction ? { userAction: true as const } : {}) });
  return r.ok ? r.result : { status: 'error', reason: r.error };
}

const app = document.getElementById('app')!;

function show(result: DecryptResult | null): void {
  render(<MessageView result={result} onDecrypt={decryptOnClick} />, app);
}

function decryptOnClick(): void {
  show(null);
  void open(true).then(show);
}

// Tell the content script the height step the content needs, whenever it changes.
let step = -1;
new ResizeObserver(() => {
  const next = stepFor(Math.ceil(app.getBoundingClientRect().height));
  if (next === step) return;
  step = next;
  // The step is no secret from the page (it sees the frame's size), so any target origin will do.
  window.parent.postMessage({ c2c: MESSAGE_HEIGHT, step } satisfies MessageHeight, '*');
}).observe(app);

show(null);
void open(false).then(show);
