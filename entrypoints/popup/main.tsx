import { render } from 'preact';
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { t } from '@/components/i18n';
import { PopupApp } from './PopupApp';
import './style.css';

document.title = t('popupTitle');
document.documentElement.lang = browser.i18n.getUILanguage();
render(<PopupApp />, document.getElementById('app')!);
