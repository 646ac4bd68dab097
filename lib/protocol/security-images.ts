// The security images a user may choose. Shared by the keyring (which validates the setting) and the UI
// (which draws them), so the two lists cannot drift apart.
export const SECURITY_IMAGES = ['anchor', 'bell', 'bicycle', 'cat', 'compass', 'feather', 'fish', 'key', 'leaf', 'moon', 'owl', 'tree'] as const;

export type SecurityImage = (typeof SECURITY_IMAGES)[number];
