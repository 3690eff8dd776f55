// The benchmarks' HTTP client: node:http over keep-alive connections, as autocannon and wrk measure. Node's fetch
// (undici) spends 1.5-3.5 ms of its own per request on this machine (measured against this client on the same
// server, same run), which would be counted as the server's.
import http from "node:http";

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET over at most `connections` kept-alive connections to `base`; close() ends them. */
export function keepAliveClient(base: string, connections = 1) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request(new URL(path, base), { agent, headers }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  return { get, close: () => agent.destroy() };
}
