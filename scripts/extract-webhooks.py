#!/usr/bin/env python3
"""Extract the payload schemas of the Zoom events the simulator sends.

Reads Zoom's own webhook documents (OpenAPI 3.1 `webhooks` objects:
meetings-events.json, phone-events.json, users-events.json,
marketplace-events.json; see ../shared/zoom-openapi/SOURCES.md) and writes
one trimmed JSON Schema (draft 2020-12) per event type the simulator emits
to tests/simulator/webhook-schemas/EVENT.json, plus index.json naming the
source documents and their sha256. The simulator's tests validate every
body it sends against these files.

It also writes Zoom's documented example body of each of those events (the
request body's `json-example`, a JSON text in Zoom's documents) to
tests/simulator/webhook-examples/EVENT.json, pretty-printed (indent 2, keys
in Zoom's order); an event Zoom documents no example for gets no file. An
example that is not strict JSON (a syntax error, a duplicate key, NaN or
Infinity) stops the script with the event's name and the reason. The tests
validate every example against its event's schema.

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
EXAMPLES_DIR = os.path.join(REPO_ROOT, "tests", "simulator", "webhook-examples")
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
    "meeting.summary_completed": "meetings-events.json",
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


class ExampleError(Exception):
    pass


def _strict_object(pairs):
    """A JSON object whose keys are all different (json.loads would keep
    the last of two equal keys without a word)."""
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ExampleError("duplicate key %r" % key)
        seen.add(key)
    return dict(pairs)


def _no_constant(name):
    # NaN, Infinity and -Infinity: Python reads them, JSON does not have them.
    raise ExampleError("%s is not JSON" % name)


def example_text(event, source, content):
    """Zoom's documented example body of `event` (the `json-example`, a JSON
    text), pretty-printed; None when Zoom documents none. Not strict JSON:
    SystemExit naming the event and why."""
    example = content.get("examples", {}).get("json-example")
    if example is None or "value" not in example:
        return None
    value = example["value"]
    if not isinstance(value, str):
        raise SystemExit("%s: the json-example of %s is a %s, not a JSON text"
                         % (source, event, type(value).__name__))
    try:
        parsed = json.loads(value, object_pairs_hook=_strict_object,
                            parse_constant=_no_constant)
    except (ValueError, ExampleError) as err:
        # json.JSONDecodeError is a ValueError and says where.
        raise SystemExit("%s: the json-example of %s is not valid JSON: %s"
                         % (source, event, err))
    return json.dumps(parsed, indent=2, ensure_ascii=False) + "\n"


def build(source_dir):
    """({file name: text} of the schema extract, {file name: text} of the
    examples)."""
    docs, sources = {}, {}
    for name in sorted(set(EVENTS.values())):
        with open(os.path.join(source_dir, name), "rb") as fh:
            raw = fh.read()
        docs[name] = json.loads(raw.decode("utf-8"))
        sources[name] = hashlib.sha256(raw).hexdigest()
    files, examples = {}, {}
    for event, source in sorted(EVENTS.items()):
        doc = docs[source]
        try:
            body = doc["webhooks"][event]["post"]["requestBody"]
            content = body["content"]["application/json"]
            schema = content["schema"]
        except KeyError:
            raise SystemExit("event not found in %s: %s" % (source, event))
        example = example_text(event, source, content)
        if example is not None:
            examples[event + ".json"] = example
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
    return files, examples


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    source_dir = args[0] if args else DEFAULT_SOURCE_DIR
    schemas, examples = build(source_dir)
    ok = True
    for directory, files in ((OUTPUT_DIR, schemas), (EXAMPLES_DIR, examples)):
        for name, text in sorted(files.items()):
            ok = write_or_check(os.path.join(directory, name), text, check, SCRIPT) and ok
        # A file no event produces any more is stale too.
        if os.path.isdir(directory):
            for name in sorted(os.listdir(directory)):
                if name.endswith(".json") and name not in files:
                    sys.stderr.write("%s is not produced by the extract; remove it\n"
                                     % os.path.join(os.path.relpath(directory, REPO_ROOT), name))
                    ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
