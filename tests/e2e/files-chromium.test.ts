// Encrypted files from the popup in Chromium: round trip between two profiles, tampered, cut and foreign files,
// cancel (flows in files-flows.ts).
import { describeFileFlows } from './files-flows';

describeFileFlows('chromium');
