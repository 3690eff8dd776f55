// Serves scripts/siteverify-standin.js on 127.0.0.1 (default port 8789) for `npm start`, where Cloudflare's real
// siteverify is unreachable. .dev.vars points TURNSTILE_VERIFY_URL here and uses the dummy keys.
import http from "node:http";
import standin from "./siteverify-standin.js";

const port = Number(process.env.TURNSTILE_STANDIN_PORT ?? 8789);

http
  .createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const request = new Request(`http://127.0.0.1:${port}${req.url}`, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
    });
    const response = await standin.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  })
  .listen(port, "127.0.0.1", () => {
    console.log(`Turnstile siteverify stand-in (Cloudflare's dummy keys only) on http://127.0.0.1:${port}`);
  });
