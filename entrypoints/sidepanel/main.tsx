// The side panel: the whole conversation of one tab, decrypted here, beside the page and out of its reach,
// with a compose box. Bound to one tab: `?tab=<id>` in its address (set when it is opened for a tab, and by
// tests that open it in a normal tab), else the window's active tab when it opened.
import { render } from 'preact';
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { t } from '@/components/i18n';
import { PanelApp } from './PanelApp';
import './style.css';

document.title = t('panelTitle');
document.documentElement.lang = browser.i18n.getUILanguage();

async function boundTab(): Promise<number | null> {
  const named = new URLSearchParams(location.search).get('tab');
  if (named !== null) return /^\d{1,10}$/.test(named) ? Number(named) : null;
  const [active] = await browser.tabs.query({ active: true, currentWindow: true });
  return active?.id ?? null;
}

void boundTab().then((tabId) => render(<PanelApp tabId={tabId} />, document.getElementById('app')!));
