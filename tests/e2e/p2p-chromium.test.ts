// Peer-to-peer chat over loopback in two Chromium profiles (p2p-flows.ts).
import { describeP2P } from './p2p-flows';

describeP2P('chromium', 'Chromium');
