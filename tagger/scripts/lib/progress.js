/**
 * Download progress for one file. On a terminal: a bar redrawn in place (at most 10 times a second).
 * Otherwise (logs, or `npm start`'s shared terminal): one line at 25 %, 50 % and 75 % of files over 5 MB.
 * @param {string} name
 * @param {{ interactive: boolean, say: (line: string) => void }} output
 */
export function progressReporter(name, { interactive, say }) {
  let lastDraw = 0;
  let lastQuarter = 0;
  let drawn = false;
  /** @param {number} received @param {number | null} total */
  const draw = (received, total) => {
    const width = 24;
    const fraction = total ? received / total : 0;
    const bar = total ? "#".repeat(Math.round(fraction * width)).padEnd(width, ".") : "?".repeat(width);
    const percent = total ? `${Math.floor(fraction * 100)}%`.padStart(4) : "  ? ";
    process.stdout.write(`\r  ${name}  [${bar}] ${percent}  ${mb(received)}${total ? ` / ${mb(total)}` : ""}   `);
    drawn = true;
  };
  return {
    /** @param {number} received @param {number | null} total */
    update(received, total) {
      if (interactive) {
        const now = Date.now();
        if (now - lastDraw >= 100) {
          lastDraw = now;
          draw(received, total);
        }
        return;
      }
      if (!total || total < 5e6) return;
      const quarter = Math.floor((received / total) * 4);
      if (quarter > lastQuarter && quarter < 4) say(`${name}: ${quarter * 25}% of ${mb(total)}`);
      lastQuarter = Math.max(lastQuarter, quarter);
    },
    /** Ends the bar's line (call once the file is complete or failed). @param {number} [received] @param {number | null} [total] */
    end(received, total) {
      if (!interactive || !drawn) return;
      if (received !== undefined) draw(received, total ?? null);
      process.stdout.write("\n");
    },
  };
}

/** @param {number} bytes */
export function mb(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
