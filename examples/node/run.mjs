// Runs one wrk-zoom action, transpiled by `jco transpile`, in Node.js.
// Usage: node run.mjs <transpiled action .js> [api-base] [key=value ...]
// The API base defaults to $ZOOM_API_BASE, the token comes from $ZOOM_ACCESS_TOKEN.
import { pathToFileURL } from "node:url";

const [modulePath, apiBase = process.env.ZOOM_API_BASE, ...args] = process.argv.slice(2);
const { action } = await import(pathToFileURL(modulePath).href);
const json = (value) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v));

console.log(json(action.describe())); // name, endpoint, scopes, parameters (s64 as strings)
const params = args.map((arg) => [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]);
try {
  const reply = action.run({ accessToken: process.env.ZOOM_ACCESS_TOKEN ?? "", apiBase }, params);
  console.log(json({ status: reply.status, body: JSON.parse(reply.body), nextPageToken: reply.nextPageToken ?? null }));
} catch (e) {
  console.log(json({ error: e.payload ?? String(e) })); // {tag: "zoom" | "invalid-params" | ..., val}
  process.exitCode = 1;
}
