import { useState } from 'preact/hooks';
import { t, type MessageKey } from '../i18n';
import { ErrorText } from './ErrorText';

export interface OnboardingProps {
  busy: boolean;
  error: MessageKey | null;
  onCreate: (handle: string) => void;
}

export function Onboarding({ busy, error, onCreate }: OnboardingProps) {
  const [handle, setHandle] = useState('');
  return (
    <section aria-labelledby="onboard-title">
      <h1 id="onboard-title">{t('onboardTitle')}</h1>
      <p>{t('onboardIntro')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onCreate(handle);
        }}
      >
        <label for="onboard-handle">{t('onboardHandleLabel')}</label>
        <input
          id="onboard-handle"
          data-testid="onboard-handle"
          type="text"
          autoComplete="off"
          spellcheck={false}
          maxLength={32}
          required
          aria-describedby="onboard-handle-hint"
          aria-invalid={error !== null}
          value={handle}
          onInput={(e) => setHandle(e.currentTarget.value)}
        />
        <p id="onboard-handle-hint" class="hint">
          {t('onboardHandleHint')}
        </p>
        <ErrorText error={error} testId="onboard-error" />
        <button type="submit" data-testid="onboard-create" disabled={busy}>
          {busy ? t('onboardCreating') : t('onboardCreate')}
        </button>
      </form>
    </section>
  );
}
