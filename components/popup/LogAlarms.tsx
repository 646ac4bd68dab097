import type { LogAlarmInfo } from '@/lib/protocol/background-api';
import { Icon } from '../Icon';
import { t } from '../i18n';

/**
 * The relays' key-log alarms (entrypoints/background/key-log.ts): what each relay's log showed, with the
 * two signed checkpoints that disagree as evidence, verbatim, so they can be shown to anyone to check.
 */
export function LogAlarms({ alarms }: { alarms: LogAlarmInfo[] }) {
  if (alarms.length === 0) return null;
  return (
    <section class="log-alarm" role="alert" data-testid="contact-log-alarm" aria-labelledby="log-alarm-title">
      <h2 id="log-alarm-title">
        <Icon name="warning" /> {t('logAlarmTitle')}
      </h2>
      <p>{t('logAlarmIntro')}</p>
      <ul>
        {alarms.map((a) => (
          <li key={`${a.relay} ${a.at} ${a.reason}`} data-reason={a.reason} data-relay={a.relay} data-testid="contact-log-alarm-item">
            <p>
              <code>{a.relay}</code> {a.reason}: {a.message}
            </p>
            {a.kept !== undefined && (
              <details>
                <summary>{t('logAlarmKept')}</summary>
                <pre data-testid="contact-log-alarm-kept">{a.kept}</pre>
              </details>
            )}
            {a.served !== undefined && (
              <details>
                <summary>{t('logAlarmServed')}</summary>
                <pre data-testid="contact-log-alarm-served">{a.served}</pre>
              </details>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
