// Encrypted files from the popup in Firefox: round trip between two profiles, tampered, cut and foreign files,
// cancel (flows in files-flows.ts).
import { describeFileFlows } from './files-flows';

describeFileFlows('firefox');
