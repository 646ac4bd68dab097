// Stands in for WXT's ContentScriptContext in the content script's build (wxt.config.ts). Our content script
// never uses the context, and WXT's announces each start to the page: it posts a message naming the
// extension's id to the page's window (so a page could tell that Crypt2Chat runs even where it shows
// nothing, as in side-panel mode) and listens for a document event that a page could forge to invalidate it.
export class ContentScriptContext {}
