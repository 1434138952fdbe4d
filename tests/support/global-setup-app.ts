import { buildIfNeeded } from "#lib/runtime/launch";

/** Builds the production app once per run (skipped when the sources did not change). */
export async function setup() {
  await buildIfNeeded(() => {});
}
