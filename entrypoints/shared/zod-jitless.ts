// Zod probes `new Function` to speed up parsing; extension CSP forbids eval, so the probe would only
// raise a CSP violation. Imported first by each extension entrypoint that parses with zod.
import { z } from 'zod';

z.config({ jitless: true });
