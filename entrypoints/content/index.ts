// The content script (the generic adapter, plus per-site ones in sites/). It runs beside hostile page code,
// so it holds nothing secret: it finds compose boxes and ciphertext tokens, places the inert lock button
// and extension-origin frames, and writes only armored ciphertext into the host editor. It cannot call the background (router.ts refuses it), except to
// leave a compose frame's one-time ticket and to report token text for the side panel (background/content-requests.ts).
// In panel mode (the site's choice in the popup) it places no frame: tokens go to the side panel only.
// Registered in the manifest for the test build's loopback hosts; in the store build the popup registers
// it at runtime for each site the user enables (entrypoints/popup/site-access.ts).
import { browser } from 'wxt/browser';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { ComposeBoxes } from './compose-boxes';
import { ComposeOverlay } from './compose-overlay';
import { openRequested } from './compose-request';
import { isOpenComposeRequest } from './open-compose-message';
import { adapterFor } from './sites';
import { offerTicket } from './ticket';
import { Folds } from './fold';
import { FileLinks } from './file-links';
import { MessageFrames } from './message-frames';
import { TokenScanner } from './token-scanner';
import { rememberPartLength } from './host-limits';
import { topSameOriginWindow } from './top-document';
import { MIN_PART_LENGTH } from '@/lib/armor/format';
import { frameAddresses, MESSAGE_FRAME_PATH } from '@/lib/content/frames';
import { PanelCompose } from './panel-compose';
import { isPanelBox, isPanelWatch, isPanelWrite } from '@/lib/protocol/api/panel-messages';
import { PanelReporter, sendReport } from './panel-reporter';
import type { FoundToken } from './token-scanner';

const FORGET_DELAY_MS = 200;
/** Characters kept free below a learned host limit, for a longer nick or host in another sender's prefix. */
const SPLIT_MARGIN = 64;

export default defineContentScript({
  registration: 'runtime',
  main() {
    const root = document.documentElement as HTMLElement | null;
    // Injected twice (the manifest and a runtime registration, or enabling the site again): the first copy
    // does the work. The flag lives in our isolated world, where the page can neither see nor set it.
    const world = globalThis as { __c2cContentActive?: true };
    if (!root || world.__c2cContentActive) return;
    world.__c2cContentActive = true;

    const addresses = frameAddresses(browser.runtime.getURL(MESSAGE_FRAME_PATH), browser.runtime.id);
    const site = adapterFor(new URL(location.href));
    // Messages are read for the conversation the adapter names where they are shown, as they are sealed for
    // the one it names where they are written (a copy re-posted in another conversation is wrong-channel).
    const conversationOf = (place: Element) => site.conversation(place);
    const overlay = new ComposeOverlay(addresses, offerTicket, site);
    const boxes = new ComposeBoxes(browser.i18n.getMessage('lockTitle'), site.findBoxes, (box) => overlay.toggle(box));
    // The keyboard command and the popup's compose-here button, relayed by the background (and only from it:
    // our own extension, not from a tab).
    // The side panel (panel-*.ts): its reports, and writing what it sealed.
    const reporter = new PanelReporter(sendReport, conversationOf);
    const panelCompose = new PanelCompose(() => boxes.visibleBoxes(), site);
    /** What to answer a message from our own extension with, if anything. */
    const answerTo = (message: unknown): Promise<unknown> | undefined => {
      if (isPanelWatch(message)) reporter.activate();
      else if (isPanelBox(message)) return panelCompose.choose();
      else if (isPanelWrite(message)) return panelCompose.write(message.parts);
      if (!isOpenComposeRequest(message)) return undefined;
      const outcome = openRequested(() => boxes.visibleBoxes(), (box) => overlay.show(box));
      return outcome === undefined ? undefined : Promise.resolve({ outcome });
    };
    // The browser's own API here, not the polyfill (wxt.config.ts): an answer that comes later goes through
    // sendResponse, with `true` to keep the channel open, which Chrome and Firefox both take.
    browser.runtime.onMessage.addListener((message: unknown, sender, sendResponse: (answer: unknown) => void) => {
      if (sender.id !== browser.runtime.id || sender.tab !== undefined) return undefined;
      const answer = answerTo(message);
      if (!answer) return undefined;
      void answer.then(sendResponse, () => sendResponse(undefined));
      return true;
    });
    const frames = new MessageFrames(
      addresses,
      new Folds({ show: browser.i18n.getMessage('foldShow'), hide: browser.i18n.getMessage('foldHide') }),
      conversationOf,
    );
    // The site's mode decides whether tokens get frames (inline) or are only reported (panel: nothing is
    // placed in the page). Tokens found before the background answered wait for the answer.
    let mode: 'inline' | 'panel' | 'asking' = 'asking';
    let waiting: FoundToken[] = [];
    void reporter.hello().then((answer) => {
      // No answer at all: the background is gone for now, and frames are what works without it.
      mode = answer ?? 'inline';
      if (mode === 'panel') reporter.activate();
      else for (const token of waiting) frames.add(token);
      waiting = [];
      if (mode === 'inline') frames.watchAdded();
    });
    const scanner = new TokenScanner(
      (token) => {
        reporter.add(token);
        if (mode === 'inline') frames.add(token);
        else if (mode === 'asking') waiting.push(token);
      },
      () => {
        if (mode === 'inline') frames.watchAdded();
        reporter.changed();
      },
      // The host split a token: its first message shows what one message carries. Others' prefixes (IRC adds
      // the sender's nick and host to each line) differ from ours, hence the margin.
      (firstMessageBytes) => void rememberPartLength(topSameOriginWindow().location.origin, Math.max(MIN_PART_LENGTH, firstMessageBytes - SPLIT_MARGIN)),
    );

    // Removals come in bursts (a chat re-rendering or trimming its list): forget what left, once per burst.
    let forgetting = false;
    const forgetRemoved = () => {
      if (forgetting) return;
      forgetting = true;
      setTimeout(() => {
        forgetting = false;
        frames.forgetRemoved();
        scanner.forgetRemoved();
        reporter.forgetRemoved();
      }, FORGET_DELAY_MS);
    };

    const fileLinks = new FileLinks(browser.i18n.getMessage('fileLinkMarker'));
    const observer = new MutationObserver((records) => {
      let removed = false;
      for (const r of records) {
        if (r.type === 'characterData') {
          scanner.enqueue(r.target);
          reporter.textChanged(r.target);
        }
        else {
          for (const n of r.addedNodes) {
            // Our own elements change nothing we need to look at.
            if (n instanceof Element && n.hasAttribute('data-c2c')) continue;
            scanner.enqueue(n);
            if (n instanceof Element) {
              boxes.scan(n);
              fileLinks.scan(n);
            }
          }
          removed ||= r.removedNodes.length > 0;
        }
      }
      if (removed) {
        boxes.reconcile();
        forgetRemoved();
      } else boxes.schedule();
      // Still in the page's turn: what it just added is looked at (and framed, if on screen) before it renders.
      frames.withinHostTurn(() => scanner.runNow());
    });
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    boxes.scan(root);
    fileLinks.scan(root);
    scanner.enqueue(root);
  },
});
