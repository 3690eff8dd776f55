import { createRouter } from "../http/create-router";
import {
  deleteImageHandler,
  getImageFileHandler,
  getImageHandler,
  listImagesHandler,
  patchImageTagsHandler,
  retagImageHandler,
  searchImagesHandler,
  uploadImageHandler,
} from "./images.handlers";
import {
  deleteImage,
  getImage,
  getImageFile,
  listImages,
  patchImageTags,
  retagImage,
  searchImages,
  uploadImage,
} from "./images.routes";

// /v1/images/search is registered before /v1/images/{id} so "search" is never taken for an id.
export const imagesRouter = createRouter()
  .openapi(uploadImage, uploadImageHandler)
  .openapi(listImages, listImagesHandler)
  .openapi(searchImages, searchImagesHandler)
  .openapi(getImage, getImageHandler)
  .openapi(getImageFile, getImageFileHandler)
  .openapi(patchImageTags, patchImageTagsHandler)
  .openapi(retagImage, retagImageHandler)
  .openapi(deleteImage, deleteImageHandler);
