// The relay's key log in Chromium's popup (flows in keylog-flows.ts).
import { describeKeyLog } from './keylog-flows';

describeKeyLog('chromium', 'Chromium');
