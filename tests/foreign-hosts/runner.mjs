// Calls actions and triggers transpiled by `jco transpile`, in Node, for check.py.
//
// One job per line on stdin, one outcome per line on stdout, in order:
//   {"module": "/abs/path/x.js", "op": "describe"}
//   {"module": ..., "op": "plan", "params": [["k", "v"], ...]}
//   {"module": ..., "op": "run", "connection": {"accessToken", "apiBase"}, "params": [...]}
// and for a trigger (the module's `trigger` export):
//   {"module": ..., "op": "trigger-describe"}
//   {"module": ..., "op": "check", "params": [...]}
//   {"module": ..., "op": "map-event", "event": "JSON text", "params": [...]}
// ->
//   {"ok": value} | {"err": {"tag", "val"}} (the action-error or trigger-error)
//   | {"trap": "message"}
// (`check` answers {"ok": null}: its result has no ok payload.)
// Each transpiled module is imported once and its instance reused for every
// later call, as a Node program would. s64 values (BigInt) are written as
// {"$bigint": "digits"}; absent options as null.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const modules = new Map();
const encode = (_key, v) =>
  typeof v === "bigint" ? { $bigint: v.toString() } : v === undefined ? null : v;

async function call(job) {
  if (!modules.has(job.module)) {
    modules.set(job.module, await import(pathToFileURL(job.module).href));
  }
  const { action, trigger } = modules.get(job.module);
  switch (job.op) {
    case "describe":
      return action.describe();
    case "plan":
      return action.plan(job.params);
    case "run":
      return action.run(job.connection, job.params);
    case "trigger-describe":
      return trigger.describe();
    case "check":
      return trigger.check(job.params);
    case "map-event":
      return trigger.mapEvent(job.event, job.params);
    default:
      throw new Error(`unknown op ${job.op}`);
  }
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  let outcome;
  try {
    outcome = { ok: await call(JSON.parse(line)) };
  } catch (e) {
    // jco throws a ComponentError carrying the `err` case of a result.
    if (e && e.constructor && e.constructor.name === "ComponentError" && "payload" in e) {
      outcome = { err: e.payload };
    } else {
      outcome = { trap: String((e && e.stack) || e) };
    }
  }
  process.stdout.write(JSON.stringify(outcome, encode) + "\n");
}
