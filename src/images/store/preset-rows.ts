// Owner of a library's `presets` table (store/library-schema.ts step 4): the owner's named rendition recipes. The
// built-in presets are not stored (presets.ts); the service keeps their names out of this table.
import type { PresetOptions } from "../presets";
import type { LibraryDb } from "./library-schema";

export interface PresetRow {
  name: string;
  options: PresetOptions;
  created_at: number;
  updated_at: number;
}

type StoredPresetRow = Omit<PresetRow, "options"> & { options: string };

const toPresetRow = (row: StoredPresetRow): PresetRow => ({
  ...row,
  options: JSON.parse(row.options) as PresetOptions,
});

/** The owner's presets, by name. */
export function listPresetRows(db: LibraryDb): PresetRow[] {
  return db.sql
    .exec<StoredPresetRow>("SELECT name, options, created_at, updated_at FROM presets ORDER BY name")
    .toArray()
    .map(toPresetRow);
}

export function findPresetRow(db: LibraryDb, name: string): PresetRow | null {
  const row = db.sql
    .exec<StoredPresetRow>("SELECT name, options, created_at, updated_at FROM presets WHERE name = ?", name)
    .toArray()[0];
  return row ? toPresetRow(row) : null;
}

export function countPresetRows(db: LibraryDb): number {
  return db.sql.exec<{ n: number }>("SELECT count(*) AS n FROM presets").one().n;
}

/** Creates or replaces a preset (a replaced one keeps its created_at); true when it was created. */
export function upsertPresetRow(db: LibraryDb, name: string, options: PresetOptions, now: number): boolean {
  const existed = findPresetRow(db, name) !== null;
  db.sql.exec(
    `INSERT INTO presets (name, options, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
     ON CONFLICT (name) DO UPDATE SET options = excluded.options, updated_at = excluded.updated_at`,
    name,
    JSON.stringify(options),
    now,
  );
  return !existed;
}

/** Gives a preset a new name (which must be free). */
export function renamePresetRow(db: LibraryDb, from: string, to: string, now: number): void {
  db.sql.exec("UPDATE presets SET name = ?, updated_at = ? WHERE name = ?", to, now, from);
}

/** Deletes a preset; true when there was one. */
export function deletePresetRow(db: LibraryDb, name: string): boolean {
  return db.sql.exec("DELETE FROM presets WHERE name = ?", name).rowsWritten > 0;
}
