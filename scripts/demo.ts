// `npm run demo`: the whole product on one machine, for a look around (README, "Demo").
// The app runs exactly as `npm start` runs it (web server and mail worker, embedded
// PostgreSQL, generated secrets), next to a local OpenID provider, Dovecot and an
// SMTP server that trust that provider's tokens. The demo only configures: it seeds
// through the same lib/ functions the admin's and the user's forms call.
//
//   DEMO_PORT                   web port (default 3000)
//   DEMO_DATA_DIR               demo state (default .data/demo); its database is emptied at each start
//   DEMO_MESSAGE_EVERY_SECONDS  how often a new message lands in the demo mailbox (default 60)
//   `npm run demo -- --reset`   removes the demo's state (cluster, secrets) and exits
import { runMain } from "#lib/runtime/run-main";
import { DOVECOT, ensureDebianPackages } from "./debian-packages";
import { configureEnvironment, readSettings } from "./demo/settings";
import { resetStateDirectory } from "./demo/state";

runMain("The Connected Apps demo", async () => {
  const settings = readSettings();
  if (settings.reset) return resetStateDirectory(settings.dataDir, (line) => process.stdout.write(`${line}\n`));
  // Before the environment is narrowed below: apt-get may need the caller's proxy.
  ensureDebianPackages([DOVECOT], "the demo's local IMAP server");
  configureEnvironment(settings);
  // Modules that read the configuration load only now, after it is set.
  const { runDemo } = await import("./demo/run");
  await runDemo(settings);
});
