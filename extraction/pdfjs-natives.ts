/**
 * The engine's own Array.prototype.push, taken before pdf.js loads (pdfjs.ts imports this module
 * first, so ES module order guarantees it runs first). See pdfjs.ts for why it is put back.
 * When some other module loaded a core-js build earlier, what is here is already the polyfill,
 * and restoring it changes nothing.
 */
export const nativePush = Array.prototype.push;
export const hadCoreJs = '__core-js_shared__' in globalThis;
