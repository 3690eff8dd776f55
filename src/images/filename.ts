/** The longest name stored, in UTF-16 code units (what JavaScript and D1 count), extension included. */
const MAX_FILENAME_LENGTH = 200;

/**
 * Never part of a stored name: control and format characters (Unicode Cc, Cf: U+0000–1F, U+007F–9F, the bidi
 * marks and overrides U+200E/F, U+202A–E, U+2066–9, zero-width characters, U+FEFF…), line and paragraph separators,
 * lone surrogates, and the characters Windows refuses in names (quotes, backslash, <>:*?|).
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}"\\<>:*?|]/gu;

/** Other spellings of a detected type's extension that a name may keep (`photo.jpeg` stays `photo.jpeg`). */
const ALIASES: Record<string, readonly string[]> = {
  jpg: ["jpg", "jpeg", "jpe", "jfif"],
  heic: ["heic", "heif"],
  heif: ["heif", "heic"],
};

/**
 * The client's filename reduced to something safe to store and echo, ending in the extension of the type its bytes
 * were detected as (`extension`, e.g. `jpg`): a JPEG+HTML polyglot sent as `gallery.html` is `gallery.jpg`, so no
 * download ever names the file as something it is not served as. No path, no control, format or bidi characters;
 * cut to MAX_FILENAME_LENGTH on a character boundary (never half an emoji: a lone surrogate would come back from D1
 * as U+FFFD, so the upload's answer and later reads would disagree).
 */
export function safeFilename(name: string, extension: string): string {
  const cleaned = (name.split(/[\\/]/).pop() ?? "").normalize("NFC").replace(UNSAFE, "").trim();
  const dot = cleaned.lastIndexOf(".");
  const given = dot >= 0 ? cleaned.slice(dot + 1) : "";
  const kept = (ALIASES[extension] ?? [extension]).includes(given.toLowerCase()) ? given : extension;
  // No leading dots (a hidden file, `..`) and no trailing ones or spaces (which Windows drops) around the stem.
  const trim = (text: string) => text.replace(/^[\s.]+|[\s.]+$/gu, "");
  const stem = trim(dot >= 0 ? cleaned.slice(0, dot) : cleaned);
  const cut = trim(truncate(stem, MAX_FILENAME_LENGTH - kept.length - 1));
  return `${cut || "image"}.${kept}`;
}

/** At most `max` UTF-16 code units of `text`, cut between user-perceived characters (grapheme clusters). */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = "";
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)) {
    if (out.length + segment.length > max) break;
    out += segment;
  }
  return out;
}

/**
 * RFC 6266: an ASCII fallback plus the exact name in RFC 5987 encoding. Names stored before the rules above are
 * cleaned of the same characters here, so an old row cannot put a bidi override into a download either.
 */
export function contentDisposition(filename: string, disposition: "inline" | "attachment" = "inline"): string {
  const name = filename.replace(UNSAFE, "") || "image";
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\;]/g, "_");
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
