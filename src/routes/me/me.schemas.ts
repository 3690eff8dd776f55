import { z } from "@hono/zod-openapi";
import { PASSWORD_MAX_CHARACTERS, PASSWORD_MIN_CHARACTERS } from "../../auth/password-policy";

export const ChangePasswordSchema = z
  .strictObject({
    currentPassword: z.string().max(PASSWORD_MAX_CHARACTERS).openapi({ example: "correct horse battery staple" }),
    newPassword: z.string().openapi({
      description: `At least ${PASSWORD_MIN_CHARACTERS} characters (any Unicode, up to ${PASSWORD_MAX_CHARACTERS}); the most common passwords are refused.`,
      example: "a different horse, battery and staple",
    }),
  })
  .openapi("ChangePasswordRequest");

export const DeleteAccountSchema = z
  .strictObject({
    password: z.string().max(PASSWORD_MAX_CHARACTERS).openapi({ example: "correct horse battery staple" }),
  })
  .openapi("DeleteAccountRequest");

export const SessionSchema = z
  .object({
    id: z.string().openapi({ example: "ses_2mT0Xq9bV4sLr8cW1yZ3Aa" }),
    device: z.string().openapi({ description: "From the User-Agent at sign-in.", example: "Firefox on Windows" }),
    createdAt: z.iso.datetime().openapi({ description: "When this login happened." }),
    lastUsedAt: z.iso.datetime().openapi({ description: "The sign-in or the latest token refresh." }),
    current: z.boolean().openapi({ description: "Whether this is the session making the request." }),
  })
  .openapi("Session");

export const SessionListSchema = z.object({ items: z.array(SessionSchema) }).openapi("SessionList");

export const SessionIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "ses_2mT0Xq9bV4sLr8cW1yZ3Aa" }),
});
