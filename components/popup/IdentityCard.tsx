import type { ComponentChildren } from 'preact';
import { t } from '../i18n';

export interface IdentityCardProps {
  handle: string;
  fingerprint: string;
  /** More about the identity's keys, shown at the end of its section. */
  children?: ComponentChildren;
}

export function IdentityCard({ handle, fingerprint, children }: IdentityCardProps) {
  return (
    <section aria-labelledby="identity-title">
      <h1 id="identity-title">{t('identityTitle')}</h1>
      <dl>
        <dt>{t('identityHandleLabel')}</dt>
        <dd data-testid="identity-handle">{handle}</dd>
        <dt>{t('identityFingerprintLabel')}</dt>
        <dd>
          <code class="fingerprint" data-testid="identity-fingerprint">
            {fingerprint}
          </code>
        </dd>
      </dl>
      <p class="hint">{t('identityFingerprintHint')}</p>
      {children}
    </section>
  );
}
