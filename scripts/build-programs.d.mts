// Types of scripts/build-programs.mjs (plain JavaScript so npm scripts run it without tsx).
export declare const ENTRY_POINTS: { readonly c2c: 'cli/main.ts'; readonly relay: 'relay/main.ts' };
export type Program = keyof typeof ENTRY_POINTS;
export declare const PROGRAMS_DIR: string;
export declare function buildPrograms(outdir?: string): Promise<Record<Program, string>>;
