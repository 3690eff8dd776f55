/**
 * A short, human label for the device behind a User-Agent ("Firefox on Windows", "Safari on iPhone"), for the
 * sessions list. Best effort: the full string is shown to its owner only through this label.
 */
export function deviceLabel(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const ua = userAgent;
  const browser = /\bEdg(e|A|iOS)?\//.test(ua)
    ? "Edge"
    : /\bOPR\/|\bOpera\b/.test(ua)
      ? "Opera"
      : /\bFirefox\/|\bFxiOS\//.test(ua)
        ? "Firefox"
        : /\bChrome\/|\bCriOS\//.test(ua)
          ? "Chrome"
          : /\bSafari\//.test(ua)
            ? "Safari"
            : /^curl\//.test(ua)
              ? "curl"
              : /^(node|undici)\b/i.test(ua)
                ? "Node.js"
                : null;
  const os = /\biPhone\b/.test(ua)
    ? "iPhone"
    : /\biPad\b/.test(ua)
      ? "iPad"
      : /\bAndroid\b/.test(ua)
        ? "Android"
        : /\bWindows\b/.test(ua)
          ? "Windows"
          : /\bMac OS X\b|\bMacintosh\b/.test(ua)
            ? "macOS"
            : /\bCrOS\b/.test(ua)
              ? "ChromeOS"
              : /\bLinux\b/.test(ua)
                ? "Linux"
                : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? "Unknown device";
}
