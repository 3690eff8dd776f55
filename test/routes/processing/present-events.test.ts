import { describe, expect, it } from "vitest";
import { presentEvents } from "../../../src/processing/processing.presenters";

/** Both ends of a connection like the one the Worker holds to a session object. */
function connection() {
  const [object, worker] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  object.accept();
  worker.accept();
  return { object, worker };
}

// Only the stream's own behaviour: no state is sent, so nothing is ever presented.
const present = () => Promise.reject(new Error("no state was sent"));

describe("the event stream behind GET /v1/processing-sessions/{id}/events", () => {
  it("carries a keep-alive comment while quiet, and ends when the object closes the connection", async () => {
    const { object, worker } = connection();
    const reader = presentEvents(worker, present, 20).body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe(": keep-alive\n\n");
    object.close(1000, "session finished");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += chunk.value;
    expect(rest.replaceAll(": keep-alive\n\n", "")).toBe("");
  });

  it("closes the connection to the object when the client leaves", async () => {
    const { object, worker } = connection();
    const closed = new Promise<string>((resolve) => object.addEventListener("close", (event) => resolve(event.reason)));
    await presentEvents(worker, present, 20).body!.cancel();
    expect(await closed).toBe("client left");
  });
});
