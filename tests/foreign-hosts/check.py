#!/usr/bin/env python3
"""Every action and trigger component in two foreign WASI hosts, compared with ours.

Runs each of the action components (the list: `wrk-zoom actions --json`) and
each of the trigger components (`wrk-zoom triggers list --json`) in the
wasmtime CLI (`wasmtime run [-S http] --invoke ...`, WAVE in and out; triggers
without `-S http`) and in Node.js through `jco transpile` (runner.mjs), and
compares with the wrk-zoom CLI:

  describe()  all actions   vs `wrk-zoom describe NAME`
  plan()      all actions   vs `wrk-zoom run NAME k=v... --dry-run` (and a few
                            refused parameter sets vs `--json-errors`)
  run()       RUN_CASES     vs `wrk-zoom run NAME k=v... --api-base SIM --token T`
                            against `wrk-zoom sandbox` (the Zoom simulator)
  describe()  all triggers  vs `wrk-zoom triggers describe NAME` (`--schema`,
                            `--sample`)
  map-event() all triggers  on each documented example of their events
                            (tests/simulator/webhook-examples), and TRIGGER_CASES
                            (filters, escapes, refusals), vs `wrk-zoom triggers
                            run NAME --event FILE k=v... --json-errors`
  check()     all triggers  an accepted and a refused parameter set (derived from
                            the trigger's parameters) vs `triggers run` on an
                            example (our CLI has no `check`)

plus the documented commands of README.md (between the `check:` markers) and
the Node example (examples/node), and the gateway: the composed
`<action>.http.wasm` in `wasmtime serve` against `wrk-zoom serve`
(GATEWAY_CASES: the same HTTP status and JSON) and the documented commands
of components/gateway/README.md. Python 3.11 standard library only. See
README.md beside this file for what is normalised and why.

Exit status: 0 when everything matches, 1 on any mismatch (each with a diff
naming the action or trigger, the host and the field), 2 when the checker
cannot run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wave_value as wave  # noqa: E402  (not the standard library's audio module)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
HOSTS = ("wasmtime", "jco")
USER_TOKEN = "sim-user-token"  # zoom_simulator::seed::USER_TOKEN
ADMIN_TOKEN = "sim-admin-token"  # zoom_simulator::seed::ADMIN_TOKEN
TIMEOUT = 120


class Fatal(Exception):
    """The checker itself cannot go on (a tool is missing, the simulator does not start)."""


# --------------------------------------------------------------------------
# Sample parameters: plan() of every action is compared with these.
# --------------------------------------------------------------------------

def plan_samples(today: dt.date) -> dict[str, list[tuple[str, str]]]:
    d = lambda days: (today - dt.timedelta(days=days)).isoformat()  # noqa: E731
    return {
        "api-call": [("method", "GET"), ("path", "/users/me/meetings"),
                     ("query", '{"page_size":30,"type":"scheduled"}')],
        "api-call-admin": [("method", "PATCH"), ("path", "/meetings/81234567001"),
                           ("body", '{"topic":"Renamed \\"quoted\\""}')],
        "create-meeting": [("topic", "Standup ü & co"), ("type", "2"), ("duration", "30"),
                           ("start_time", "2026-12-01T09:00:00+02:00"),
                           ("settings", '{"waiting_room":true,"mute_upon_entry":false}'),
                           ("tracking_fields", '[{"field":"team","value":"core"}]'),
                           ("agenda", "line one\nline two")],
        "create-meeting-admin": [("userId", "alan.turing@example.com"), ("topic", "Admin made"),
                                 ("type", "1"), ("default_password", "true")],
        "delete-meeting": [("meetingId", "812-3456-7001"), ("schedule_for_reminder", "true")],
        "delete-meeting-admin": [("meetingId", "https://us05web.zoom.us/j/82345678001?pwd=abc"),
                                 ("cancel_meeting_reminder", "false")],
        "retrieve-account-call-history": [("page_size", "50"), ("from", d(7)), ("to", d(0)),
                                          ("directions", "inbound,outbound"),
                                          ("call_types", '["general"]')],
        "retrieve-all-recordings": [("from", d(13)), ("to", d(0)), ("page_size", "10"),
                                    ("mc", "false")],
        "retrieve-all-recordings-admin": [("userId", "KDcuGIm1QgePTO8WbOqwIQ"), ("trash", "true"),
                                          ("trash_type", "recording_file")],
        "retrieve-call-history": [("callHistoryUuid", "20261128-48c1dfd4-91ce-4df5-8495-7c9e33d10869")],
        "retrieve-history-meetings": [("from", d(13)), ("to", d(0)), ("meeting_type", "all"),
                                      ("meeting_feature", "poll,waiting_room")],
        "retrieve-meeting": [("meetingId", "812 3456 7001"), ("show_previous_occurrences", "true")],
        "retrieve-meeting-activities-report": [("from", d(13)), ("to", d(0)), ("page_size", "100"),
                                               ("activity_type", "Meeting Started")],
        "retrieve-meeting-admin": [("meetingId", "82345678001")],
        "retrieve-meeting-detail-report": [("meetingId", "/ajXp112QmuoKj4854875==")],
        "retrieve-meeting-participant-report": [("meetingId", "Ab//cd3eF+g=="),
                                                ("include_fields", "registrant_id")],
        "retrieve-meeting-recordings": [("meetingId", "4RsgjlMtQ6uOqd3+5cq/kA=="),
                                        ("include_fields", "download_access_token"), ("ttl", "3600")],
        "retrieve-meeting-recordings-admin": [("meetingId", "99666777888")],
        "retrieve-meeting-transcript": [("meetingId", "4RsgjlMtQ6uOqd3+5cq/kA==")],
        "retrieve-meeting-transcript-admin": [("meetingId", "oT7hEr5uSeRmEeTiNg1Q2w==")],
        "retrieve-meetings": [("type", "upcoming"), ("page_size", "300"), ("from", d(0)),
                              ("to", d(-20)), ("timezone", "Europe/Berlin")],
        "retrieve-meetings-admin": [("userId", "bX3pQr7sTu9vWx1yZa2bCd"), ("type", "scheduled"),
                                    ("next_page_token", "abc")],
        "retrieve-past-meeting": [("meetingId", "Ab//cd3eF+g==")],
        "retrieve-past-meeting-admin": [("meetingId", "93012345678")],
        "retrieve-past-meeting-participants": [("meetingId", "/ajXp112QmuoKj4854875=="),
                                               ("page_size", "300")],
        "retrieve-past-meeting-participants-admin": [("meetingId", "lX5Yb0l9S3W6v1nBq8dJpA==")],
        "retrieve-phone-users": [("page_size", "100"), ("status", "activate"), ("keyword", "Ada L")],
        "retrieve-user": [],
        "retrieve-user-call-history": [("from", f"{d(1)}T00:00:00Z"), ("to", d(0)),
                                       ("directions", "outbound")],
        "retrieve-user-call-history-admin": [("userId", "ada.lovelace@example.com"),
                                             ("call_results", "answered,voicemail")],
        "retrieve-webinar-detail-report": [("webinarId", "91777888999")],
        "update-meeting": [("meetingId", "81234567001"), ("topic", "Renamed"),
                           ("agenda", "line1\nline2"), ("settings", '{"mute_upon_entry":true}')],
        "update-meeting-admin": [("meetingId", "82345678001"), ("duration", "60"),
                                 ("password", "xyz789")],
    }


# Parameter sets every host must refuse in plan() (invalid-params).
PLAN_ERRORS: list[tuple[str, list[tuple[str, str]]]] = [
    ("retrieve-meeting", [("meetingId", "12ab")]),
    ("create-meeting", [("dureation", "5"), ("type", "7")]),
    ("update-meeting", [("meetingId", "81234567001")]),
    ("retrieve-history-meetings", []),
]


# --------------------------------------------------------------------------
# run() cases against the simulator.
#
# phase "read": one simulator shared by all three hosts (nothing changes state).
# phase "write": a fresh simulator per host, the cases in this order, so each
# host starts from the same seeded state (created IDs are deterministic).
# "{next:ID}" in a value is that host's own next-page-token of case ID.
# --------------------------------------------------------------------------

RUN_CASES: list[dict[str, Any]] = [
    dict(id="get-by-id", phase="read", action="retrieve-meeting",
         params=[("meetingId", "81234567001")], expect="ok"),
    dict(id="user-me", phase="read", action="retrieve-user", params=[], expect="ok"),
    dict(id="list-page-1", phase="read", action="retrieve-meetings",
         params=[("page_size", "4")], expect="ok"),
    dict(id="list-page-2", phase="read", action="retrieve-meetings",
         params=[("page_size", "4"), ("next_page_token", "{next:list-page-1}")], expect="ok"),
    dict(id="uuid-slash", phase="read", action="retrieve-past-meeting-participants",
         params=[("meetingId", "/ajXp112QmuoKj4854875=="), ("page_size", "2")], expect="ok"),
    dict(id="uuid-double-slash", phase="read", action="retrieve-past-meeting",
         params=[("meetingId", "Ab//cd3eF+g==")], expect="ok"),
    dict(id="transcript", phase="read", action="retrieve-meeting-transcript",
         params=[("meetingId", "4RsgjlMtQ6uOqd3+5cq/kA==")], expect="ok"),
    dict(id="transcript-not-ready", phase="read", action="retrieve-meeting-transcript",
         params=[("meetingId", "Ab//cd3eF+g==")], expect="ok"),
    dict(id="recordings", phase="read", action="retrieve-meeting-recordings",
         params=[("meetingId", "96333444555")], expect="ok"),
    dict(id="admin-list", phase="read", action="retrieve-meetings-admin",
         params=[("userId", "bX3pQr7sTu9vWx1yZa2bCd")], expect="ok"),
    dict(id="admin-report", phase="read", action="retrieve-meeting-participant-report",
         params=[("meetingId", "4RsgjlMtQ6uOqd3+5cq/kA=="), ("page_size", "5")], expect="ok"),
    dict(id="phone-users", phase="read", action="retrieve-phone-users",
         params=[("page_size", "3")], expect="ok"),
    dict(id="phone-user-history", phase="read", action="retrieve-user-call-history",
         params=[("page_size", "3"), ("directions", "inbound")], expect="ok"),
    dict(id="phone-call", phase="read", action="retrieve-call-history",
         params=[("callHistoryUuid", "20261128-48c1dfd4-91ce-4df5-8495-7c9e33d10869")], expect="ok"),
    dict(id="api-call", phase="read", action="api-call",
         params=[("method", "GET"), ("path", "/users/me/meetings"), ("query", '{"page_size":2}')],
         expect="ok"),
    dict(id="invalid-params", phase="read", action="create-meeting",
         params=[("duration", "abc"), ("type", "7"), ("topci", "x")], expect="invalid-params"),
    dict(id="zoom-404", phase="read", action="retrieve-meeting",
         params=[("meetingId", "11111111111")], expect="zoom"),
    dict(id="zoom-scope", phase="read", action="retrieve-phone-users",
         params=[], token=USER_TOKEN, expect="zoom"),
    # Writes, in order, on a fresh simulator per host.
    dict(id="create", phase="write", action="create-meeting",
         params=[("topic", "Standup"), ("duration", "30"), ("start_time", "2026-12-01T09:00:00Z"),
                 ("password", "abc123"), ("settings", '{"waiting_room":true}')], expect="ok"),
    dict(id="update", phase="write", action="update-meeting",
         params=[("meetingId", "89100000001"), ("topic", "Changed"), ("duration", "45")],
         expect="ok"),
    dict(id="after-update", phase="write", action="retrieve-meeting",
         params=[("meetingId", "89100000001")], expect="ok"),
    dict(id="update-nothing", phase="write", action="update-meeting",
         params=[("meetingId", "89100000001"), ("topic", "Changed")], expect="ok"),
    dict(id="delete", phase="write", action="delete-meeting",
         params=[("meetingId", "89100000001")], expect="ok"),
    dict(id="after-delete", phase="write", action="retrieve-meeting",
         params=[("meetingId", "89100000001")], expect="zoom"),
    dict(id="admin-create", phase="write", action="create-meeting-admin",
         params=[("userId", "bX3pQr7sTu9vWx1yZa2bCd"), ("topic", "For Alan"), ("type", "2"),
                 ("start_time", "2026-12-02T10:00:00Z"), ("password", "xyz789")], expect="ok"),
    dict(id="admin-update", phase="write", action="update-meeting-admin",
         params=[("meetingId", "82345678001"), ("agenda", "New agenda")], expect="ok"),
    dict(id="admin-delete", phase="write", action="delete-meeting-admin",
         params=[("meetingId", "82345678002")], expect="ok"),
]

# Fields whose values cannot match between runs: masked (the field must still
# be present on both sides, with a value of the same JSON type).
# next_page_token: random salt and issue time in each token; last_login_time:
# the simulator's clock at the request (now - 1 h), so it moves between hosts.
READ_MASK = {"next_page_token", "last_login_time"}
WRITE_MASK = READ_MASK | {"uuid", "created_at"}  # random UUID, creation clock

# What the documented commands of README.md must print.
DOC_WASMTIME = [("describe", "retrieve-meeting", None),
                ("plan", "retrieve-meeting", [("meetingId", "812 3456 7001")]),
                ("run", "retrieve-meeting", [("meetingId", "81234567001")])]
DOC_NODE_ACTION = ("retrieve-meeting", [("meetingId", "81234567001")])


# --------------------------------------------------------------------------
# Normalising every host's values to one JSON shape: the WIT's, kebab-case
# field names, absent options as null, JSON text bodies parsed.
# --------------------------------------------------------------------------

def from_wave(v: Any) -> Any:
    """WAVE value -> plain JSON (options unwrapped, variants as {tag, val})."""
    if isinstance(v, wave.Label):
        return None if v.name == "none" else v.name
    if isinstance(v, wave.Case):
        if v.name == "some":
            return from_wave(v.payload)
        return {"tag": v.name, "val": from_wave(v.payload)}
    if isinstance(v, dict):
        return {k: from_wave(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [from_wave(x) for x in v]
    return v


def kebab(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), name)


def from_jco(v: Any) -> Any:
    """jco's JS value (via runner.mjs JSON) -> plain JSON with WIT field names."""
    if isinstance(v, dict):
        if set(v) == {"$bigint"}:
            return int(v["$bigint"])
        return {kebab(k): from_jco(x) for k, x in v.items()}
    if isinstance(v, list):
        return [from_jco(x) for x in v]
    return v


INFO_FIELDS = ["name", "title", "connection", "classic-scopes", "granular-scopes", "method",
               "path", "rate", "list-key", "params", "output-schema"]
PARAM_FIELDS = ["name", "kind", "location", "required", "description", "choices",
                "default-value", "minimum", "maximum"]
OPTIONAL = {"list-key", "default-value", "minimum", "maximum", "output-schema"}
# Each action's output schema as our host prints it (`wrk-zoom describe NAME
# --output-schema`), filled in by main(): `describe()` carries it as JSON text.
OUR_OUTPUT_SCHEMAS: dict[str, Any] = {}


def canon_record(value: dict, fields: list[str]) -> dict:
    """Known fields in WIT order, absent options as null; unknown fields kept (they show in diffs)."""
    out = {f: value.get(f) for f in fields if f in value or f in OPTIONAL}
    out.update({k: v for k, v in value.items() if k not in out})
    return out


def canon_info(plain: dict) -> dict:
    info = canon_record(plain, INFO_FIELDS)
    info["output-schema"] = parse_json_text(info.get("output-schema"))
    if isinstance(info.get("params"), list):
        info["params"] = [canon_record(p, PARAM_FIELDS) for p in info["params"]]
    return info


def params_from_host(specs: list[dict]) -> list[dict]:
    """The host's parameter JSON (`type`, `in`, `default`) -> WIT param-spec records."""
    params = []
    for p in specs:
        p = dict(p)
        q = {"name": p.pop("name", None), "kind": p.pop("type", None),
             "location": p.pop("in", None), "required": p.pop("required", None),
             "description": p.pop("description", None), "choices": p.pop("choices", []),
             "default-value": p.pop("default", None), "minimum": p.pop("minimum", None),
             "maximum": p.pop("maximum", None)}
        q.update({f"host:{k}": v for k, v in p.items()})  # unmapped: shows in the diff
        params.append(q)
    return params


def info_from_host(j: dict) -> dict:
    """`wrk-zoom describe` JSON -> the WIT shape."""
    j = dict(j)
    scopes = j.pop("scopes", {}) or {}
    plain = {"classic-scopes": scopes.get("classic"), "granular-scopes": scopes.get("granular"),
             "list-key": j.pop("list_key", None)}
    plain["params"] = params_from_host(j.pop("params", []))
    for k in ("name", "title", "connection", "method", "path", "rate"):
        plain[k] = j.pop(k, None)
    plain["output-schema"] = OUR_OUTPUT_SCHEMAS.get(plain["name"])
    plain.update({f"host:{k}": v for k, v in j.items()})
    return canon_info(plain)


def parse_json_text(text: Any) -> Any:
    """A JSON text body -> its value (as the host does: text that is not JSON stays text)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def canon_plan(plain: dict) -> dict:
    return {"method": plain.get("method"), "url": plain.get("url"),
            "headers": [list(h) for h in plain.get("headers") or []],
            "body": parse_json_text(plain.get("body"))}


def canon_error(err: Any) -> dict:
    """The WIT action-error {tag, val} -> {variant, ...}."""
    if not isinstance(err, dict) or "tag" not in err:
        return {"variant": "?", "value": err}
    tag, val = err["tag"], err.get("val")
    if tag == "invalid-params":
        return {"variant": tag, "params": [{"name": p.get("name"), "message": p.get("message")}
                                           for p in val or []]}
    if tag == "zoom":
        return {"variant": tag, "status": val.get("status"), "code": val.get("code"),
                "message": val.get("message"), "body": parse_json_text(val.get("body"))}
    return {"variant": tag, "message": val}


def error_from_host(j: dict) -> dict:
    """`--json-errors` object -> {variant, ...} (message: the host's sentence)."""
    kind = j.get("error")
    if kind == "invalid-params":
        return {"variant": kind, "params": j.get("params"), "message": j.get("message")}
    if kind == "zoom":
        return {"variant": kind, "status": j.get("status"), "code": j.get("code"),
                "message": j.get("message"), "body": j.get("body")}
    if kind in ("transport", "unexpected-response"):
        return {"variant": kind, "message": j.get("message")}
    return {"variant": f"host:{kind}", "message": j.get("message"), "category": j.get("category")}


def trigger_error_from_host(j: dict) -> dict:
    """A `triggers run --json-errors` object -> {variant, ...}: the trigger's
    invalid-event is the host's invalid-input of the field `event`."""
    if j.get("error") == "invalid-input" and j.get("field") == "event":
        return {"variant": "invalid-event", "message": j.get("message")}
    return error_from_host(j)


def mask(value: Any, keys: set[str]) -> Any:
    """Values of `keys` anywhere in a JSON value -> a placeholder keeping the JSON type."""
    if isinstance(value, dict):
        return {k: (masked(v) if k in keys else mask(v, keys)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, keys) for v in value]
    return value


def masked(v: Any) -> Any:
    if isinstance(v, str):
        return "<masked>" if v else ""
    return f"<masked {type(v).__name__}>"


# An outcome of one call in one host: ("ok", value) | ("err", error dict) | ("trap", text)

def outcome_from_result(plain: Any) -> tuple[str, Any]:
    """A result<T, action-error> in plain form ({tag: ok|err, val}) -> outcome."""
    if isinstance(plain, dict) and plain.get("tag") == "ok":
        return ("ok", plain.get("val"))
    if isinstance(plain, dict) and plain.get("tag") == "err":
        return ("err", canon_error(plain.get("val")))
    return ("trap", f"not a result: {plain!r}"[:500])


# --------------------------------------------------------------------------
# Diffs
# --------------------------------------------------------------------------

def diff(a: Any, b: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            sub = f"{path}.{k}" if path else str(k)
            if k not in a:
                out.append((sub, "<absent>", b[k]))
            elif k not in b:
                out.append((sub, a[k], "<absent>"))
            else:
                out += diff(a[k], b[k], sub)
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for i in range(max(len(a), len(b))):
            sub = f"{path}[{i}]"
            if i >= len(a):
                out.append((sub, "<absent>", b[i]))
            elif i >= len(b):
                out.append((sub, a[i], "<absent>"))
            else:
                out += diff(a[i], b[i], sub)
        return out
    if a != b or type(a) is not type(b):
        return [(path or "<value>", a, b)]
    return []


def short(v: Any, n: int = 160) -> str:
    s = v if isinstance(v, str) and v.startswith("<") else json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "…"


class Report:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, str]] = {}  # (check, action) -> host -> mark
        self.failures: list[str] = []

    def mark(self, check: str, action: str, host: str, ok: bool) -> None:
        cell = self.rows.setdefault((check, action), {})
        if cell.get(host) != "FAIL":
            cell[host] = "ok" if ok else "FAIL"

    def fail(self, check: str, action: str, host: str, what: str,
             pairs: list[tuple[str, Any, Any]] | None = None, left: str = "host",
             right: str | None = None) -> None:
        self.mark(check, action, host, False)
        lines = [f"MISMATCH {check} {action} [{host}]: {what}"]
        for path, a, b in (pairs or [])[:12]:
            lines.append(f"    field {path}: {left}={short(a)} {right or host}={short(b)}")
        if pairs and len(pairs) > 12:
            lines.append(f"    ... and {len(pairs) - 12} more fields")
        self.failures.append("\n".join(lines))

    def compare(self, check: str, action: str, host: str, expected: Any, got: Any,
                left: str = "host") -> bool:
        pairs = diff(expected, got)
        if pairs:
            self.fail(check, action, host, f"{host} differs from {left}", pairs, left=left)
            return False
        self.mark(check, action, host, True)
        return True


# --------------------------------------------------------------------------
# The hosts
# --------------------------------------------------------------------------

def run_proc(args: list[str], **kw: Any) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, **kw)


class OurHost:
    def __init__(self, exe: Path):
        self.exe = str(exe)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("ZOOM_ACCESS_TOKEN", "ZOOM_API_BASE")}

    def json_out(self, *args: str) -> Any:
        p = run_proc([self.exe, *args], env=self.env)
        if p.returncode != 0:
            raise Fatal(f"wrk-zoom {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
        return json.loads(p.stdout)

    def _call(self, args: list[str]) -> tuple[str, Any]:
        p = run_proc([self.exe, "--json-errors", *args], env=self.env)
        if p.returncode == 0:
            return ("ok", json.loads(p.stdout))
        objects = [l for l in p.stderr.splitlines() if l.startswith("{")]
        if not objects:
            return ("trap", f"exit {p.returncode}: {p.stderr.strip()}")
        return ("err", error_from_host(json.loads(objects[-1])))

    def plan(self, action: str, params: list[tuple[str, str]]) -> tuple[str, Any]:
        return self._call(["run", action, *[f"{k}={v}" for k, v in params], "--dry-run"])

    def run(self, action: str, params: list[tuple[str, str]], base: str, token: str):
        return self._call(["run", action, *[f"{k}={v}" for k, v in params],
                           "--api-base", base, "--token", token])

    def map_event(self, trigger: str, event: Path, params: list[tuple[str, str]]):
        """`wrk-zoom triggers run NAME --event FILE k=v...`: ("ok", [{key, output}, ...])."""
        p = run_proc([self.exe, "--json-errors", "triggers", "run", trigger, "--event", str(event),
                      *[f"{k}={v}" for k, v in params]], env=self.env)
        if p.returncode == 0:
            try:
                return ("ok", [json.loads(l) for l in p.stdout.splitlines() if l.strip()])
            except ValueError as e:
                return ("trap", f"an output line is not JSON ({e}): {p.stdout[:300]!r}")
        objects = [l for l in p.stderr.splitlines() if l.startswith("{")]
        if not objects:
            return ("trap", f"exit {p.returncode}: {p.stderr.strip()}")
        return ("err", trigger_error_from_host(json.loads(objects[-1])))


class Wasmtime:
    def __init__(self, exe: str, wasm_dir: Path):
        self.exe = exe
        self.wasm_dir = wasm_dir

    def invoke(self, action: str, call: str, http: bool = True) -> tuple[str, Any]:
        wasm = self.wasm_dir / f"{action.replace('-', '_')}.wasm"
        p = run_proc([self.exe, "run", *(["-S", "http"] if http else []), "--invoke", call,
                      str(wasm)])
        if p.returncode != 0:
            return ("trap", f"exit {p.returncode}: {p.stderr.strip()[-800:]}")
        try:
            return ("ok", from_wave(wave.parse(p.stdout)))
        except wave.WaveError as e:
            return ("trap", f"{e}; output: {p.stdout[:300]!r}")

    def describe(self, action: str) -> tuple[str, Any]:
        return self.invoke(action, "describe()")

    def plan(self, action: str, params):
        kind, v = self.invoke(action, f"plan({wave.params(params)})")
        return outcome_from_result(v) if kind == "ok" else (kind, v)

    def run(self, action: str, params, base: str, token: str):
        kind, v = self.invoke(action, f"run({wave.connection(token, base)}, {wave.params(params)})")
        return outcome_from_result(v) if kind == "ok" else (kind, v)

    # A trigger imports no wasi:http: it runs without `-S http`.
    def trigger_describe(self, trigger: str) -> tuple[str, Any]:
        return self.invoke(trigger, "describe()", http=False)

    def check(self, trigger: str, params):
        kind, v = self.invoke(trigger, f"check({wave.params(params)})", http=False)
        if kind == "ok" and v == "ok":  # result<_, E>: a bare `ok`
            return ("ok", None)
        return outcome_from_result(v) if kind == "ok" else (kind, v)

    def map_event(self, trigger: str, event: str, params):
        call = f"map-event({wave.string(event)}, {wave.params(params)})"
        kind, v = self.invoke(trigger, call, http=False)
        return outcome_from_result(v) if kind == "ok" else (kind, v)


class Jco:
    """Transpiles with jco (cached by the component's sha256) and calls runner.mjs."""

    def __init__(self, node_dir: Path, wasm_dir: Path, node: str):
        self.node_dir = node_dir
        self.wasm_dir = wasm_dir
        self.node = node
        self.cache = node_dir / "transpiled-cache"
        self.modules: dict[str, Path] = {}
        self.proc: subprocess.Popen | None = None

    def transpile(self, actions: list[str], prune: bool = True) -> tuple[int, int]:
        """Each component (actions and triggers) transpiled, or taken from the cache;
        `prune` removes the cached builds of every other component."""
        jco = self.node_dir / "node_modules" / ".bin" / "jco"
        if not jco.exists():
            raise Fatal(f"jco is not installed in {self.node_dir} (run .ci/foreign-hosts)")
        self.cache.mkdir(parents=True, exist_ok=True)
        made = 0
        keep = set()
        for action in actions:  # one at a time: the machine is small
            stem = action.replace("-", "_")
            wasm = self.wasm_dir / f"{stem}.wasm"
            digest = hashlib.sha256(wasm.read_bytes()).hexdigest()[:24]
            out = self.cache / f"{stem}-{digest}"
            keep.add(out.name)
            if not (out / f"{stem}.js").exists():
                tmp = Path(tempfile.mkdtemp(prefix=f".{stem}-", dir=self.cache))
                p = run_proc([str(jco), "transpile", str(wasm), "-o", str(tmp), "--quiet"])
                if p.returncode != 0:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise Fatal(f"jco transpile {wasm.name} failed: {p.stderr.strip()[-800:]}")
                shutil.rmtree(out, ignore_errors=True)
                tmp.rename(out)
                made += 1
            self.modules[action] = out / f"{stem}.js"
        for old in self.cache.iterdir() if prune else ():  # older builds of the same components
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)
        return made, len(actions) - made

    def start(self) -> None:
        self.proc = subprocess.Popen([self.node, str(HERE / "runner.mjs")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=None, text=True,
                                     cwd=self.node_dir)

    def stop(self) -> None:
        if self.proc:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def call(self, action: str, job: dict) -> tuple[str, Any]:
        job = {"module": str(self.modules[action]), **job}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise Fatal("the Node runner ended unexpectedly")
        out = json.loads(line)
        if "trap" in out:
            return ("trap", out["trap"][-800:])
        if "err" in out:
            return ("err", canon_error(from_jco(out["err"])))
        return ("ok", from_jco(out["ok"]))

    def describe(self, action: str):
        return self.call(action, {"op": "describe"})

    def plan(self, action: str, params):
        return self.call(action, {"op": "plan", "params": [list(p) for p in params]})

    def run(self, action: str, params, base: str, token: str):
        return self.call(action, {"op": "run", "params": [list(p) for p in params],
                                  "connection": {"accessToken": token, "apiBase": base}})

    def trigger_describe(self, trigger: str):
        return self.call(trigger, {"op": "trigger-describe"})

    def check(self, trigger: str, params):
        return self.call(trigger, {"op": "check", "params": [list(p) for p in params]})

    def map_event(self, trigger: str, event: str, params):
        return self.call(trigger, {"op": "map-event", "event": event,
                                   "params": [list(p) for p in params]})


class Sandbox:
    """`wrk-zoom sandbox` on a free port of 127.0.0.1, stopped on exit."""

    def __init__(self, exe: Path):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([str(exe), "sandbox", "--port", "0"], stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, start_new_session=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().strip() if ready else ""
        if not re.fullmatch(r"http://127\.0\.0\.1:\d+/v2", line):
            self.stop()
            raise Fatal(f"wrk-zoom sandbox did not print its base URL: {line!r} {self.banner()!r}")
        self.base = line
        # The seeded tokens, as the sandbox announces them (stderr, after the URL).
        deadline = time.monotonic() + 10
        while not all(t in self.banner() for t in (USER_TOKEN, ADMIN_TOKEN)):
            if time.monotonic() > deadline:
                self.stop()
                raise Fatal(f"wrk-zoom sandbox no longer announces the tokens {USER_TOKEN} and "
                            f"{ADMIN_TOKEN}: {self.banner()!r}")
            time.sleep(0.05)

    def banner(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


# --------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------

def reply_view(reply: dict, keys: set[str]) -> dict:
    """A foreign reply as `wrk-zoom run` prints it: the body, or {ok, status} without one."""
    body = parse_json_text(reply.get("body"))
    if body is None:
        return {"ok": True, "status": reply.get("status")}
    return mask(body, keys)


def foreign_reply(reply: dict, keys: set[str]) -> dict:
    token = reply.get("next-page-token")
    return {"status": reply.get("status"), "body": mask(parse_json_text(reply.get("body")), keys),
            "next-page-token": masked(token) if token is not None else None}


# The checks of trigger calls (compare_outcomes and cross_check tell them apart).
TRIGGER_CHECKS = {"map-event", "check"}


def outputs_view(outputs: Any) -> Any:
    """A foreign map-event()'s outputs as `wrk-zoom triggers run` prints them: each
    {key, output} with the output's JSON text parsed (check() has no value: None)."""
    if not isinstance(outputs, list):
        return outputs
    return [{"key": o.get("key"), "output": parse_json_text(o.get("output"))}
            if isinstance(o, dict) else o for o in outputs]


def compare_outcomes(report: Report, check: str, action: str, host: str,
                     ours: tuple[str, Any], theirs: tuple[str, Any], keys: set[str],
                     what: str) -> None:
    """One foreign host's run()/plan() outcome against our host's."""
    if theirs[0] == "trap":
        report.fail(check, action, host, f"{what}: {host} failed to call the component: {theirs[1]}")
        return
    if ours[0] != theirs[0]:
        report.fail(check, action, host,
                    f"{what}: host {'answered' if ours[0] == 'ok' else 'failed'}, "
                    f"{host} {'answered' if theirs[0] == 'ok' else 'failed'}",
                    [("outcome", ours[1], theirs[1])])
        return
    if ours[0] == "ok":
        if check in TRIGGER_CHECKS:  # map-event: the outputs, their JSON parsed; check: nothing
            got, expected = outputs_view(theirs[1]), ours[1]
        else:
            got = reply_view(theirs[1], keys) if check == "run" else canon_plan(theirs[1])
            expected = mask(ours[1], keys) if check == "run" else canon_plan(ours[1])
        if check == "plan":
            expected["headers"] = [list(h) for h in ours[1].get("headers") or []]
            expected["body"] = ours[1].get("body")
        pairs = diff(expected, got)
        if pairs:
            report.fail(check, action, host, f"{what}: {host} differs from host", pairs)
        else:
            report.mark(check, action, host, True)
        return
    # Both errors: the same variant and fields; the host's sentence holds the component's.
    exp = {k: v for k, v in ours[1].items() if k != "message"}
    got = {k: v for k, v in theirs[1].items() if k != "message"}
    pairs = diff(exp, got)
    msg = theirs[1].get("message")
    if ours[1]["variant"] != "invalid-params" and msg and msg not in (ours[1].get("message") or ""):
        pairs.append(("message", ours[1].get("message"), msg))
    if pairs:
        report.fail(check, action, host, f"{what}: {host} differs from host", pairs)
    else:
        report.mark(check, action, host, True)


def cross_check(report: Report, check: str, action: str, a: tuple[str, Any], b: tuple[str, Any],
                keys: set[str], what: str) -> None:
    """wasmtime against jco, exactly (after masking), reply fields the host does not print included."""
    def view(o):
        if check in TRIGGER_CHECKS:  # map-event: each output as the exact JSON text
            return o
        if o[0] == "ok" and check == "run":
            return ("ok", foreign_reply(o[1], keys))
        if o[0] == "ok":  # plan: the body as the exact JSON text
            return ("ok", {**canon_plan(o[1]), "body": o[1].get("body")})
        return o
    pairs = diff(view(a)[1], view(b)[1]) if a[0] == b[0] else [("outcome", a, b)]
    if pairs:
        report.fail(check, action, "jco", f"{what}: jco differs from wasmtime", pairs,
                    left="wasmtime", right="jco")


def check_describe(report, actions, ours_info, hosts):
    for action in actions:
        expected = info_from_host(ours_info[action])
        results = {}
        for name, host in hosts.items():
            kind, v = host.describe(action)
            if kind != "ok":
                report.fail("describe", action, name, f"describe() failed: {v}")
                continue
            results[name] = canon_info(v)
            report.compare("describe", action, name, expected, results[name])
        if len(results) == 2 and results["wasmtime"] != results["jco"]:
            report.fail("describe", action, "jco", "jco differs from wasmtime",
                        diff(results["wasmtime"], results["jco"]), left="wasmtime", right="jco")


def check_plans(report, ours, hosts, samples):
    cases = [(a, p, "sample") for a, p in samples.items()] + [(a, p, "refused") for a, p in PLAN_ERRORS]
    for action, params, label in cases:
        mine = ours.plan(action, params)
        check = "plan" if label == "sample" else "plan-refused"
        if label == "sample" and mine[0] != "ok":
            report.fail(check, action, "host", f"our host refused the sample parameters: {mine[1]}")
            continue
        if label == "refused" and (mine[0] != "err" or mine[1]["variant"] != "invalid-params"):
            report.fail(check, action, "host", f"our host did not refuse {params}: {mine}")
            continue
        outs = {}
        for name, host in hosts.items():
            outs[name] = host.plan(action, params)
            compare_outcomes(report, check, action, name, mine, outs[name], set(),
                             f"plan({label} {params_text(params)})")
        if len(outs) == 2:
            cross_check(report, check, action, outs["wasmtime"], outs["jco"], set(), "plan")


def params_text(params) -> str:
    text = " ".join(f"{k}={v}" for k, v in params)
    return text if len(text) < 90 else text[:90] + "…"


def resolve(params, tokens: dict[str, str | None]):
    out = []
    for k, v in params:
        m = re.fullmatch(r"\{next:([\w-]+)\}", v)
        if m:
            v = tokens.get(m.group(1)) or ""
        out.append((k, v))
    return out


def next_token(host: str, outcome) -> str | None:
    if outcome[0] != "ok":
        return None
    if host == "host":
        return outcome[1].get("next_page_token") if isinstance(outcome[1], dict) else None
    return outcome[1].get("next-page-token")


def run_phase(phase: str, cases, all_hosts, kinds, base_for, outcomes) -> None:
    """Runs the cases of `phase` in order in every host; outcomes[(case, host)]."""
    for hname, host in all_hosts.items():
        with base_for(hname) as base:
            tokens: dict[str, str | None] = {}
            for case in cases:
                if case["phase"] != phase:
                    continue
                token = case.get("token") or (ADMIN_TOKEN if kinds[case["action"]] == "admin"
                                              else USER_TOKEN)
                params = resolve(case["params"], tokens)
                o = host.run(case["action"], params, base, token)
                outcomes[(case["id"], hname)] = o
                tokens[case["id"]] = next_token(hname, o)


def check_runs(report, cases, outcomes, hosts) -> list[list[str]]:
    table = []
    for case in cases:
        keys = WRITE_MASK if case["phase"] == "write" else READ_MASK
        action, cid = case["action"], case["id"]
        ours = outcomes[(cid, "host")]
        what = f"run case {cid} ({params_text(case['params'])})"
        row = [cid, action, describe_outcome(ours)]
        expect = case.get("expect")
        if expect and not (ours[0] == "ok" if expect == "ok" else
                           ours[0] == "err" and ours[1]["variant"] == expect):
            report.fail("run", action, "host", f"{what}: our host's outcome is not the case's "
                        f"premise ({expect}): {describe_outcome(ours)} {short(ours[1], 300)}")
        for name in hosts:
            theirs = outcomes[(cid, name)]
            before = len(report.failures)
            compare_outcomes(report, "run", action, name, ours, theirs, keys, what)
            if name == "jco":
                cross_check(report, "run", action, outcomes[(cid, "wasmtime")], theirs, keys, what)
            row.append("same" if len(report.failures) == before else "DIFFERS")
        table.append(row)
    return table


def describe_outcome(o) -> str:
    if o[0] == "ok":
        return "ok" if not (isinstance(o[1], dict) and "ok" in o[1] and "status" in o[1]) \
            else f"ok {o[1]['status']}"
    if o[0] == "err":
        e = o[1]
        return e["variant"] + (f" {e.get('status')}/{e.get('code')}" if e["variant"] == "zoom" else "")
    return "trap"


def readme_block(name: str, readme: Path = HERE / "README.md") -> str:
    text = readme.read_text()
    m = re.search(rf"<!-- check:{name} -->\s*```sh\n(.*?)```\s*<!-- /check:{name} -->", text, re.S)
    if not m:
        raise Fatal(f"{readme} has no ```sh block between <!-- check:{name} --> markers")
    return m.group(1)


def run_block(block: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def check_docs(report, ours, sim_base, tools_env, ours_info, node_dir: Path, wasm_dir: Path):
    env = {**os.environ, **tools_env, "WASM_DIR": str(wasm_dir), "API_BASE": sim_base,
           "ZOOM_ACCESS_TOKEN": USER_TOKEN}
    # The wasmtime commands.
    p = run_block(readme_block("wasmtime"), REPO, env)
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    if p.returncode != 0 or len(lines) != len(DOC_WASMTIME):
        report.fail("docs", "README wasmtime", "wasmtime",
                    f"the documented commands exited {p.returncode} and printed {len(lines)} values "
                    f"(expected {len(DOC_WASMTIME)}): {p.stdout[-500:]} {p.stderr[-800:]}")
    else:
        for line, (op, action, params) in zip(lines, DOC_WASMTIME):
            try:
                value = from_wave(wave.parse(line))
            except wave.WaveError as e:
                report.fail("docs", "README wasmtime", "wasmtime", f"{op}: {e}")
                continue
            if op == "describe":
                report.compare("docs", "README wasmtime", "wasmtime",
                               info_from_host(ours_info[action]), canon_info(value))
            elif op == "plan":
                compare_outcomes(report, "plan", "README wasmtime", "wasmtime",
                                 ours.plan(action, params), outcome_from_result(value), set(),
                                 "documented plan")
                report.mark("docs", "README wasmtime", "wasmtime", True)
            else:
                compare_outcomes(report, "run", "README wasmtime", "wasmtime",
                                 ours.run(action, params, sim_base, USER_TOKEN),
                                 outcome_from_result(value), READ_MASK, "documented run")
                report.mark("docs", "README wasmtime", "wasmtime", True)

    # The Node example: its files into the installed package directory, then the
    # documented commands there.
    example = REPO / "examples" / "node"
    for name in ("package.json", "package-lock.json"):
        if (node_dir / name).read_bytes() != (example / name).read_bytes():
            report.fail("docs", "examples/node", "jco",
                        f"{node_dir / name} is not examples/node/{name} (run .ci/foreign-hosts)")
            return
    shutil.copyfile(example / "run.mjs", node_dir / "run.mjs")
    p = run_block(readme_block("node"), node_dir, env)
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0 or len(lines) != 2:
        report.fail("docs", "examples/node", "jco",
                    f"the documented Node commands exited {p.returncode}: {p.stdout[-500:]} {p.stderr[-800:]}")
        return
    action, params = DOC_NODE_ACTION
    info = from_jco(json.loads(lines[0]))
    for prm in info.get("params", []):  # run.mjs prints s64 values as strings
        for k in ("minimum", "maximum"):
            if isinstance(prm.get(k), str):
                prm[k] = int(prm[k])
    report.compare("docs", "examples/node", "jco", info_from_host(ours_info[action]), canon_info(info))
    printed = json.loads(lines[1])
    reply = {"status": printed.get("status"), "body": json.dumps(printed.get("body")),
             "next-page-token": printed.get("nextPageToken")}
    compare_outcomes(report, "run", "examples/node", "jco",
                     ours.run(action, params, sim_base, USER_TOKEN), ("ok", reply), READ_MASK,
                     "the example's run")


# --------------------------------------------------------------------------
# Triggers: every trigger component (`wrk-zoom triggers list --json`) against
# `wrk-zoom triggers describe` / `triggers run`, on Zoom's documented events.
# --------------------------------------------------------------------------

EXAMPLES = REPO / "tests" / "simulator" / "webhook-examples"  # EVENT.json, as Zoom documents them

# map-event() cases beyond every documented example without parameters.
# event: a documented example (its event type) or one of MADE_EVENTS.
# expect: how many outputs our host gives, or the trigger-error variant.
TRIGGER_CASES: list[dict[str, Any]] = [
    dict(id="file-types", trigger="recording-completed", event="recording.completed",
         params=[("file_types", "M4A")], expect=1),
    dict(id="file-types-two", trigger="recording-completed", event="recording.completed",
         params=[("file_types", "MP4,TRANSCRIPT"), ("topic_contains", "personal")], expect=1),
    dict(id="topic-nomatch", trigger="meeting-started", event="meeting.started",
         params=[("topic_contains", "nomatch")], expect=0),
    dict(id="meeting-id", trigger="meeting-started", event="meeting.started",
         params=[("meeting_id", "123 456-7890"), ("host_id", "x1yCzABCDEfg23HiJKl4mN")], expect=1),
    dict(id="other-meeting", trigger="meeting-ended", event="meeting.ended",
         params=[("meeting_id", "85123456789")], expect=0),
    dict(id="direction", trigger="phone-call-completed",
         event="phone.callee_call_history_completed", params=[("direction", "inbound")], expect=1),
    dict(id="direction-other", trigger="phone-call-completed",
         event="phone.caller_call_history_completed", params=[("direction", "outbound")], expect=0),
    dict(id="escapes", trigger="meeting-started", event="escapes",
         params=[("topic_contains", 'UP "q4" \\ c:\\tmp\nline ONE\tÜñï (🚀), ')], expect=1),
    dict(id="escapes-nomatch", trigger="meeting-started", event="escapes",
         params=[("topic_contains", "line one\nline two")], expect=0),
    dict(id="refused-param", trigger="recording-completed", event="recording.completed",
         params=[("file_type", "MP4")], expect="invalid-params"),
    dict(id="refused-choice", trigger="recording-completed", event="recording.completed",
         params=[("file_types", "MP4,WAV")], expect="invalid-params"),
    dict(id="wrong-event", trigger="recording-completed", event="meeting.started", params=[],
         expect="invalid-event"),
    dict(id="not-json", trigger="user-created", event="not-json", params=[],
         expect="invalid-event"),
]

# The topic of the "escapes" event: what a WAVE string literal must escape
# (quotes, backslash, newline, tab, CR, a control character), non-ASCII text
# and parentheses and commas (inside the `--invoke` call expression).
ESCAPES_TOPIC = 'Stand-up "Q4" \\ C:\\tmp\nline one\tüñï (🚀), \r\x01 end'


def made_events() -> dict[str, str]:
    """Events that are not documented examples, as exact text."""
    started = json.loads((EXAMPLES / "meeting.started.json").read_text())
    started["payload"]["object"]["topic"] = ESCAPES_TOPIC + "@@"
    # Raw UTF-8 as well as JSON \u escapes (a surrogate pair among them), CRLF lines.
    text = json.dumps(started, indent=2, ensure_ascii=False).replace("\n", "\r\n")
    text = text.replace("@@", "\\u00e9\\ud83d\\ude80")
    return {"escapes": text, "not-json": '{"event": "user.created", "payload": '}


def event_text(event: str, made: dict[str, str]) -> str | None:
    if event in made:
        return made[event]
    path = EXAMPLES / f"{event}.json"
    return path.read_text() if path.exists() else None


TRIGGER_INFO_FIELDS = ["name", "title", "events", "connection", "classic-scopes",
                       "granular-scopes", "params", "output-schema", "sample-output"]


def canon_trigger_info(plain: dict) -> dict:
    info = canon_record(plain, TRIGGER_INFO_FIELDS)
    for k in ("output-schema", "sample-output"):  # JSON text: compared parsed
        info[k] = parse_json_text(info.get(k))
    if isinstance(info.get("params"), list):
        info["params"] = [canon_record(p, PARAM_FIELDS) for p in info["params"]]
    return info


def trigger_info_from_host(j: dict, schema: Any, sample: Any) -> dict:
    """`wrk-zoom triggers describe NAME` JSON (with --schema and --sample) -> the WIT shape."""
    j = dict(j)
    scopes = j.pop("scopes", {}) or {}
    plain = {"classic-scopes": scopes.get("classic"), "granular-scopes": scopes.get("granular"),
             "params": params_from_host(j.pop("params", []))}
    for k in ("name", "title", "events", "connection"):
        plain[k] = j.pop(k, None)
    plain["output-schema"], plain["sample-output"] = schema, sample
    plain.update({f"host:{k}": v for k, v in j.items()})
    return canon_trigger_info(plain)


# check(): a value each parameter kind accepts and one it refuses (None: no
# such value), from the trigger's own description, so that a new trigger or
# parameter is covered without a new case here.
def accepted_value(spec: dict) -> str | None:
    kind, choices = spec.get("type"), spec.get("choices") or []
    lo, hi = spec.get("minimum"), spec.get("maximum")
    if kind == "text":
        text = 'Q4 "stand-up" ü'
        text = text + "x" * max(0, (lo or 0) - len(text))
        return text[:hi] if hi is not None else text
    if kind == "integer":
        return str(lo if lo is not None else hi if hi is not None else 1)
    if kind in ("choice", "text-list") and choices:
        return choices[-1] if kind == "choice" else ",".join(choices[:2])
    return {"text-list": "one,two", "boolean": "true", "date": "2026-12-01",
            "date-time": "2026-12-01T15:00:00Z", "date-or-date-time": "2026-12-01",
            "meeting-id": "812 3456-7001", "meeting-id-or-uuid": "4444AAAiAAAAAiAiAiiAii==",
            "user-id": "me", "json-object": '{"a": [1]}', "json-array": '[{"a": 1}]'}.get(kind)


def refused_value(spec: dict) -> str | None:
    kind, choices = spec.get("type"), spec.get("choices") or []
    if kind == "text":
        hi = spec.get("maximum")
        return "x" * (hi + 1) if hi is not None else None
    if kind == "integer":
        return "1.5e"
    if kind == "choice":
        return "sideways"
    if kind == "text-list":
        return f"{choices[0]},NOPE" if choices else None
    return {"boolean": "maybe", "date": "2026-13-45", "date-time": "tomorrow",
            "date-or-date-time": "tomorrow", "meeting-id": "12ab",
            "json-object": "[1]", "json-array": '{"a": 1}'}.get(kind)


def check_samples(info: dict) -> tuple[list | None, list]:
    """An accepted parameter set (every parameter; None when a kind has no sample
    value) and a refused one (every parameter with a refused value, and an unknown
    name close to a real one)."""
    specs = info.get("params") or []
    accepted = [(p["name"], accepted_value(p)) for p in specs]
    refused = [(p["name"], v) for p in specs if (v := refused_value(p)) is not None]
    first = specs[0]["name"] if specs else "filter"
    typo = first.replace("_", "") if "_" in first else first + "s"
    refused.append((typo, "1"))
    return (None if any(v is None for _, v in accepted) else accepted), refused


def outputs_text(o) -> str:
    if o[0] == "ok":
        return "ok" if o[1] is None else f"ok {len(o[1])} output{'s' * (len(o[1]) != 1)}"
    if o[0] == "err":
        return o[1]["variant"]
    return "trap"


def check_triggers(report, ours, hosts, triggers: list[str], infos: dict[str, dict]):
    """describe(), map-event() and check() of every trigger in every foreign host."""
    made = made_events()
    if wave.parse(wave.string(made["escapes"])) != made["escapes"]:
        raise Fatal("wave_value.string() does not round-trip the escapes event")
    # describe()
    for trigger in triggers:
        expected = trigger_info_from_host(
            infos[trigger], ours.json_out("triggers", "describe", trigger, "--schema"),
            ours.json_out("triggers", "describe", trigger, "--sample"))
        results = {}
        for name, host in hosts.items():
            kind, v = host.trigger_describe(trigger)
            if kind != "ok":
                report.fail("trigger-describe", trigger, name, f"describe() failed: {v}")
                continue
            results[name] = canon_trigger_info(v)
            report.compare("trigger-describe", trigger, name, expected, results[name])
        if len(results) == 2 and results["wasmtime"] != results["jco"]:
            report.fail("trigger-describe", trigger, "jco", "jco differs from wasmtime",
                        diff(results["wasmtime"], results["jco"]), left="wasmtime", right="jco")

    # map-event(): every documented example of each trigger's events, then TRIGGER_CASES.
    cases = []
    for trigger in triggers:
        events = infos[trigger].get("events") or []
        documented = [e for e in events if (EXAMPLES / f"{e}.json").exists()]
        if not documented:
            report.fail("map-event", trigger, "host", f"no documented example of {events} in "
                        f"{EXAMPLES.relative_to(REPO)}")
        cases += [dict(id="example", trigger=trigger, event=e, params=[], expect="ok")
                  for e in documented]
    unknown = [c["trigger"] for c in TRIGGER_CASES if c["trigger"] not in infos]
    if unknown:
        raise Fatal(f"trigger cases name unknown triggers: {unknown}")
    cases += TRIGGER_CASES
    table = []
    with tempfile.TemporaryDirectory(prefix="foreign-hosts-events-") as tmp:
        def event_file(event: str) -> Path:
            if event in made:
                path = Path(tmp) / f"{event}.json"
                path.write_bytes(made[event].encode())
                return path
            return EXAMPLES / f"{event}.json"

        for case in cases:
            trigger, params = case["trigger"], case["params"]
            text = event_text(case["event"], made)
            what = f"map-event({case['event']}{' ' if params else ''}{params_text(params)})"
            if text is None:
                raise Fatal(f"trigger case {case['id']}: no event {case['event']}")
            mine = ours.map_event(trigger, event_file(case["event"]), params)
            row = [case["id"], trigger, case["event"], outputs_text(mine)]
            expect = case["expect"]
            if not (mine[0] == "ok" if expect == "ok" else
                    mine[0] == "ok" and len(mine[1]) == expect if isinstance(expect, int) else
                    mine[0] == "err" and mine[1]["variant"] == expect):
                report.fail("map-event", trigger, "host", f"{what}: our host's outcome is not the "
                            f"case's premise ({expect}): {outputs_text(mine)} {short(mine[1], 300)}")
            outs = {}
            for name, host in hosts.items():
                before = len(report.failures)
                outs[name] = host.map_event(trigger, text, params)
                compare_outcomes(report, "map-event", trigger, name, mine, outs[name], set(), what)
                if name == "jco":
                    cross_check(report, "map-event", trigger, outs["wasmtime"], outs[name], set(),
                                what)
                row.append("same" if len(report.failures) == before else "DIFFERS")
            table.append(row)

        # check(): one accepted and one refused parameter set per trigger; our host
        # has no `check`, so they go to `triggers run` on a documented example,
        # which refuses the same parameters and maps with the accepted ones.
        for trigger in triggers:
            documented = [e for e in infos[trigger].get("events") or []
                          if (EXAMPLES / f"{e}.json").exists()]
            accepted, refused = check_samples(infos[trigger])
            if accepted is None:
                report.fail("check", trigger, "host", "check.py has no sample value for the "
                            "kind of some parameter: " + ", ".join(
                                f"{p['name']} ({p.get('type')})" for p in infos[trigger]["params"]
                                if accepted_value(p) is None))
            if not documented:
                continue
            for label, params in (("accepted", accepted), ("refused", refused)):
                if params is None:
                    continue
                what = f"check({label} {params_text(params)})"
                mine = ours.map_event(trigger, EXAMPLES / f"{documented[0]}.json", params)
                if label == "accepted" and mine[0] == "ok":
                    mine = ("ok", None)
                if (label == "accepted" and mine[0] != "ok") or (label == "refused" and not (
                        mine[0] == "err" and mine[1].get("variant") == "invalid-params")):
                    report.fail("check", trigger, "host", f"{what}: our host's `triggers run` "
                                f"{'refused' if label == 'accepted' else 'did not refuse'} it: "
                                f"{outputs_text(mine)} {short(mine[1], 300)}")
                    continue
                row = [f"check {label}", trigger, documented[0], outputs_text(mine)]
                outs = {}
                for name, host in hosts.items():
                    before = len(report.failures)
                    outs[name] = host.check(trigger, params)
                    compare_outcomes(report, "check", trigger, name, mine, outs[name], set(), what)
                    if name == "jco":
                        cross_check(report, "check", trigger, outs["wasmtime"], outs[name], set(),
                                    what)
                    row.append("same" if len(report.failures) == before else "DIFFERS")
                table.append(row)
    return table


# What the documented trigger commands of README.md (check:wasmtime-trigger) print.
DOC_TRIGGER = ("recording-completed", "recording.completed", [("file_types", "M4A")])


def check_trigger_docs(report, ours, tools_env, wasm_dir: Path, infos) -> None:
    """The documented `wasmtime run --invoke` commands of a trigger: describe()
    and map-event() of an example event (WAVE-encoded by wave_value.py)."""
    trigger, event, params = DOC_TRIGGER
    where = "README wasmtime-trigger"
    env = {**os.environ, **tools_env, "WASM_DIR": str(wasm_dir)}
    p = run_block(readme_block("wasmtime-trigger"), REPO, env)
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    if p.returncode != 0 or len(lines) != 2:
        report.fail("trigger-describe", where, "wasmtime",
                    f"the documented commands exited {p.returncode} and printed {len(lines)} values "
                    f"(expected 2): {p.stdout[-500:]} {p.stderr[-800:]}")
        return
    try:
        described, mapped = (from_wave(wave.parse(l)) for l in lines)
    except wave.WaveError as e:
        report.fail("trigger-describe", where, "wasmtime", f"not WAVE: {e}")
        return
    expected = trigger_info_from_host(
        infos[trigger], ours.json_out("triggers", "describe", trigger, "--schema"),
        ours.json_out("triggers", "describe", trigger, "--sample"))
    report.compare("trigger-describe", where, "wasmtime", expected, canon_trigger_info(described))
    compare_outcomes(report, "map-event", where, "wasmtime",
                     ours.map_event(trigger, EXAMPLES / f"{event}.json", params),
                     outcome_from_result(mapped), set(), "the documented map-event")


def print_trigger_tables(triggers: list[str], report, table: list[list[str]]) -> None:
    print()
    print(f"{'trigger':42} {'describe':17} {'map-event':17} {'check':17}")
    print(f"{'':42} {'wasmtime  jco':17} {'wasmtime  jco':17} {'wasmtime  jco':17}")
    for trigger in triggers + ["README wasmtime-trigger"]:
        cells = []
        for check in ("trigger-describe", "map-event", "check"):
            c = report.rows.get((check, trigger), {})
            cells.append(f"{c.get('wasmtime', '-'):10}{c.get('jco', '-'):7}")
        print(f"{trigger:42} " + " ".join(cells))
    print()
    print(f"{'trigger case':18} {'trigger':22} {'event':38} {'our host':14} {'wasmtime':9} jco")
    for row in table:
        print(f"{row[0]:18} {row[1]:22} {row[2]:38} {row[3]:14} {row[4]:9} {row[5]}")


# --------------------------------------------------------------------------
# The gateway: <action>.http.wasm in `wasmtime serve` against `wrk-zoom serve`
# --------------------------------------------------------------------------

GATEWAY_README = REPO / "components" / "gateway" / "README.md"
SERVE_KEY = "foreign-hosts-check-key"  # `wrk-zoom serve` wants at least 16 characters

# POST / of the gateway against POST /v1/actions/{action} of `wrk-zoom serve`
# with the same params (JSON values, as a workflow platform sends them).
# token None: no Authorization (the gateway) and no "token" (serve, with an
# empty store). "fresh": on a fresh simulator per side (it changes state).
GATEWAY_CASES: list[dict[str, Any]] = [
    dict(id="get-by-id", action="retrieve-meeting", params={"meetingId": "81234567001"}),
    dict(id="list-page", action="retrieve-meetings", params={"page_size": 4, "type": "scheduled"}),
    dict(id="invalid-params", action="create-meeting",
         params={"duration": "abc", "type": 7, "topci": "x"}),
    dict(id="zoom-404", action="retrieve-meeting", params={"meetingId": "11111111111"}),
    dict(id="zoom-scope", action="retrieve-phone-users", params={}, token=USER_TOKEN),
    dict(id="no-token", action="retrieve-meeting", params={"meetingId": "81234567001"}, token=None),
    dict(id="create", action="create-meeting", fresh=True,
         params={"topic": "Standup", "duration": 30, "start_time": "2026-12-01T09:00:00Z",
                 "password": "abc123", "settings": {"waiting_room": True},
                 "tracking_fields": [{"field": "team", "value": "core"}]}),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    """One request; (status, JSON body or the text when it is not JSON)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    return status, parse_json_text(text)


class Server:
    """A server process in its own session (stopped with its children), ready
    once GET `probe` answers at all, polled for at most `wait` seconds."""

    def __init__(self, args: list[str], probe: str, env: dict[str, str] | None = None,
                 wait: float = 60):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        deadline = time.monotonic() + wait
        while True:
            try:
                with urllib.request.urlopen(probe, timeout=5):
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise Fatal(f"{args[0]} did not answer at {probe} within {wait:.0f} s: "
                            f"{self.output()[-800:]}")
            time.sleep(0.1)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def gateway_server(wasmtime: str, wasm: Path, api_base: str) -> tuple[Server, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    return Server([wasmtime, "serve", "-S", "cli", "--env", f"ZOOM_API_BASE={api_base}",
                   "--addr", f"127.0.0.1:{port}", str(wasm)], url), url


def check_gateway(report, exe: Path, wasmtime: str, wasm_dir: Path, ours_info, kinds,
                  shared_base: str) -> list[list[str]]:
    """Each GATEWAY_CASES call through the composed component in `wasmtime serve`
    and through `wrk-zoom serve`: the same HTTP status and JSON (masked as in
    run()); GET / against `wrk-zoom describe`; other paths and methods."""
    rows = []
    actions = sorted({c["action"] for c in GATEWAY_CASES})
    missing = [a for a in actions if not (wasm_dir / f"{a.replace('-', '_')}.http.wasm").exists()]
    if missing:
        raise Fatal(f"no composed gateway component (.http.wasm) in {wasm_dir} for: "
                    f"{', '.join(missing)}")
    with tempfile.TemporaryDirectory() as home, \
            Sandbox(exe) as fresh_serve, Sandbox(exe) as fresh_gateway:
        port = free_port()
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("ZOOM_")},
               "WRK_ZOOM_HOME": home, "WRK_ZOOM_API_KEY": SERVE_KEY}
        serve_args = [str(exe), "serve", "--port", str(port), "--allow-api-base", shared_base,
                      "--allow-api-base", fresh_serve.base]
        with Server(serve_args, f"http://127.0.0.1:{port}/health", env):
            for action in actions:
                wasm = wasm_dir / f"{action.replace('-', '_')}.http.wasm"
                cases = [c for c in GATEWAY_CASES if c["action"] == action]
                for fresh in (False, True):
                    todo = [c for c in cases if c.get("fresh", False) == fresh]
                    if not todo:
                        continue
                    g_base = fresh_gateway.base if fresh else shared_base
                    s_base = fresh_serve.base if fresh else shared_base
                    server, url = gateway_server(wasmtime, wasm, g_base)
                    with server:
                        if not fresh:
                            # GET /: the description, as `wrk-zoom describe` prints it.
                            status, got = http("GET", url)
                            ok = status == 200 and report.compare(
                                "gateway", action, "wasmtime serve", ours_info[action], got)
                            if status != 200:
                                report.fail("gateway", action, "wasmtime serve",
                                            f"GET / answered {status}: {short(got, 300)}")
                            rows.append(["GET /", action, "200", str(status),
                                         "same" if ok else "DIFFERS"])
                            # GET /output-schema: what it returns, as `describe --output-schema`.
                            status, got = http("GET", url + "output-schema")
                            ok = status == 200 and report.compare(
                                "gateway", action, "wasmtime serve",
                                OUR_OUTPUT_SCHEMAS[action], got)
                            if status != 200:
                                report.fail("gateway", action, "wasmtime serve",
                                            f"GET /output-schema answered {status}: {short(got, 300)}")
                            rows.append(["GET /output-schema", action, "200", str(status),
                                         "same" if ok else "DIFFERS"])
                            for method, path, want in (("GET", "nowhere", 404), ("PUT", "", 405)):
                                status, got = http(method, url + path)
                                good = status == want and isinstance(got, dict) and "error" in got
                                report.mark("gateway", action, "wasmtime serve", good)
                                if not good:
                                    report.fail("gateway", action, "wasmtime serve",
                                                f"{method} /{path}: expected {want} with a JSON "
                                                f"error, got {status} {short(got)}")
                        for case in todo:
                            rows.append(gateway_case(report, case, url, port, s_base, kinds))
    return rows


def gateway_case(report, case, url: str, serve_port: int, serve_base: str, kinds) -> list[str]:
    action = case["action"]
    default = ADMIN_TOKEN if kinds[action] == "admin" else USER_TOKEN
    token = case["token"] if "token" in case else default
    keys = WRITE_MASK if case.get("fresh") else READ_MASK
    request = {"params": case["params"]}
    if token is not None:
        request |= {"token": token, "api_base": serve_base}
    s_status, s_body = http("POST", f"http://127.0.0.1:{serve_port}/v1/actions/{action}",
                            request, SERVE_KEY)
    g_status, g_body = http("POST", url, {"params": case["params"]}, token)
    what = f"gateway case {case['id']} ({short(case['params'], 90)})"
    pairs = [("HTTP status", s_status, g_status)] if s_status != g_status else []
    if token is None:
        # No credentials: the same status, error kind and category; the
        # sentences differ (serve names its token store, the gateway the header).
        pick = lambda b: {k: b.get(k) for k in ("error", "category", "exit_code")} \
            if isinstance(b, dict) else b  # noqa: E731
        pairs += diff(pick(s_body), pick(g_body))
    else:
        pairs += diff(mask(s_body, keys), mask(g_body, keys))
    if pairs:
        report.fail("gateway", action, "wasmtime serve", f"{what}: differs from wrk-zoom serve",
                    pairs, left="serve")
    else:
        report.mark("gateway", action, "wasmtime serve", True)
    return [case["id"], action, str(s_status), str(g_status), "DIFFERS" if pairs else "same"]


def check_gateway_redirects(report, wasmtime: str, wasm_dir: Path) -> None:
    """The caller's token in a foreign host goes along a download's redirect
    only on the same origin (security review 2, S8): retrieve-meeting-transcript
    in `wasmtime serve`, where nothing but the SDK decides what is sent, against
    a stand-in Zoom whose transcript download redirects to another origin."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    token = "s8-caller-token"
    seen: dict[str, list[str | None]] = {"zoom": [], "elsewhere": []}

    def handler(name: str, answer):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                seen[name].append(self.headers.get("Authorization"))
                status, headers, body = answer(self.path)
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass
        return Handler

    elsewhere = ThreadingHTTPServer(("127.0.0.1", 0), handler(
        "elsewhere", lambda _path: (200, [("Content-Type", "text/vtt")],
                                    b"WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nAda: hello\n")))
    other = f"http://127.0.0.1:{elsewhere.server_address[1]}"

    def zoom_answer(path: str):
        path = path.split("?")[0]
        if path.startswith("/v2/meetings/") and path.endswith("/transcript"):
            body = {"meeting_id": "81234567001", "can_download": True,
                    "download_url": f"{zoom_origin}/rec/download/transcript"}
            return 200, [("Content-Type", "application/json")], json.dumps(body).encode()
        if path == "/rec/download/transcript":
            return 302, [("Location", f"{other}/file.vtt")], b""
        return 404, [("Content-Type", "application/json")], b'{"code":1001,"message":"no"}'

    zoom = ThreadingHTTPServer(("127.0.0.1", 0), handler("zoom", zoom_answer))
    zoom_origin = f"http://127.0.0.1:{zoom.server_address[1]}"
    for server in (zoom, elsewhere):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    action = "retrieve-meeting-transcript"
    where = ("gateway", action, "wasmtime serve")
    try:
        wasm = wasm_dir / f"{action.replace('-', '_')}.http.wasm"
        server, url = gateway_server(wasmtime, wasm, f"{zoom_origin}/v2")
        with server:
            status, body = http("POST", url, {"params": {"meetingId": "81234567001"}}, token)
    finally:
        zoom.shutdown()
        elsewhere.shutdown()
    bearer = f"Bearer {token}"
    problems = []
    reply = body.get("body") if isinstance(body, dict) else None
    if status != 200 or not isinstance(reply, dict) or reply.get("text") != "Ada: hello":
        problems.append(f"the download through the redirect: {status} {short(body, 300)}")
    if seen["zoom"] != [bearer, bearer]:
        problems.append(f"the metadata and the same-origin download carry the token: {seen['zoom']}")
    if seen["elsewhere"] != [None]:
        problems.append(f"the other origin was sent Authorization: {seen['elsewhere']}")
    if problems:
        report.fail(*where, "redirect to another origin (S8): " + "; ".join(problems))
    else:
        report.mark(*where, True)
        print("gateway: a download redirected to another origin went without the token")


def check_gateway_docs(report, sim_base: str, tools_env, wasm_dir: Path, ours_info) -> None:
    """The documented `wasmtime serve` commands of components/gateway/README.md."""
    env = {**os.environ, **tools_env, "WASM_DIR": str(wasm_dir), "API_BASE": sim_base,
           "ZOOM_ACCESS_TOKEN": USER_TOKEN, "PORT": str(free_port())}
    p = run_block(readme_block("gateway", GATEWAY_README), REPO, env)
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0 or len(lines) != 2:
        report.fail("docs", "gateway README", "wasmtime serve",
                    f"the documented commands exited {p.returncode} and printed {len(lines)} JSON "
                    f"lines (expected 2): {p.stdout[-500:]} {p.stderr[-800:]}")
        return
    report.compare("docs", "gateway README", "wasmtime serve", ours_info["retrieve-meeting"],
                   json.loads(lines[0]))
    reply = json.loads(lines[1])
    good = reply.get("status") == 200 and isinstance(reply.get("body"), dict) \
        and reply["body"].get("id") == 81234567001
    report.mark("docs", "gateway README", "wasmtime serve", good)
    if not good:
        report.fail("docs", "gateway README", "wasmtime serve",
                    f"the documented POST did not answer meeting 81234567001: {short(reply, 300)}")


def main() -> int:
    target = Path(os.environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache/wrk-zoom/target")
    foreign = Path(os.environ.get("WRK_ZOOM_FOREIGN_DIR") or Path.home() / ".cache/wrk-zoom/foreign")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wasm-dir", type=Path,
                    default=target / "wasm-components/wasm32-wasip2/wasm-dev")
    ap.add_argument("--wrk-zoom", type=Path, default=target / "debug/wrk-zoom")
    ap.add_argument("--wasmtime", default=str(foreign / "bin/wasmtime"))
    ap.add_argument("--node", default="node")
    ap.add_argument("--node-dir", type=Path, default=foreign / "node",
                    help="where examples/node is installed (node_modules with jco)")
    ap.add_argument("--dump", type=Path, help="write every run() outcome of every host as JSON here")
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--gateway-only", action="store_true",
                      help="check only the gateway (.http.wasm in wasmtime serve) and its README")
    only.add_argument("--triggers-only", action="store_true",
                      help="check only the triggers (describe, map-event, check)")
    args = ap.parse_args()
    started = time.monotonic()

    for path, what in ((args.wrk_zoom, "the wrk-zoom binary"), (Path(args.wasmtime), "wasmtime")):
        if not path.exists():
            raise Fatal(f"{what} not found at {path}")
    ours = OurHost(args.wrk_zoom)
    versions = [run_proc([args.wasmtime, "--version"]).stdout.strip(),
                "node " + run_proc([args.node, "--version"]).stdout.strip()]
    jco_pkg = args.node_dir / "node_modules/@bytecodealliance/jco/package.json"
    shim_pkg = args.node_dir / "node_modules/@bytecodealliance/preview2-shim/package.json"
    if jco_pkg.exists() and shim_pkg.exists():
        versions += [f"jco {json.loads(jco_pkg.read_text())['version']}",
                     f"preview2-shim {json.loads(shim_pkg.read_text())['version']}"]
    print("foreign hosts:", ", ".join(versions))

    infos = ours.json_out("actions", "--json")
    actions = sorted(i["name"] for i in infos)
    kinds = {i["name"]: i["connection"] for i in infos}
    testing = {d.name.replace("-", "_") for d in (REPO / "components/testing").iterdir()} \
        if (REPO / "components/testing").is_dir() else set()
    trigger_infos = {i["name"]: ours.json_out("triggers", "describe", i["name"])
                     for i in ours.json_out("triggers", "list", "--json")}
    triggers = sorted(trigger_infos)
    missing = [a for a in actions + triggers
               if not (args.wasm_dir / f"{a.replace('-', '_')}.wasm").exists()]
    if missing:
        raise Fatal(f"no component in {args.wasm_dir} for: {', '.join(missing)}")
    extra = sorted(p.stem for p in args.wasm_dir.glob("*.wasm")
                   if p.stem not in {a.replace("-", "_") for a in actions + triggers}
                   and not p.name.endswith(".http.wasm"))
    print(f"{len(actions)} actions, {len(triggers)} triggers; ignoring {len(extra)} other "
          f"components in the wasm dir ({len([e for e in extra if e in testing])} of "
          f"components/testing)")
    samples = plan_samples(dt.datetime.now(dt.timezone.utc).date())
    unsampled = [a for a in actions if a not in samples]
    report = Report()
    for a in unsampled:
        report.fail("plan", a, "host", "no sample parameters in check.py's plan_samples()")
    samples = {a: samples[a] for a in actions if a in samples}
    ours_info = {a: ours.json_out("describe", a) for a in actions}
    OUR_OUTPUT_SCHEMAS.update({a: ours.json_out("describe", a, "--output-schema") for a in actions})

    tools_env = {"PATH": f"{Path(args.wasmtime).parent}:{os.environ.get('PATH', '')}"}
    if args.gateway_only:
        return gateway_main(report, args, ours_info, kinds, tools_env, started)

    wasmtime = Wasmtime(args.wasmtime, args.wasm_dir)
    jco = Jco(args.node_dir, args.wasm_dir, args.node)
    t = time.monotonic()
    # --triggers-only keeps the actions' cached builds for the next full run.
    made, cached = jco.transpile(triggers if args.triggers_only else actions + triggers,
                                 prune=not args.triggers_only)
    print(f"jco transpile: {made} transpiled, {cached} cached ({time.monotonic() - t:.1f} s)")
    hosts = {"wasmtime": wasmtime, "jco": jco}
    jco.start()
    if args.triggers_only:
        try:
            trigger_table = run_triggers(report, ours, hosts, triggers, trigger_infos, tools_env,
                                         args.wasm_dir)
        finally:
            jco.stop()
        print_trigger_tables(triggers, report, trigger_table)
        return finish(report, started, triggers_summary(triggers, trigger_table))
    try:
        t = time.monotonic()
        check_describe(report, actions, ours_info, hosts)
        check_plans(report, ours, hosts, samples)
        print(f"describe and plan: {time.monotonic() - t:.1f} s")
        trigger_table = run_triggers(report, ours, hosts, triggers, trigger_infos, tools_env,
                                     args.wasm_dir)

        t = time.monotonic()
        outcomes: dict[tuple[str, str], Any] = {}
        all_hosts = {"host": ours, **hosts}
        unknown = [c["action"] for c in RUN_CASES if c["action"] not in kinds]
        if unknown:
            raise Fatal(f"run cases name unknown actions: {unknown}")
        with Sandbox(args.wrk_zoom) as shared:
            class Shared:
                def __init__(self, _host): pass
                def __enter__(self): return shared.base
                def __exit__(self, *e): pass
            run_phase("read", RUN_CASES, all_hosts, kinds, Shared, outcomes)

            class Fresh:
                def __init__(self, _host): self.sim = Sandbox(args.wrk_zoom)
                def __enter__(self): return self.sim.base
                def __exit__(self, *e): self.sim.stop()
            run_phase("write", RUN_CASES, all_hosts, kinds, Fresh, outcomes)
            table = check_runs(report, RUN_CASES, outcomes, hosts)
            if args.dump:
                args.dump.write_text(json.dumps(
                    {f"{cid} {host}": list(o) for (cid, host), o in outcomes.items()},
                    indent=1, ensure_ascii=False))
            print(f"run: {time.monotonic() - t:.1f} s")
            t = time.monotonic()
            check_docs(report, ours, shared.base, tools_env, ours_info, args.node_dir,
                       args.wasm_dir)
            print(f"documented commands: {time.monotonic() - t:.1f} s")
            t = time.monotonic()
            gateway_table = check_gateway(report, args.wrk_zoom, args.wasmtime, args.wasm_dir,
                                          ours_info, kinds, shared.base)
            check_gateway_docs(report, shared.base, tools_env, args.wasm_dir, ours_info)
            check_gateway_redirects(report, args.wasmtime, args.wasm_dir)
            print(f"gateway: {time.monotonic() - t:.1f} s")
    finally:
        jco.stop()

    # Summary
    print()
    print(f"{'action':42} {'describe':17} {'plan':17} {'run':17}")
    print(f"{'':42} {'wasmtime  jco':17} {'wasmtime  jco':17} {'wasmtime  jco':17}")
    for action in actions + ["README wasmtime", "examples/node"]:
        cells = []
        for check in ("describe", "plan", "run"):
            c = dict(report.rows.get((check, action), {}))
            for k, v in report.rows.get((f"{check}-refused", action), {}).items():
                c[k] = v if c.get(k) != "FAIL" else "FAIL"
            if action in ("README wasmtime", "examples/node"):
                c = {**c, **{k: v for k, v in report.rows.get(("docs", action), {}).items()
                             if check == "describe"}}
            cells.append(f"{c.get('wasmtime', '-'):10}{c.get('jco', '-'):7}")
        print(f"{action:42} " + " ".join(cells))
    print()
    print(f"{'run case':22} {'action':40} {'our host':16} {'wasmtime':9} {'jco':9}")
    for row in table:
        print(f"{row[0]:22} {row[1]:40} {row[2]:16} {row[3]:9} {row[4]:9}")
    print_trigger_tables(triggers, report, trigger_table)
    print_gateway_table(gateway_table)
    return finish(report, started, f"checked {len(actions)} actions (describe, plan), "
                  f"{len(RUN_CASES)} run cases, "
                  f"{triggers_summary(triggers, trigger_table).removeprefix('checked ')}, "
                  f"{len(GATEWAY_CASES)} gateway cases and the documented commands")


def run_triggers(report, ours, hosts, triggers, trigger_infos, tools_env,
                 wasm_dir: Path) -> list[list[str]]:
    t = time.monotonic()
    table = check_triggers(report, ours, hosts, triggers, trigger_infos)
    check_trigger_docs(report, ours, tools_env, wasm_dir, trigger_infos)
    print(f"triggers: {triggers_summary(triggers, table).removeprefix('checked ')} "
          f"({time.monotonic() - t:.1f} s)")
    return table


def triggers_summary(triggers: list[str], table: list[list[str]]) -> str:
    checks = sum(1 for row in table if row[0].startswith("check "))
    examples = sum(1 for row in table if row[0] == "example")
    return (f"checked {len(triggers)} triggers (describe, {len(table) - checks} map-event cases "
            f"of which {examples} documented examples, {checks} check cases)")


def print_gateway_table(table: list[list[str]]) -> None:
    print()
    print(f"{'gateway case':22} {'action':40} {'serve':8} {'gateway':8} result")
    for row in table:
        print(f"{row[0]:22} {row[1]:40} {row[2]:8} {row[3]:8} {row[4]}")


def gateway_main(report, args, ours_info, kinds, tools_env, started) -> int:
    """--gateway-only: the gateway section and its README alone."""
    t = time.monotonic()
    with Sandbox(args.wrk_zoom) as shared:
        table = check_gateway(report, args.wrk_zoom, args.wasmtime, args.wasm_dir, ours_info,
                              kinds, shared.base)
        check_gateway_docs(report, shared.base, tools_env, args.wasm_dir, ours_info)
        check_gateway_redirects(report, args.wasmtime, args.wasm_dir)
    print(f"gateway: {time.monotonic() - t:.1f} s")
    print_gateway_table(table)
    return finish(report, started, f"checked {len(GATEWAY_CASES)} gateway cases and the "
                  f"gateway README")


def finish(report, started: float, what: str) -> int:
    print()
    if report.failures:
        for f in report.failures:
            print(f)
        print()
    checks = sum(len(v) for v in report.rows.values())
    failed = sum(1 for v in report.rows.values() for x in v.values() if x == "FAIL")
    print(f"{what} in {time.monotonic() - started:.0f} s")
    print(f"foreign-hosts: {checks - failed} passed, {failed} failed")
    return 1 if report.failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fatal as e:
        print(f"foreign-hosts: cannot check: {e}", file=sys.stderr)
        sys.exit(2)
