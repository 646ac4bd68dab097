// The relay's key log in Firefox's popup (flows in keylog-flows.ts).
import { describeKeyLog } from './keylog-flows';

describeKeyLog('firefox', 'Firefox');
