// The popup's per-site switch: shows whether Crypt2Chat works on the current tab's site and enables it.
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { t, type MessageKey } from '@/components/i18n';
import { ErrorText } from '@/components/popup/ErrorText';
import { COMPOSE_HERE } from '../background/open-compose';
import type { OpenComposeOutcome } from '../content/open-compose-message';
import { currentSite, enableSite, type Site } from './site-access';

/** What the popup says when the page could not open its compose overlay. */
const COMPOSE_HERE_FAILURE: Record<Exclude<OpenComposeOutcome, 'opened'>, MessageKey> = {
  'no-box': 'composeHereNoBox',
  several: 'composeHereSeveral',
  'not-enabled': 'composeHereNotEnabled',
};

/** Asks the background to open the compose overlay in the tab (as the open-compose command does). */
async function composeHere(tabId: number): Promise<OpenComposeOutcome> {
  const answer = (await browser.runtime.sendMessage({ type: COMPOSE_HERE, tabId })) as { ok?: boolean; outcome?: OpenComposeOutcome } | undefined;
  return answer?.ok && answer.outcome ? answer.outcome : 'not-enabled';
}

export function SitePanel() {
  const [site, setSite] = useState<Site | null>(null);
  const [failed, setFailed] = useState(false);
  const [composeFailure, setComposeFailure] = useState<MessageKey | null>(null);

  useEffect(() => void currentSite().then(setSite, () => setSite(null)), []);
  if (!site) return null;

  const enable = () => {
    setFailed(false);
    enableSite(site).then(
      (granted) => (granted ? currentSite().then(setSite) : setFailed(true)),
      () => setFailed(true),
    );
  };

  const compose = () => {
    setComposeFailure(null);
    composeHere(site.tabId).then(
      (outcome) => (outcome === 'opened' ? window.close() : setComposeFailure(COMPOSE_HERE_FAILURE[outcome])),
      () => setComposeFailure('composeHereNotEnabled'),
    );
  };

  return (
    <section aria-labelledby="site-title">
      <h2 id="site-title">{t('siteTitle')}</h2>
      <p data-testid="site-status" data-enabled={String(site.enabled)}>
        {site.host}: {site.enabled ? t('siteEnabled') : t('siteDisabled')}
      </p>
      <button type="button" data-testid="site-enable" onClick={enable}>
        {t('siteEnable')}
      </button>
      <ErrorText error={failed ? 'siteEnableFailed' : null} testId="site-error" />
      {site.enabled && (
        <button type="button" data-testid="compose-here" title={t('composeHereHint')} onClick={compose}>
          {t('composeHere')}
        </button>
      )}
      <ErrorText error={composeFailure} testId="compose-here-error" />
    </section>
  );
}
