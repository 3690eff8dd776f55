import { createRouter } from "../routes/create-router";
import { deleteImageEditsRoute, putImageEditsRoute } from "./edits.routes";
import { presentImage } from "./images.router";

export const editsRouter = createRouter()
  .openapi(putImageEditsRoute, async (c) => {
    const image = await c.var.services.edits.put(c.var.caller, c.req.valid("param").id, c.req.valid("json"));
    return c.json(await presentImage(c, image), 200);
  })
  .openapi(deleteImageEditsRoute, async (c) => {
    const image = await c.var.services.edits.revert(c.var.caller, c.req.valid("param").id);
    return c.json(await presentImage(c, image), 200);
  });
