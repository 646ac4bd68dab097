// Serverless contact exchange in two Chromium profiles (cards-flows.ts).
import { describeCards } from './cards-flows';

describeCards('chromium', 'Chromium');
