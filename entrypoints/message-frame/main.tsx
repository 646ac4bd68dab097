// One message shown inside a host page. The armored text comes only from this frame's own URL fragment
// (set by the content script); postMessage is never listened to, so a page can at most point a frame at
// ciphertext it already has, and the plaintext stays in here, out of the page's reach.
import { render } from 'preact';
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { t } from '@/components/i18n';
import { MessageView } from '@/components/frames/MessageView';
import { LIMITS, type DecryptResult } from '@/lib/protocol/background-api';
import { callBackground } from '../shared/background-client';
import '../shared/frame.css';

document.title = t('messageTitle');
document.documentElement.lang = browser.i18n.getUILanguage();

/** The embedding site, as the replay cache's context: the same token on another site reads as replayed. */
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
  return origin ? `page:${origin}`.slice(0, LIMITS.context) : undefined;
}

function tokenText(): string {
  try {
    return decodeURIComponent(location.hash.slice(1));
  } catch {
    return '';
  }
}

async function open(): Promise<DecryptResult> {
  const text = tokenText();
  if (text === '') return { status: 'error', reason: { code: 'malformed', message: 'No encrypted text.' } };
  const context = hostContext();
  const r = await callBackground({ type: 'decrypt', text, ...(context ? { context } : {}) });
  return r.ok ? r.result : { status: 'error', reason: r.error };
}

const app = document.getElementById('app')!;
render(<MessageView result={null} />, app);
void open().then((result) => render(<MessageView result={result} />, app));
