// The backup passphrase's strength as the user types: a meter, its label and one line of feedback.
import { t } from '../i18n';
import { MIN_BACKUP_SCORE, strengthFeedback, strengthLabelKey, type StrengthEstimate } from './backup-strength';

/** `id`: the passphrase field points at it (aria-describedby), so a screen reader reads it with the field. */
export function StrengthMeter({ id, estimate }: { id: string; estimate: StrengthEstimate }) {
  const feedback = strengthFeedback(estimate);
  return (
    <div id={id} class="strength" data-testid="backup-strength" data-score={estimate.score}>
      {/* Red below the score a backup needs, amber from there, green at the top. */}
      <meter min={0} max={4} low={MIN_BACKUP_SCORE} high={4} optimum={4} value={estimate.score} aria-hidden="true" />
      <strong>{t(strengthLabelKey(estimate.score))}</strong>{' '}
      <span data-testid="backup-strength-feedback">{t(feedback.key, feedback.substitutions)}</span>
    </div>
  );
}
