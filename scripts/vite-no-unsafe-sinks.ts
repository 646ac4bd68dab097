// Vite plugin that removes two unsafe sinks from third-party code in the extension bundles:
// - zod 4's `new Function` probe and validator compiler (the extension runs zod jitless anyway, see
//   entrypoints/shared/zod-jitless.ts, so those paths are dead there);
// - preact's `dangerouslySetInnerHTML` write, which our code never uses: with it gone, no future
//   component can put markup from data into the DOM, which is our rule ("never innerHTML with data").
// Store reviewers and `web-ext lint` rightly flag both. The build fails if a library changes shape, so a
// rewrite can never silently stop applying.
import type { Plugin } from 'vite';

interface Rewrite {
  file: RegExp;
  pattern: RegExp;
  replacement: string;
}

const REWRITES: Rewrite[] = [
  {
    file: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]core[\\/]util\.js$/,
    pattern: /const F = Function;\s*new F\(""\);\s*return true;/,
    replacement: 'return false;',
  },
  {
    file: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]core[\\/]doc\.js$/,
    pattern: /const F = Function;[\s\S]*?return factory\(\.\.\.Object\.values\(this\.closed\)\);/,
    replacement: 'throw new Error("zod code generation is disabled in this build");',
  },
  {
    file: /[\\/]node_modules[\\/]preact[\\/]dist[\\/]preact\.mjs$/,
    pattern: /\(\w+\.innerHTML=\w+\.__html\)/,
    replacement: '(function(){throw new Error("dangerouslySetInnerHTML is disabled in Crypt2Chat")})()',
  },
];

export function noUnsafeSinksPlugin(): Plugin {
  return {
    name: 'c2c:no-unsafe-sinks',
    enforce: 'pre',
    transform(code, id) {
      const path = id.split('?')[0]!;
      const rewrite = REWRITES.find((r) => r.file.test(path));
      if (!rewrite) return null;
      if (!rewrite.pattern.test(code)) throw new Error(`c2c:no-unsafe-sinks: ${path} changed; update scripts/vite-no-unsafe-sinks.ts`);
      return { code: code.replace(rewrite.pattern, rewrite.replacement), map: null };
    },
  };
}
