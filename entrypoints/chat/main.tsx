// The secure chat page. Its URL carries only an opaque random chat id (URLs go into history); the
// background, which holds the session and every key, says which contact the chat is with.
import { render } from 'preact';
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { t } from '@/components/i18n';
import { ChatApp } from './ChatApp';
import './style.css';

document.title = t('chatPageTitle');
document.documentElement.lang = browser.i18n.getUILanguage();
const app = document.getElementById('app')!;
// The page shows the chat its address names. Another chat's address put into this tab (typed, or picked from
// the history) changes only the fragment, not the page: this tab then leaves its chat, as if closed.
function show(): void {
  const chatId = location.hash.slice(1);
  render(<ChatApp key={chatId} chatId={chatId} />, app);
}
window.addEventListener('hashchange', show);
show();
