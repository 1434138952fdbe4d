import { runMain } from "#lib/runtime/run-main";

// `npm start` (web app + worker) and `npm run web` (web app alone). Modules
// that read the configuration load inside runMain, so a bad setting ends in
// one clear message instead of a stack trace.
runMain("Connected Apps", async () => {
  const mode = process.argv[2] === "web" ? "web" : "all";
  const { launch } = await import("#lib/runtime/launch");
  await launch(mode);
});
