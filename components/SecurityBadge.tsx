// The user's security colour and image. Only extension-origin UI shows it (popup, compose and message
// frames), so a web page drawing a look-alike cannot know which colour and image to fake.
import type { SecurityChoice } from '@/lib/protocol/background-api';
import type { SecurityImage } from '@/lib/protocol/security-images';
import { Icon, type IconName } from './Icon';
import { t, type MessageKey } from './i18n';

/** Every image the keyring accepts (lib/protocol/security-images.ts), with its drawing and name: the type
 * makes a missing or extra image a compile error. */
export const SECURITY_IMAGE_ICONS: Record<SecurityImage, { icon: IconName; name: MessageKey }> = {
  anchor: { icon: 'anchor', name: 'securityImageAnchor' },
  bell: { icon: 'bell', name: 'securityImageBell' },
  bicycle: { icon: 'bicycle', name: 'securityImageBicycle' },
  cat: { icon: 'cat', name: 'securityImageCat' },
  compass: { icon: 'compass', name: 'securityImageCompass' },
  feather: { icon: 'feather', name: 'securityImageFeather' },
  fish: { icon: 'fish', name: 'securityImageFish' },
  key: { icon: 'key', name: 'securityImageKey' },
  leaf: { icon: 'leaf', name: 'securityImageLeaf' },
  moon: { icon: 'moon', name: 'securityImageMoon' },
  owl: { icon: 'owl', name: 'securityImageOwl' },
  tree: { icon: 'tree', name: 'securityImageTree' },
};

type ImageEntry = (typeof SECURITY_IMAGE_ICONS)[SecurityImage];

/** An image name this build does not know (e.g. from a newer backup) is shown as no image. */
function imageOf(security: SecurityChoice | null): ImageEntry | undefined {
  return security?.image ? (SECURITY_IMAGE_ICONS as Partial<Record<string, ImageEntry>>)[security.image] : undefined;
}

// Inline styles: the compose and message frames reuse this without the popup's stylesheet.
const BADGE_STYLE = { display: 'flex', alignItems: 'center', gap: '8px', margin: '0 0 8px', padding: '4px 8px', borderLeft: '6px solid' };
const SWATCH_STYLE = { display: 'inline-block', width: '18px', height: '18px', borderRadius: '50%', border: '1px solid GrayText' };
const HIDDEN_STYLE = { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' };

export function SecurityBadge({ security }: { security: SecurityChoice | null }) {
  const image = imageOf(security);
  if (!security?.colour && !image) {
    return (
      <p class="security-badge hint" data-testid="security-badge" data-colour="" data-image="">
        {t('securityBadgeUnset')}
      </p>
    );
  }
  return (
    <p
      class="security-badge"
      data-testid="security-badge"
      data-colour={security?.colour ?? ''}
      data-image={security?.image ?? ''}
      title={t('securityBadgeHint')}
      style={{ ...BADGE_STYLE, borderLeftColor: security?.colour ?? 'GrayText' }}
    >
      <span class="security-swatch" aria-hidden="true" style={{ ...SWATCH_STYLE, background: security?.colour ?? 'transparent' }} />
      {image && <Icon name={image.icon} label={t(image.name)} size="1.4em" class="security-symbol" />}
      <span style={HIDDEN_STYLE}>{t('securityBadgeHint')}</span>
    </p>
  );
}

/**
 * The same colour and image, inline and small, for the status line of a message frame: a page drawing a
 * fake "verified" message cannot know them. Nothing is shown until the choice is read or when none is made.
 */
export function SecurityMark({ security }: { security: SecurityChoice | null }) {
  const image = imageOf(security);
  if (!security || (!security.colour && !image)) return null;
  return (
    <span class="security-mark" data-testid="security-badge" data-colour={security.colour ?? ''} data-image={security.image ?? ''} title={t('securityBadgeHint')}>
      {security.colour && <span class="security-swatch" aria-hidden="true" style={{ ...SWATCH_STYLE, width: '0.9em', height: '0.9em', verticalAlign: '-0.1em', background: security.colour }} />}
      {image && <Icon name={image.icon} label={t(image.name)} class="security-symbol" />}{' '}
    </span>
  );
}
