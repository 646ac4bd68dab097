import { render } from 'preact';
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { t } from '@/components/i18n';
import { OptionsApp } from './OptionsApp';
import '../popup/style.css';
import './style.css';

document.title = t('optionsTitle');
document.documentElement.lang = browser.i18n.getUILanguage();
render(<OptionsApp />, document.getElementById('app')!);
