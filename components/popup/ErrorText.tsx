import { t, type MessageKey } from '../i18n';

/** A failure in plain words, announced to screen readers as it appears. */
export function ErrorText({ error, testId }: { error: MessageKey | null; testId: string }) {
  if (error === null) return null;
  return (
    <p class="error" role="alert" data-testid={testId}>
      {t(error)}
    </p>
  );
}
