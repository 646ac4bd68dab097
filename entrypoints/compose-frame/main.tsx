// The compose overlay, an extension page inside the host page (so the page cannot read it). It takes the
// content script's MessagePort once, encrypts through the background itself, and hands back only the
// armored parts for the content script to write into the host's compose box.
import { render } from 'preact';
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { t } from '@/components/i18n';
import { isComposeInit, type ComposeToHost } from '@/lib/content/frames';
import { callBackground } from '../shared/background-client';
import { ComposeApp, type HostLink } from './ComposeApp';
import '../shared/frame.css';

document.title = t('composeTitle');
document.documentElement.lang = browser.i18n.getUILanguage();

/**
 * The port comes from the parent window in an init carrying the secret of the ticket our content script
 * left with the background under the id in our URL. The page can read that id (it is in our src) and post
 * to us, but cannot learn the secret, so its inits are ignored. Rejects when the ticket is gone (used,
 * expired, or the background restarted): the user clicks the lock again.
 */
function waitForHost(): Promise<HostLink> {
  const ticket = callBackground({ type: 'claimComposeTicket', id: location.hash.slice(1) });
  return new Promise((resolve, reject) => {
    void ticket.then((t) => {
      if (!t.ok) reject(new Error(t.error.code));
    });
    const onMessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      const port = event.ports[0];
      // Not checked: event.source. The init may come from a content script in a same-origin child frame of
      // our parent (the box's frame); the secret is what tells ours from the page's.
      if (!isComposeInit(data) || !port) return;
      void ticket.then((t) => {
        if (!t.ok || data.secret !== t.ticket.secret) return;
        window.removeEventListener('message', onMessage);
        // Tells the content script this overlay works: one that never says so is replaced on the next click.
        const ready: ComposeToHost = { type: 'ready' };
        port.postMessage(ready);
        const { site, maxLength, conversation } = t.ticket;
        resolve({ port, site, maxLength: maxLength ?? undefined, conversation: conversation ?? undefined });
      });
    };
    window.addEventListener('message', onMessage);
  });
}

render(<ComposeApp host={waitForHost()} />, document.getElementById('app')!);
