#!/usr/bin/env python3
"""Extract the Zoom OpenAPI operations used by the 33 wrk-zoom actions.

Reads Zoom's own OpenAPI 3.0 documents (meetings.json, phone.json,
users.json; see ../shared/zoom-openapi/SOURCES.md) and writes a small,
deterministic extract to spec/zoom-operations.json.

Usage (from the repository root):

    python3 scripts/extract-openapi.py [SPEC_DIR] [--check]

SPEC_DIR defaults to ../shared/zoom-openapi (relative to the repo root).
With --check, nothing is written; the exit status is 1 if the committed
extract differs from what would be generated.

Standard library only.
"""

import hashlib
import json
import os
import re
import sys

from extract_common import write_or_check

SCRIPT = "extract-openapi.py"

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SPEC_DIR = os.path.join(REPO_ROOT, "..", "shared", "zoom-openapi")
OUTPUT = os.path.join(REPO_ROOT, "spec", "zoom-operations.json")
# Every operation's rate label, for pacing `api-call` by the path it calls.
RATE_LABELS_OUTPUT = os.path.join(REPO_ROOT, "spec", "rate-labels.json")
# The nested schema of structured body fields (meeting `settings`,
# `recurrence`, `tracking_fields`), one file per operation, for the
# components to check those fields before anything is sent.
BODY_SCHEMAS_DIR = os.path.join(REPO_ROOT, "spec", "body-schemas")
BODY_SCHEMA_OPERATIONS = {
    "POST /users/{userId}/meetings": "meeting-create.json",
    "PATCH /meetings/{meetingId}": "meeting-update.json",
}

SOURCE_FILES = ["meetings.json", "phone.json", "users.json"]

# What each action returns, as JSON Schema (draft 2020-12), derived from the
# success response of its operation and loosened where Zoom is loose (see
# output_schema); one file per action (an admin twin returns what its user
# action returns).
OUTPUT_SCHEMAS_DIR = os.path.join(REPO_ROOT, "spec", "output-schemas")
# Actions whose operation has a list the action does not page through
# (Zoom sends it whole); the e2e tests check this against the catalog.
UNPAGED = {
    "retrieve-meeting-recordings": "recording_files is one meeting's files, never paginated",
    "retrieve-call-history": "call_elements are one call's legs, never paginated",
}

# Operations used by the actions: key -> (source file, list key or None).
# The list key is the project's choice of the array to page through; the
# script checks it exists as an array property of the 200 response.
OPERATIONS = {
    "POST /users/{userId}/meetings": ("meetings.json", None),
    "PATCH /meetings/{meetingId}": ("meetings.json", None),
    "DELETE /meetings/{meetingId}": ("meetings.json", None),
    "GET /meetings/{meetingId}": ("meetings.json", None),
    "GET /users/{userId}/meetings": ("meetings.json", "meetings"),
    "GET /past_meetings/{meetingId}": ("meetings.json", None),
    "GET /past_meetings/{meetingId}/participants": ("meetings.json", "participants"),
    "GET /meetings/{meetingId}/transcript": ("meetings.json", None),
    "GET /meetings/{meetingId}/recordings": ("meetings.json", "recording_files"),
    "GET /users/{userId}/recordings": ("meetings.json", "meetings"),
    "GET /users/{userId}": ("users.json", None),
    "GET /phone/users/{userId}/call_history": ("phone.json", "call_logs"),
    "GET /report/meetings/{meetingId}": ("meetings.json", None),
    "GET /report/meetings/{meetingId}/participants": ("meetings.json", "participants"),
    "GET /report/meeting_activities": ("meetings.json", "meeting_activity_logs"),
    "GET /report/webinars/{webinarId}": ("meetings.json", None),
    "GET /report/history_meetings": ("meetings.json", "history_meetings"),
    "GET /phone/call_history": ("phone.json", "call_history"),
    "GET /phone/call_history/{callHistoryUuid}": ("phone.json", "call_elements"),
    "GET /phone/users": ("phone.json", "users"),
}

# Retired endpoints the product must not use (legacy phone call logs).
RETIRED = {
    "GET /phone/call_logs": "phone.json",
    "GET /phone/call_logs/{callLogId}": "phone.json",
    "GET /phone/users/{userId}/call_logs": "phone.json",
}

# The 33 actions: component name -> (connection, operation key or None).
# api-call / api-call-admin are generic passthroughs (no fixed operation).
USER_ACTIONS = [
    ("api-call", None),
    ("create-meeting", "POST /users/{userId}/meetings"),
    ("update-meeting", "PATCH /meetings/{meetingId}"),
    ("delete-meeting", "DELETE /meetings/{meetingId}"),
    ("retrieve-meeting", "GET /meetings/{meetingId}"),
    ("retrieve-meetings", "GET /users/{userId}/meetings"),
    ("retrieve-past-meeting", "GET /past_meetings/{meetingId}"),
    ("retrieve-past-meeting-participants", "GET /past_meetings/{meetingId}/participants"),
    ("retrieve-meeting-transcript", "GET /meetings/{meetingId}/transcript"),
    ("retrieve-meeting-recordings", "GET /meetings/{meetingId}/recordings"),
    ("retrieve-all-recordings", "GET /users/{userId}/recordings"),
    ("retrieve-user", "GET /users/{userId}"),
    ("retrieve-user-call-history", "GET /phone/users/{userId}/call_history"),
]
ADMIN_ONLY_ACTIONS = [
    ("retrieve-meeting-detail-report", "GET /report/meetings/{meetingId}"),
    ("retrieve-meeting-participant-report", "GET /report/meetings/{meetingId}/participants"),
    ("retrieve-meeting-activities-report", "GET /report/meeting_activities"),
    ("retrieve-webinar-detail-report", "GET /report/webinars/{webinarId}"),
    ("retrieve-history-meetings", "GET /report/history_meetings"),
    ("retrieve-account-call-history", "GET /phone/call_history"),
    ("retrieve-call-history", "GET /phone/call_history/{callHistoryUuid}"),
    ("retrieve-phone-users", "GET /phone/users"),
]


def actions():
    out = {}
    for name, op in USER_ACTIONS:
        out[name] = ("user", op)
        if name != "retrieve-user":
            out[name + "-admin"] = ("admin", op)
    for name, op in ADMIN_ONLY_ACTIONS:
        out[name] = ("admin", op)
    assert len(out) == 33, len(out)
    return out


# ---------------------------------------------------------------- helpers

SCHEMA_KEEP = (
    "type", "format", "enum", "required", "properties", "items",
    "allOf", "oneOf", "anyOf", "additionalProperties", "deprecated", "nullable",
)
PARAM_SCHEMA_KEEP = (
    "type", "format", "enum", "minimum", "maximum", "default",
    "minLength", "maxLength", "minItems", "maxItems", "pattern",
)
BODY_PROP_KEEP = (
    "type", "format", "enum", "maxLength", "minLength", "minimum", "maximum",
    "default", "deprecated",
)

# What the components' checker understands (components/spec/src/schema.rs);
# any other keyword in a nested body schema stops the script, so a new
# construct in Zoom's documents is noticed instead of silently unchecked.
BODY_SCHEMA_KEEP = (
    "type", "format", "enum", "required", "properties", "items",
    "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems",
)
BODY_SCHEMA_IGNORED = ("description", "example", "default", "deprecated",
                       "x-enum-descriptions", "title", "readOnly")
COMMA_LIST_RE = re.compile(r"comma[- ]separated", re.IGNORECASE)

RATE_RE = re.compile(r"Rate Limit Label[^`]*`([^`]+)`")
MD_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
HTML_TAG_RE = re.compile(r"<[^>]+>")


def short_description(text, limit=160):
    """First sentence of a Zoom description, markdown stripped, capped."""
    if not text:
        return ""
    t = MD_LINK_RE.sub(r"\1", text)
    t = HTML_TAG_RE.sub(" ", t)
    t = t.replace("**", "").replace("`", "").replace("\\", "")
    # First paragraph / bullet block only.
    t = re.split(r"\n\s*\n|\n\s*[*-] ", t.strip())[0]
    t = " ".join(t.split())
    m = re.search(r"(?<=[a-z0-9)\]'\"])\.(\s|$)", t)
    if m:
        t = t[: m.start() + 1]
    if len(t) > limit:
        t = t[: limit - 1].rstrip() + "\u2026"
    return t


class Resolver:
    def __init__(self, doc):
        self.doc = doc

    def resolve(self, node, depth=0):
        """Return node with a local $ref (#/...) replaced by its target."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise SystemExit("unsupported external $ref: " + ref)
            target = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[part]
            node = target
            seen += 1
            if seen > 50:
                raise SystemExit("$ref loop at " + ref)
        return node

    def trim_schema(self, schema, depth=0):
        if depth > 40:
            raise SystemExit("schema too deep (recursive $ref?)")
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return schema
        out = {}
        for key in SCHEMA_KEEP:
            if key not in schema:
                continue
            val = schema[key]
            if key == "properties":
                out[key] = {
                    name: self.trim_schema(sub, depth + 1) for name, sub in val.items()
                }
            elif key == "items":
                out[key] = self.trim_schema(val, depth + 1)
            elif key in ("allOf", "oneOf", "anyOf"):
                out[key] = [self.trim_schema(sub, depth + 1) for sub in val]
            elif key == "additionalProperties" and isinstance(val, dict):
                out[key] = self.trim_schema(val, depth + 1)
            else:
                out[key] = val
        return out


def pick(d, keys):
    return {k: d[k] for k in keys if k in d}


def find_array(schema, key):
    """True if `key` is an array property of an object schema (allOf-aware)."""
    if not isinstance(schema, dict):
        return False
    props = schema.get("properties", {})
    if key in props and props[key].get("type") == "array":
        return True
    return any(find_array(s, key) for s in schema.get("allOf", []))


# ---------------------------------------------------------------- extraction


def extract_parameters(res, path_item, op):
    params = []
    merged = {}
    for p in path_item.get("parameters", []) + op.get("parameters", []):
        p = res.resolve(p)
        merged[(p["name"], p["in"])] = p  # operation-level wins
    for p in merged.values():
        if p["in"] not in ("path", "query"):
            continue
        schema = res.resolve(p.get("schema", {}))
        entry = {
            "name": p["name"],
            "in": p["in"],
            "required": bool(p.get("required", False)),
            "description": short_description(p.get("description", "")),
        }
        entry.update(pick(schema, PARAM_SCHEMA_KEEP))
        if "items" in schema:
            entry["items"] = pick(res.resolve(schema["items"]), PARAM_SCHEMA_KEEP)
        for k in ("style", "explode", "deprecated"):
            if k in p:
                entry[k] = p[k]
        params.append(entry)
    return params


def extract_request_body(res, op):
    rb = op.get("requestBody")
    if rb is None:
        return None
    rb = res.resolve(rb)
    content = rb.get("content", {})
    out = {"required": bool(rb.get("required", False)),
           "content_types": sorted(content)}
    js = content.get("application/json")
    if js is None:
        return out
    schema = res.resolve(js.get("schema", {}))
    out["type"] = schema.get("type")
    out["required_properties"] = list(schema.get("required", []))
    props = {}
    for name, sub in schema.get("properties", {}).items():
        sub = res.resolve(sub)
        entry = pick(sub, BODY_PROP_KEEP)
        entry["description"] = short_description(sub.get("description", ""))
        if sub.get("type") == "array" and "items" in sub:
            entry["items"] = pick(res.resolve(sub["items"]), ("type", "format", "enum"))
        props[name] = entry
    out["properties"] = props
    return out


def extract_responses(res, op):
    out = {}
    for status, resp in op.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        resp = res.resolve(resp)
        content = resp.get("content", {})
        if "application/json" in content:
            schema = content["application/json"].get("schema")
            out[str(status)] = {
                "content_type": "application/json",
                "schema": res.trim_schema(schema) if schema is not None else None,
            }
        elif content:
            ct = sorted(content)[0]
            out[str(status)] = {"content_type": ct, "schema": None}
        else:
            out[str(status)] = {"content_type": None, "schema": None}
    return out


def rate_label(op):
    m = RATE_RE.search(op.get("description", ""))
    if not m:
        return None, None
    raw = m.group(1).strip()
    return raw.upper(), raw


def extract_operation(docs, key, source, full=True):
    method, path = key.split(" ", 1)
    doc = docs[source]
    res = Resolver(doc)
    try:
        path_item = doc["paths"][path]
        op = path_item[method.lower()]
    except KeyError:
        raise SystemExit("operation not found in %s: %s" % (source, key))
    ext = op.get("x-extensions", {})
    label, raw = rate_label(op)
    entry = {
        "method": method,
        "path": path,
        "operationId": op.get("operationId"),
        "summary": op.get("summary"),
        "source": source,
        "deprecated": bool(op.get("deprecated", False)),
        "rate_label": label,
        "classic_scopes": list(ext.get("x-macro-scopes", [])),
        "granular_scopes": list(ext.get("x-granular-scopes", [])),
        "permissions": list(ext.get("x-permissions", [])),
    }
    if raw is not None and raw != label:
        entry["rate_label_raw"] = raw
    if full:
        entry["parameters"] = extract_parameters(res, path_item, op)
        entry["request_body"] = extract_request_body(res, op)
        entry["responses"] = extract_responses(res, op)
        entry["error_statuses"] = sorted(
            str(s) for s in op.get("responses", {}) if not str(s).startswith("2"))
    return entry


def user_scopes(scopes):
    return [s for s in scopes if not s.endswith(":admin") and not s.endswith(":master")]


def admin_scopes(scopes):
    return [s for s in scopes if s.endswith(":admin")]


def build(spec_dir):
    docs = {}
    sources = {}
    for name in SOURCE_FILES:
        p = os.path.join(spec_dir, name)
        with open(p, "rb") as fh:
            raw = fh.read()
        doc = json.loads(raw.decode("utf-8"))
        docs[name] = doc
        sources[name] = {
            "sha256": hashlib.sha256(raw).hexdigest(),
            "openapi": doc.get("openapi"),
            "title": doc.get("info", {}).get("title"),
            "version": doc.get("info", {}).get("version"),
            "servers": [s.get("url") for s in doc.get("servers", [])],
        }

    operations = {}
    for key, (source, list_key) in OPERATIONS.items():
        entry = extract_operation(docs, key, source)
        entry["list_key"] = list_key
        if list_key is not None:
            ok = entry["responses"].get("200", {}).get("schema")
            if not find_array(ok, list_key):
                raise SystemExit("list key %r not an array in 200 of %s" % (list_key, key))
        if entry["deprecated"]:
            raise SystemExit("used operation is deprecated: " + key)
        operations[key] = entry

    retired = {}
    for key, source in RETIRED.items():
        entry = extract_operation(docs, key, source, full=False)
        retired[key] = entry

    acts = {}
    for name, (conn, op_key) in actions().items():
        a = {"connection": conn, "operation": op_key}
        if op_key is not None:
            op = operations[op_key]
            pick_fn = user_scopes if conn == "user" else admin_scopes
            a["classic_scopes"] = pick_fn(op["classic_scopes"])
            a["granular_scopes"] = pick_fn(op["granular_scopes"])
            a["list_key"] = op["list_key"]
            a["rate_label"] = op["rate_label"]
        acts[name] = a

    for name, a in acts.items():
        if a["operation"] in retired:
            raise SystemExit("action %s uses a retired operation" % name)

    return {
        "about": (
            "Trimmed extract of Zoom's OpenAPI 3.0 documents (API Hub endpoints.json) "
            "for the operations used by the wrk-zoom actions. Generated by "
            "scripts/extract-openapi.py; do not edit by hand. Provenance: spec/README.md."
        ),
        "sources": sources,
        "operations": operations,
        "retired": retired,
        "actions": acts,
    }


def body_field_schema(res, schema, where, depth=0):
    """The checkable part of one nested body schema (see BODY_SCHEMA_KEEP)."""
    if depth > 20:
        raise SystemExit("body schema too deep at " + where)
    schema = res.resolve(schema)
    unknown = sorted(set(schema) - set(BODY_SCHEMA_KEEP) - set(BODY_SCHEMA_IGNORED))
    if unknown:
        raise SystemExit("unsupported keyword(s) %s in the body schema at %s; "
                         "teach components/spec/src/schema.rs first" % (unknown, where))
    out = {}
    for key in BODY_SCHEMA_KEEP:
        if key not in schema:
            continue
        val = schema[key]
        if key == "properties":
            val = {name: body_field_schema(res, sub, where + "." + name, depth + 1)
                   for name, sub in val.items()}
        elif key == "items":
            val = body_field_schema(res, val, where + "[]", depth + 1)
        out[key] = val
    # Zoom documents some enums of text as "comma-separated values" of the
    # enum (recurrence.weekly_days "1,3"): each item must be in the enum.
    if schema.get("type") == "string" and "enum" in schema and \
            COMMA_LIST_RE.search(schema.get("description", "")):
        out["x-comma-separated"] = True
    return out


def build_body_schemas(spec_dir):
    """{file name: JSON text} of the nested body schemas per operation."""
    with open(os.path.join(spec_dir, "meetings.json"), encoding="utf-8") as fh:
        doc = json.load(fh)
    res = Resolver(doc)
    files = {}
    for key, file_name in BODY_SCHEMA_OPERATIONS.items():
        method, path = key.split(" ", 1)
        op = doc["paths"][path][method.lower()]
        schema = res.resolve(
            res.resolve(op["requestBody"])["content"]["application/json"]["schema"])
        fields = {}
        for name, sub in schema.get("properties", {}).items():
            sub = res.resolve(sub)
            if sub.get("type") in ("object", "array") and \
                    ("properties" in sub or "items" in sub):
                fields[name] = body_field_schema(res, sub, name)
        files[file_name] = json.dumps(
            {"about": "Nested schema of the structured body fields of %s, from "
                      "Zoom's OpenAPI document (scripts/extract-openapi.py); "
                      "do not edit by hand." % key,
             "fields": fields},
            sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    return files


# ------------------------------------------------------------ output schemas

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
# Fields a workflow keys on: required at the top of a result when Zoom
# documents them there (never deeper: a guest participant has no id).
STABLE_IDS = ("id", "uuid")


def is_identifier(name):
    return name in ("id", "uuid") or name.endswith("_id") or name.endswith("Id")


def loosen(res, schema, name, depth=0):
    """One documented schema made permissive (draft 2020-12): descriptions
    and formats kept; documented values kept as `examples` (Zoom adds
    values); `nullable` and every optional scalar accept null; an
    identifier accepts a number or a string (Zoom sends both); unknown
    fields allowed; nothing required; oneOf read as anyOf."""
    if depth > 40:
        raise SystemExit("output schema too deep at " + name)
    schema = res.resolve(schema)
    if not isinstance(schema, dict):
        return {}
    out = {}
    if schema.get("description"):
        out["description"] = short_description(schema["description"], 200)
    if "format" in schema:
        out["format"] = schema["format"]
    if "enum" in schema:
        out["examples"] = [v for v in schema["enum"] if v is not None]
    elif "example" in schema and not isinstance(schema["example"], (dict, list)):
        out["examples"] = [schema["example"]]
    kind = schema.get("type")
    if kind is not None:
        kinds = [kind]
        if is_identifier(name) and kind in ("integer", "number", "string"):
            kinds = ["integer", "string"]
        if kind != "object" and kind != "array" or schema.get("nullable"):
            kinds.append("null")
        out["type"] = kinds[0] if len(kinds) == 1 else kinds
    if "properties" in schema:
        out["properties"] = {
            prop: loosen(res, sub, prop, depth + 1)
            for prop, sub in sorted(schema["properties"].items())
        }
    if "items" in schema:
        out["items"] = loosen(res, schema["items"], name, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            out["anyOf" if key == "oneOf" else key] = [
                loosen(res, sub, name, depth + 1) for sub in schema[key]
            ]
    return out


def top_level_properties(res, schema):
    schema = res.resolve(schema)
    props = set(schema.get("properties", {}))
    for sub in schema.get("allOf", []):
        props |= top_level_properties(res, sub)
    return props


def result_schema(res, op, list_key):
    """The schema of one answer of `op` (a page, for a list)."""
    responses = op.get("responses", {})
    for status in ("200", "201"):
        resp = responses.get(status) or responses.get(int(status))
        if resp is None:
            continue
        content = res.resolve(resp).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            break
        out = loosen(res, schema, "")
        present = top_level_properties(res, schema)
        required = [k for k in STABLE_IDS if k in present]
        if list_key is not None:
            required.append(list_key)
        if required:
            out["required"] = required
        return out
    return None


def envelope_schema(list_key, item):
    """What following every page answers: the items and the totals."""
    return {
        "type": "object",
        "description": "Every page of the list: the items, then the totals.",
        "required": [list_key, "total_records", "truncated"],
        "properties": {
            list_key: {"type": "array", "items": item},
            "total_records": {"type": "integer", "description": "Items returned."},
            "truncated": {"type": "boolean",
                          "description": "Whether it stopped before the end (a maximum)."},
            "next_page_token": {"type": "string",
                                "description": "Where to continue, when truncated."},
            "left_in_last_page": {"type": "integer",
                                  "description": "Items of the last page not returned."},
            "window": {
                "type": "object",
                "description": "The month window next_page_token belongs to.",
                "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
            },
        },
    }


def list_item(schema, list_key):
    prop = schema.get("properties", {}).get(list_key)
    if prop is None:
        for sub in schema.get("allOf", []):
            found = list_item(sub, list_key)
            if found is not None:
                return found
        return None
    return prop.get("items", {})


ANY_ID = {"type": ["integer", "string"]}
CUE = {
    "type": "object",
    "properties": {
        "start": {"type": "string", "description": "Start, HH:MM:SS.mmm."},
        "end": {"type": "string", "description": "End, HH:MM:SS.mmm."},
        "speaker": {"type": ["string", "null"], "description": "Who spoke, when the file says."},
        "text": {"type": "string"},
    },
}


def own_schemas(meeting):
    """The results the components make themselves (not Zoom's answer)."""
    return {
        "update-meeting": {
            "type": "object",
            "description": "What the update changed, and the meeting as it is now.",
            "required": ["updated", "meeting_id", "changed"],
            "properties": {
                "updated": {"const": True},
                "meeting_id": ANY_ID,
                "occurrence_id": {"type": ["string", "null"]},
                "changed": {"type": "object",
                            "description": "The fields sent, as sent."},
                "meeting": {"anyOf": [meeting, {"type": "null"}],
                            "description": "The meeting read back after the update."},
                "meeting_error": {"type": "string",
                                  "description": "Why the meeting could not be read back."},
            },
        },
        "delete-meeting": {
            "type": "object",
            "description": "What was deleted.",
            "required": ["deleted", "meeting_id", "whole_series"],
            "properties": {
                "deleted": {"const": True},
                "meeting_id": ANY_ID,
                "occurrence_id": {"type": ["string", "null"]},
                "whole_series": {"type": "boolean"},
            },
        },
        "api-call": {
            "description": "Zoom's answer to the request, as Zoom sent it "
                           "(or {\"ok\": true, \"status\": N} when it sent none).",
        },
    }


def transcript_schema(metadata):
    """Zoom's transcript metadata plus what the component adds."""
    out = json.loads(json.dumps(metadata))
    props = out.setdefault("properties", {})
    props.update({
        "available": {"type": "boolean",
                      "description": "Whether the transcript was downloaded and parsed."},
        "reason": {"type": ["string", "null"],
                   "description": "Why it is not available (Zoom's download_restriction_reason)."},
        "explanation": {"type": "string", "description": "The reason in words."},
        "cues": {"type": "array", "items": CUE, "description": "The WebVTT cues."},
        "turns": {"type": "array", "items": CUE,
                  "description": "Consecutive cues of one speaker, joined."},
        "speakers": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "speaker": {"type": ["string", "null"]},
                "talk_seconds": {"type": "number"},
                "turns": {"type": "integer"},
            },
        }, "description": "Talk time and turns per speaker."},
        "text": {"type": "string", "description": "One 'Speaker: text' line per turn."},
        "instance": {"type": "object", "description":
                     "The ended instance a numeric meeting ID was resolved to.",
                     "properties": {"uuid": {"type": "string"},
                                    "start_time": {"type": ["string", "null"]},
                                    "resolved_from": ANY_ID,
                                    "why": {"type": "string"}}},
    })
    out["required"] = ["available"]
    return out


def build_output_schemas(spec_dir):
    """{file name: JSON text}: each action's output schema (see loosen)."""
    docs = {}
    for name in SOURCE_FILES:
        with open(os.path.join(spec_dir, name), encoding="utf-8") as fh:
            docs[name] = json.load(fh)

    def schema_of(key, paged=True):
        source, list_key = OPERATIONS[key]
        list_key = list_key if paged else None
        method, path = key.split(" ", 1)
        res = Resolver(docs[source])
        return result_schema(res, docs[source]["paths"][path][method.lower()], list_key)

    own = own_schemas(schema_of("GET /meetings/{meetingId}"))
    files = {}

    def write(file_name, comment, schema):
        text = dict({"$schema": JSON_SCHEMA, "$comment": comment}, **schema)
        files[file_name] = json.dumps(text, sort_keys=True, indent=1,
                                      ensure_ascii=False) + "\n"

    for name, op_key in USER_ACTIONS + ADMIN_ONLY_ACTIONS:
        source = ("Zoom's documented answer to %s, loosened where Zoom is loose" % op_key
                  if op_key else "the component's own shape")
        list_key = OPERATIONS[op_key][1] if op_key and name not in UNPAGED else None
        if name in own:
            schema = own[name]
        elif name == "retrieve-meeting-transcript":
            schema = transcript_schema(schema_of(op_key))
        else:
            schema = schema_of(op_key, paged=name not in UNPAGED)
        if schema is None:
            raise SystemExit("no documented answer for " + name)
        write(name + ".json",
              "What %s (and its admin twin) returns: one answer%s. From %s "
              "(scripts/extract-openapi.py); do not edit by hand."
              % (name, ", a page of the list" if list_key else "", source),
              schema)
        if list_key is not None:
            item = list_item(schema, list_key)
            if item is None:
                raise SystemExit("list key %r missing from %s" % (list_key, name))
            write(name + ".all.json",
                  "What following every page of %s returns (the CLI's --all, "
                  "serve's \"all\": true): the items of every page and the totals "
                  "(scripts/extract-openapi.py); do not edit by hand." % name,
                  envelope_schema(list_key, item))
    return files


def render(data):
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def build_rate_labels(spec_dir):
    """Every operation of the documents with a rate label, sorted:
    [[method, path, LABEL], ...]."""
    rows = []
    for name in SOURCE_FILES:
        with open(os.path.join(spec_dir, name), encoding="utf-8") as fh:
            doc = json.load(fh)
        for path, item in doc.get("paths", {}).items():
            for method, op in item.items():
                if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                    continue
                label, _ = rate_label(op)
                if label:
                    rows.append([method.upper(), path, label])
    rows.sort()
    return json.dumps(
        {
            "about": "Zoom's rate label of every operation of the documents in "
            "../shared/zoom-openapi, by method and path template "
            "(scripts/extract-openapi.py).",
            "operations": rows,
        },
        indent=1,
        ensure_ascii=False,
    ) + "\n"


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    spec_dir = args[0] if args else DEFAULT_SPEC_DIR
    ok = write_or_check(OUTPUT, render(build(spec_dir)), check, SCRIPT)
    ok = write_or_check(RATE_LABELS_OUTPUT, build_rate_labels(spec_dir), check, SCRIPT) and ok
    for name, text in sorted(build_body_schemas(spec_dir).items()):
        ok = write_or_check(os.path.join(BODY_SCHEMAS_DIR, name), text, check, SCRIPT) and ok
    for name, text in sorted(build_output_schemas(spec_dir).items()):
        ok = write_or_check(os.path.join(OUTPUT_SCHEMAS_DIR, name), text, check, SCRIPT) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
