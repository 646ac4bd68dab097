// Serverless contact exchange in two Firefox profiles (cards-flows.ts).
import { describeCards } from './cards-flows';

describeCards('firefox', 'Firefox');
