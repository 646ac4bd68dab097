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
render(<ChatApp chatId={location.hash.slice(1)} />, document.getElementById('app')!);
