#!/usr/bin/env python3
"""Extract the payload schemas of the Zoom events the simulator sends.

Reads Zoom's own webhook documents (OpenAPI 3.1 `webhooks` objects:
meetings-events.json, phone-events.json, users-events.json,
marketplace-events.json; see ../shared/zoom-openapi/SOURCES.md) and writes
one trimmed JSON Schema (draft 2020-12) per event type the simulator emits
to tests/simulator/webhook-schemas/EVENT.json, plus index.json naming the
source documents and their sha256. The simulator's tests validate every
body it sends against these files.

Usage (from the repository root):

    python3 scripts/extract-webhooks.py [WEBHOOKS_DIR] [--check]

WEBHOOKS_DIR defaults to ../shared/zoom-openapi/webhooks (relative to the
repo root). With --check, nothing is written; the exit status is 1 if the
committed extract differs from what would be generated.

Standard library only.
"""

import hashlib
import json
import os
import sys

from extract_common import write_or_check

SCRIPT = "extract-webhooks.py"

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SOURCE_DIR = os.path.join(REPO_ROOT, "..", "shared", "zoom-openapi", "webhooks")
OUTPUT_DIR = os.path.join(REPO_ROOT, "tests", "simulator", "webhook-schemas")
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"

# The simulator's EVENT_TYPES (tests/simulator/src/events/mod.rs; a test
# there checks both lists agree) -> the document that defines each.
EVENTS = {
    "meeting.created": "meetings-events.json",
    "meeting.updated": "meetings-events.json",
    "meeting.deleted": "meetings-events.json",
    "meeting.started": "meetings-events.json",
    "meeting.ended": "meetings-events.json",
    "meeting.participant_joined": "meetings-events.json",
    "meeting.participant_left": "meetings-events.json",
    "recording.completed": "meetings-events.json",
    "recording.transcript_completed": "meetings-events.json",
    "user.created": "users-events.json",
    "user.deactivated": "users-events.json",
    "phone.callee_call_history_completed": "phone-events.json",
    "phone.caller_call_history_completed": "phone-events.json",
    "app_deauthorized": "marketplace-events.json",
}

# Structure kept: what a validator needs to check a body's shape. `format`
# is dropped (Zoom's int64/int8 are not JSON Schema formats, and the tests
# check shapes, not formats); so are prose and vendor keys.
KEEP = ("type", "properties", "required", "items", "enum", "additionalProperties",
        "anyOf", "oneOf", "allOf", "pattern", "minimum", "maximum", "const")
IGNORED = ("description", "example", "examples", "format", "deprecated", "title",
           "additionalItems", "default", "readOnly", "x-enum", "x-enum-descriptions")


class Resolver:
    def __init__(self, doc, name):
        self.doc = doc
        self.name = name

    def resolve(self, node):
        """Follow local $refs. Zoom's refs say #/paths/... although the
        document keeps events under `webhooks`; both are accepted."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise SystemExit("%s: unsupported external $ref %s" % (self.name, ref))
            parts = [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
            if parts[0] == "paths" and "paths" not in self.doc:
                parts[0] = "webhooks"
            target = self.doc
            for part in parts:
                target = target[part]
            node = target
            seen += 1
            if seen > 50:
                raise SystemExit("%s: $ref loop at %s" % (self.name, ref))
        return node

    def trim(self, schema, where, depth=0):
        if depth > 40:
            raise SystemExit("%s: schema too deep at %s" % (self.name, where))
        schema = self.resolve(schema)
        if isinstance(schema, bool):
            return schema
        out = {}
        for key, val in schema.items():
            if key in IGNORED:
                continue
            if key not in KEEP:
                # A new construct in Zoom's documents is noticed, not dropped.
                raise SystemExit("%s: unknown keyword %r at %s" % (self.name, key, where))
            if key == "properties":
                out[key] = {n: self.trim(s, where + "/" + n, depth + 1) for n, s in val.items()}
            elif key in ("items", "additionalProperties") and isinstance(val, dict):
                out[key] = self.trim(val, where + "/" + key, depth + 1)
            elif key in ("anyOf", "oneOf", "allOf"):
                out[key] = [self.trim(s, where + "/" + key, depth + 1) for s in val]
            else:
                out[key] = val
        return out


def build(source_dir):
    """{file name: text} of the whole extract."""
    docs, sources = {}, {}
    for name in sorted(set(EVENTS.values())):
        with open(os.path.join(source_dir, name), "rb") as fh:
            raw = fh.read()
        docs[name] = json.loads(raw.decode("utf-8"))
        sources[name] = hashlib.sha256(raw).hexdigest()
    files = {}
    for event, source in sorted(EVENTS.items()):
        doc = docs[source]
        try:
            body = doc["webhooks"][event]["post"]["requestBody"]
            schema = body["content"]["application/json"]["schema"]
        except KeyError:
            raise SystemExit("event not found in %s: %s" % (source, event))
        trimmed = Resolver(doc, source).trim(schema, event)
        text = dict({
            "$schema": JSON_SCHEMA,
            "$comment": "The body of Zoom's %s event, from %s (sha256 %s), trimmed by "
                        "scripts/extract-webhooks.py; do not edit by hand."
                        % (event, source, sources[source][:16]),
        }, **trimmed)
        files[event + ".json"] = json.dumps(text, sort_keys=True, indent=1,
                                            ensure_ascii=False) + "\n"
    index = {
        "about": "Payload schemas of the events the simulator sends, one file per event "
                 "type, extracted from Zoom's webhook documents (scripts/extract-webhooks.py).",
        "events": sorted(EVENTS),
        "sources": sources,
    }
    files["index.json"] = json.dumps(index, sort_keys=True, indent=1) + "\n"
    return files


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    source_dir = args[0] if args else DEFAULT_SOURCE_DIR
    files = build(source_dir)
    ok = True
    for name, text in sorted(files.items()):
        ok = write_or_check(os.path.join(OUTPUT_DIR, name), text, check, SCRIPT) and ok
    # A file no event produces any more is stale too.
    if os.path.isdir(OUTPUT_DIR):
        for name in sorted(os.listdir(OUTPUT_DIR)):
            if name.endswith(".json") and name not in files:
                sys.stderr.write("%s is not produced by the extract; remove it\n"
                                 % os.path.join(os.path.relpath(OUTPUT_DIR, REPO_ROOT), name))
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
