import { createRouter } from "../http/create-router";
import * as handlers from "./legacy.handlers";
import * as routes from "./legacy.routes";

export const legacyRouter = createRouter()
  .openapi(routes.legacyRegister, handlers.legacyRegisterHandler)
  .openapi(routes.legacyLogin, handlers.legacyLoginHandler)
  .openapi(routes.legacyUpload, handlers.legacyUploadHandler)
  .openapi(routes.legacyImages, handlers.legacyImagesHandler)
  .openapi(routes.legacySearch, handlers.legacySearchHandler);
