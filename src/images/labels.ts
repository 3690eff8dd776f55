/** A tag as stored and shown: AI tags carry the model's confidence, user tags score 1. */
export interface ImageTag {
  label: string;
  score: number;
  source: "ai" | "user";
  /** The model that produced an AI tag; null for user tags. */
  model: string | null;
}

/** Lower-cases, trims and collapses spaces, so a label is stored and searched one way. */
export function normaliseLabel(label: string): string {
  return label.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

/** Best first; equal scores by label. The order every response lists tags in. */
export function byRank(a: { label: string; score: number }, b: { label: string; score: number }): number {
  return b.score - a.score || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}
