// Peer-to-peer chat over loopback in two Firefox profiles (p2p-flows.ts).
import { describeP2P } from './p2p-flows';

describeP2P('firefox', 'Firefox');
