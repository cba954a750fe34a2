/**
 * Size limits of POST /simcards/bulk. Files are streamed to disk and parsed as a stream, so the
 * file cap only bounds disk and time (200 MB ≈ 4 million CSV rows); JSON is parsed whole, so
 * its cap bounds memory.
 */
export const MAX_IMPORT_BYTES = 200 * 1024 * 1024;
export const MAX_JSON_IMPORT_BYTES = 32 * 1024 * 1024;
export const MAX_JSON_ROWS = 250_000;
