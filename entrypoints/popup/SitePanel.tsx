// The popup's per-site switch: shows whether Crypt2Chat works on the current tab's site and enables it.
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { t, type MessageKey } from '@/components/i18n';
import { ErrorText } from '@/components/popup/ErrorText';
import { COMPOSE_HERE } from '../background/open-compose';
import type { OpenComposeOutcome } from '../content/open-compose-message';
import { SITE_MODES, type SiteMode as SiteModeValue } from '@/lib/keyring/settings';
import { callBackground } from '../shared/background-client';
import { openPanelFor } from '../sidepanel/open-panel';
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

/** The site's mode select: stored per site through the background; only inline has an effect today. */
function SiteMode({ origin }: { origin: string }) {
  const [mode, setMode] = useState<SiteModeValue | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    void callBackground({ type: 'getSiteMode', site: origin }).then((r) => (r.ok ? setMode(r.mode) : setFailed(true)));
  }, [origin]);
  const choose = (value: string) => {
    setFailed(false);
    const chosen = SITE_MODES.find((m) => m === value);
    if (!chosen) return;
    void callBackground({ type: 'saveSiteMode', site: origin, mode: chosen }).then((r) => (r.ok ? setMode(r.mode) : setFailed(true)));
  };
  if (mode === null && !failed) return null;
  return (
    <div class="site-mode">
      <label for="site-mode">{t('siteModeLabel')}</label>
      <select id="site-mode" data-testid="site-mode" data-mode={mode ?? ''} value={mode ?? 'inline'} onChange={(e) => choose(e.currentTarget.value)}>
        <option value="inline">{t('siteModeInline')}</option>
        <option value="panel">{t('siteModePanel')}</option>
      </select>
      {mode === 'panel' && (
        <p class="hint" data-testid="site-mode-note">
          {t('siteModePanelLater')}
        </p>
      )}
      <ErrorText error={failed ? 'siteModeFailed' : null} testId="site-mode-error" />
    </div>
  );
}

export function SitePanel() {
  const [site, setSite] = useState<Site | null>(null);
  const [failed, setFailed] = useState(false);
  const [composeFailure, setComposeFailure] = useState<MessageKey | null>(null);
  const [panelFailed, setPanelFailed] = useState(false);

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
        <strong>{site.host}</strong>: {site.enabled ? t('siteEnabled') : t('siteDisabled')}
      </p>
      {/* Always offered: enabling again re-injects the script into this tab (e.g. after an update). */}
      <button type="button" data-testid="site-enable" class={site.enabled ? undefined : 'primary'} onClick={enable}>
        {t('siteEnable')}
      </button>
      <ErrorText error={failed ? 'siteEnableFailed' : null} testId="site-error" />
      {site.enabled && (
        <button type="button" data-testid="compose-here" title={t('composeHereHint')} onClick={compose}>
          {t('composeHere')}
        </button>
      )}
      <ErrorText error={composeFailure} testId="compose-here-error" />
      {/* Called straight from the click: browsers open a side panel only in answer to a user action. */}
      <button type="button" data-testid="sidepanel-open" title={t('sidePanelOpenHint')} onClick={() => openPanelFor(site.tabId).then(() => window.close(), () => setPanelFailed(true))}>
        {t('sidePanelOpen')}
      </button>
      <ErrorText error={panelFailed ? 'sidePanelOpenFailed' : null} testId="sidepanel-error" />
      <SiteMode origin={site.origin} />
    </section>
  );
}
