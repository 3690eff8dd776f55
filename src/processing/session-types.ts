import type { RenditionParams } from "../images/rendition-options";

export type SessionStatus = "draft" | "running" | "paused" | "completed" | "failed" | "cancelled";
export type SessionAction = "start" | "pause" | "resume" | "cancel";
export type ItemStatus = "pending" | "processing" | "done" | "failed";

/** What every image of a session is converted to (a rendition, made like any other, with any of its options). */
export interface ProcessingOutput extends Omit<RenditionParams, "format"> {
  format: "webp" | "avif" | "jpeg" | "png";
}

export interface ItemRendition {
  name: string;
  bytes: number;
  width: number;
  height: number;
  contentType: string;
}

export interface SessionItem {
  imageId: string;
  status: ItemStatus;
  attempts: number;
  error: string | null;
  rendition: ItemRendition | null;
}

/** A session as its object holds it: the one state every device and login sees. */
export interface SessionState {
  id: string;
  userId: string;
  status: SessionStatus;
  output: ProcessingOutput;
  items: SessionItem[];
  progress: { done: number; failed: number; total: number };
  version: number;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export const FINISHED: ReadonlySet<SessionStatus> = new Set(["completed", "failed", "cancelled"]);
