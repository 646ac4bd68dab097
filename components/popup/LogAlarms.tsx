import { useState } from 'preact/hooks';
import type { LogAlarmInfo } from '@/lib/protocol/background-api';
import { Icon } from '../Icon';
import { t } from '../i18n';

const keyOf = (a: LogAlarmInfo) => `${a.relay} ${a.at} ${a.reason}`;

/**
 * The relays' key-log alarms (entrypoints/background/key-log.ts): what each relay's log showed, with the
 * two signed checkpoints that disagree as evidence, verbatim, so they can be shown to anyone to check.
 * An alarm can be dismissed once its evidence was opened (one without signed evidence: its words are it).
 */
export function LogAlarms({ alarms, onDismiss }: { alarms: LogAlarmInfo[]; onDismiss: (alarm: LogAlarmInfo) => void }) {
  const [seen, setSeen] = useState<ReadonlySet<string>>(new Set());
  if (alarms.length === 0) return null;
  const saw = (a: LogAlarmInfo) => setSeen((s) => new Set(s).add(keyOf(a)));
  return (
    <section class="log-alarm" role="alert" data-testid="contact-log-alarm" aria-labelledby="log-alarm-title">
      <h2 id="log-alarm-title">
        <Icon name="warning" /> {t('logAlarmTitle')}
      </h2>
      <p>{t('logAlarmIntro')}</p>
      <ul>
        {alarms.map((a) => {
          const evidence = a.kept !== undefined || a.served !== undefined;
          const open = (e: Event) => (e.currentTarget as HTMLDetailsElement).open && saw(a);
          return (
            <li key={keyOf(a)} data-reason={a.reason} data-relay={a.relay} data-testid="contact-log-alarm-item">
              <p>
                <code>{a.relay}</code> {a.reason}: {a.message}
              </p>
              {a.kept !== undefined && (
                <details onToggle={open} data-testid="contact-log-alarm-evidence">
                  <summary>{t('logAlarmKept')}</summary>
                  <pre data-testid="contact-log-alarm-kept">{a.kept}</pre>
                </details>
              )}
              {a.served !== undefined && (
                <details onToggle={open} data-testid="contact-log-alarm-evidence">
                  <summary>{t('logAlarmServed')}</summary>
                  <pre data-testid="contact-log-alarm-served">{a.served}</pre>
                </details>
              )}
              <button type="button" data-testid="contact-log-alarm-dismiss" disabled={evidence && !seen.has(keyOf(a))} title={t('logAlarmDismissHint')} onClick={() => onDismiss(a)}>
                {t('logAlarmDismiss')}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
