// The compose overlay, an extension page inside the host page (so the page cannot read it). It takes the
// content script's MessagePort once, encrypts through the background itself, and hands back only the
// armored parts for the content script to write into the host's compose box.
import { render } from 'preact';
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { t } from '@/components/i18n';
import { isComposeInit } from '@/lib/content/frames';
import { ComposeApp, type HostLink } from './ComposeApp';
import '../shared/frame.css';

document.title = t('composeTitle');
document.documentElement.lang = browser.i18n.getUILanguage();

/**
 * The port comes from the parent window with the nonce from our own URL fragment; only the first such
 * message counts. A page that raced us with its own port could only receive ciphertext (and name another
 * site, whose remembered message length the user then sees in the field before sending).
 */
function waitForHost(): Promise<HostLink> {
  const nonce = location.hash.slice(1);
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (event.source !== window.parent || !isComposeInit(data, nonce)) return;
      const port = event.ports[0];
      if (!port) return;
      window.removeEventListener('message', onMessage);
      resolve({ port, site: data.site, maxLength: data.maxLength });
    };
    window.addEventListener('message', onMessage);
  });
}

render(<ComposeApp host={waitForHost()} />, document.getElementById('app')!);
