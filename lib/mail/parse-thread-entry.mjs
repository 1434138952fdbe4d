// Entry of a parse thread (lib/mail/parse-pool.ts). Worker threads do not get
// the parent's TypeScript loader, so the thread registers tsx itself first.
import { register } from "tsx/esm/api";

register();
await import("./parse-thread.ts");
