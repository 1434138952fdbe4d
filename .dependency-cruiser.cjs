/**
 * How the code may import, checked by `npm run lint:deps` (part of
 * `npm run validate`). The picture and the reasons are in
 * docs/architecture.md; change both together.
 *
 * The lib/ domains in layers, bottom first. A domain imports only domains of
 * lower layers: never one of its own layer, never one above. So the domain
 * graph cannot have a cycle, and each layer can be read without the ones
 * above it. Events and jobs point upward: a lower domain that must set
 * something off above it queues a job (lib/queue) that the worker runs.
 */
const layers = [
  ["env", "errors", "generated"],
  ["logger", "crypto", "validation", "paging", "db"],
  // Records that everything may write: sealed-column registry, audit, notifications, the job queue, outbound HTTP.
  ["secrets", "audit", "notifications", "queue", "net", "web", "health", "housekeeping"],
  ["runtime", "api-keys", "connected-apps"],
  ["auth", "oauth"],
  ["http", "users", "tokens"],
  ["mail"],
  ["email-accounts"],
  ["messages", "outbound"],
  // Readers of everything, for the pages: the dashboard's overview.
  ["jobs", "cli", "overview"],
];

const domainPath = (name) => `^lib/${name}(/|\\.ts$)`;
const anyOf = (names) => `^lib/(${names.join("|")})(/|\\.ts$)`;

const layerRules = layers.flatMap((layer, index) => {
  const above = layers.slice(index).flat();
  return layer.map((domain) => ({
    name: `layers: lib/${domain}`,
    comment: `lib/${domain} may import only the domains of the layers below it (.dependency-cruiser.cjs, docs/architecture.md)`,
    severity: "error",
    from: { path: domainPath(domain) },
    to: { path: anyOf(above.filter((other) => other !== domain)) },
  }));
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "no-circular",
      comment: "Files that import each other, directly or around a loop.",
      severity: "error",
      from: { path: "^(lib|app|components|worker|cli)/" },
      to: { circular: true },
    },
    {
      name: "lib-knows-no-pages",
      comment: "Business rules live in lib/ and know nothing of the web app, the worker or the CLI that call them.",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^(app|components|worker|cli)/" },
    },
    {
      name: "processes-not-pages",
      comment: "The worker and the CLI never import the web app.",
      severity: "error",
      from: { path: "^(worker|cli)/" },
      to: { path: "^(app|components)/" },
    },
    {
      name: "mail-tokens-only-from-lib-tokens",
      comment: "Mail gets tokens only through lib/tokens (fresh, refreshed once across processes), never from the protocol.",
      severity: "error",
      from: { path: "^lib/(mail|email-accounts|outbound|messages)/" },
      to: { path: "^lib/oauth/" },
    },
    {
      name: "job-handlers-in-the-worker-only",
      comment: "Job handlers are registered by the worker alone: code that queues a job imports its contract (lib/queue/contracts.ts).",
      severity: "error",
      from: { path: "^(app|components|lib)/", pathNot: "^lib/jobs/" },
      to: { path: "^lib/jobs/" },
    },
    {
      name: "web-loads-no-sync",
      comment: "The web app does not load the IMAP sync, its parse threads or the SMTP drain (they belong to the worker).",
      severity: "error",
      from: { path: "^(app|components)/" },
      to: { path: "^lib/(mail/(mail-worker|account-session|sync-folder|parse-pool|parse-thread)|outbound/drain-outbound-queue)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^lib/generated/" },
    tsConfig: { fileName: "tsconfig.json" },
    // Type-only imports vanish at run time; they do not tie domains together.
    tsPreCompilationDeps: false,
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
