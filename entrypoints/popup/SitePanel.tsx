// The popup's per-site switch: shows whether Crypt2Chat works on the current tab's site and enables it.
import { useEffect, useState } from 'preact/hooks';
import { t } from '@/components/i18n';
import { ErrorText } from '@/components/popup/ErrorText';
import { currentSite, enableSite, type Site } from './site-access';

export function SitePanel() {
  const [site, setSite] = useState<Site | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => void currentSite().then(setSite, () => setSite(null)), []);
  if (!site) return null;

  const enable = () => {
    setFailed(false);
    enableSite(site).then(
      (granted) => (granted ? currentSite().then(setSite) : setFailed(true)),
      () => setFailed(true),
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
    </section>
  );
}
