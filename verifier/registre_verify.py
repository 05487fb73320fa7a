#!/usr/bin/env python3
"""An independent verifier of registre's audit trail, version 1.

Written from docs/audit-spec.md alone (it shares no code with registre),
with Python 3.11's standard library and the `cryptography` package for
Ed25519. Two uses:

    registre_verify.py EXPORT --key PUBLIC_KEY_FILE [--witness VKEY]...
    registre_verify.py --vectors DIR

The first checks a `registre-log-export-v1` file with the log's public key
file (`registre-audit-public-v1:<hex>`) and, for each `--witness`, that the
witness cosigned at least one head of the file. The second checks every
test vector of DIR (docs/audit-vectors): the valid ones must be reproduced,
the invalid ones must get their stated verdict.

Exit status: 0 intact, 3 refused (the first finding is printed on standard
error, with the line and position it concerns), 1 the check could not run.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
import unicodedata
import uuid
from pathlib import Path

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
except ImportError:  # pragma: no cover
    sys.exit("registre_verify.py needs the `cryptography` package (pip install cryptography)")

SPEC = "registre audit trail, version 1"
TAMPERED, CANNOT_RUN = 3, 1


class Finding(Exception):
    """Why a file, a line or a vector is refused. `verdict` is one of the
    specification's categories; `line` and `position` say where."""

    def __init__(self, verdict: str, message: str, line: int | None = None, position: int | None = None):
        super().__init__(message)
        self.verdict, self.message, self.line, self.position = verdict, message, line, position

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.message}"


# ---------------------------------------------------------------------------
# Canonical JSON and canonical event bytes (spec §2)

MIN_INT, MAX_INT = -(2**63), 2**64 - 1
MAX_DEPTH = 128
ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


class NoCanonicalForm(Exception):
    pass


def canonical_string(s: str) -> str:
    out = ['"']
    for c in s:
        if c in ESCAPES:
            out.append(ESCAPES[c])
        elif ord(c) < 0x20:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def canonical_json(value, depth: int = 0) -> bytes:
    """The canonical bytes of a JSON value: sorted members, no whitespace,
    minimal escapes, integers only."""
    return _canonical(value, depth).encode("utf-8")  # lone surrogates raise


def _canonical(v, depth: int) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        if not MIN_INT <= v <= MAX_INT:
            raise NoCanonicalForm(f"the integer {v} is outside -2^63..2^64-1")
        return str(v)
    if isinstance(v, float):
        raise NoCanonicalForm(f"a number that is not an integer ({v!r}) has no canonical form")
    if isinstance(v, str):
        return canonical_string(v)
    if depth >= MAX_DEPTH:
        raise NoCanonicalForm(f"a value is nested deeper than {MAX_DEPTH} levels")
    if isinstance(v, list):
        return "[" + ",".join(_canonical(x, depth + 1) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode("utf-8"))
        return "{" + ",".join(canonical_string(k) + ":" + _canonical(v[k], depth + 1) for k in keys) + "}"
    raise NoCanonicalForm(f"not a JSON value: {type(v).__name__}")


def parse_json(text: str):
    """Strict JSON: no NaN or Infinity, no member given twice."""

    def pairs(items):
        obj = {}
        for k, val in items:
            if k in obj:
                raise ValueError(f"the member {k!r} is given twice")
            obj[k] = val
        return obj

    def constant(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STREAM_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
TIME_RE = re.compile(r"^([+-]?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})Z$")
ROLES = {"secretariat", "auditor", "dashboard", "system"}
ENVELOPE = {
    "actor", "causation_id", "command_id", "correlation_id", "event_type", "format", "id",
    "occurred_at", "payload", "position", "recorded_at", "revision", "schema_version", "stream_id",
}
EVENT_FORMAT = "registre-event-v1"


def is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


def year_text(y: int) -> str:
    return f"{y:04d}" if 0 <= y <= 9999 else f"{y:+05d}"


def timestamp_text(micros: int) -> str:
    """Rule 6: microseconds since 1970 as YYYY-MM-DDTHH:MM:SS.ffffffZ."""
    days, rest = divmod(micros, 86_400_000_000)
    y, m, d = civil_from_days(days)
    secs, frac = divmod(rest, 1_000_000)
    return f"{year_text(y)}-{m:02d}-{d:02d}T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.{frac:06d}Z"


def timestamp_micros(text: str) -> int:
    """Reads rule 6's form, refusing any other (or an impossible date)."""
    m = TIME_RE.match(text) if isinstance(text, str) else None
    if not m:
        raise NoCanonicalForm(f"{text!r} is not a timestamp in the canonical form")
    y, mo, d, h, mi, s, f = (int(g) for g in m.groups())
    days_in = [31, 29 if is_leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not (1 <= mo <= 12 and 1 <= d <= days_in[mo - 1] and h < 24 and mi < 60 and s < 60):
        raise NoCanonicalForm(f"{text!r} is not a valid date and time")
    micros = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1_000_000) + f
    if timestamp_text(micros) != text:
        raise NoCanonicalForm(f"{text!r} is not a timestamp in the canonical form")
    return micros


def check_envelope(e) -> None:
    """The event object of an export line must be a canonical event: the 14
    members, each in its one form (spec §2.1)."""
    if not isinstance(e, dict) or set(e) != ENVELOPE:
        raise NoCanonicalForm("the event object must have exactly the 14 members of the envelope")

    def uint(name, top):
        if not (isinstance(e[name], int) and not isinstance(e[name], bool) and 0 <= e[name] <= top):
            raise NoCanonicalForm(f"{name} must be an integer from 0 to {top}")

    actor = e["actor"]
    if not (isinstance(actor, dict) and set(actor) == {"id", "role"} and isinstance(actor["id"], str)
            and actor["role"] in ROLES):
        raise NoCanonicalForm("actor must be {id, role} with a known role")
    for name in ("id", "command_id", "correlation_id", "causation_id"):
        if not (name == "causation_id" and e[name] is None) and not (
                isinstance(e[name], str) and UUID_RE.match(e[name])):
            raise NoCanonicalForm(f"{name} must be a lowercase hyphenated UUID")
    if not isinstance(e["event_type"], str):
        raise NoCanonicalForm("event_type must be a string")
    if e["format"] != EVENT_FORMAT:
        raise NoCanonicalForm(f"format must be {EVENT_FORMAT}")
    timestamp_micros(e["occurred_at"])
    timestamp_micros(e["recorded_at"])
    uint("position", MAX_INT)
    uint("revision", MAX_INT)
    uint("schema_version", 65535)
    sid = e["stream_id"]
    if not (isinstance(sid, str) and len(sid) <= 200 and STREAM_RE.match(sid)):
        raise NoCanonicalForm("stream_id must be 1 to 200 ASCII letters, digits and - _ . :")


def event_from_log_form(e: dict) -> dict:
    """The canonical event object of an event as `registre log` prints it
    (RFC 3339 times in any zone and precision, UUIDs in any case)."""
    log_time = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")

    def time(text):
        m = log_time.match(text)
        y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
        frac = int((m.group(7) or "").ljust(6, "0")[:6])  # finer digits are dropped
        offset = 0 if m.group(8) == "Z" else (int(m.group(8)[1:3]) * 60 + int(m.group(8)[4:])) * (
            -1 if m.group(8)[0] == "-" else 1)
        secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset * 60
        return timestamp_text(secs * 1_000_000 + frac)

    out = dict(e)
    out["format"] = EVENT_FORMAT
    for name in ("occurred_at", "recorded_at"):
        out[name] = time(e[name])
    for name in ("id", "command_id", "correlation_id", "causation_id"):
        if e[name] is not None:
            out[name] = str(uuid.UUID(e[name]))
    check_envelope(out)
    canonical_json(out)
    return out


# ---------------------------------------------------------------------------
# The tree (spec §3; RFC 9162 §2.1)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


class Roots:
    """The roots of every prefix of a log, fed one leaf at a time: the
    complete subtrees of the right edge, joined from the right."""

    def __init__(self):
        self.edge: list[tuple[int, bytes]] = []
        self.size = 0
        self.at: dict[int, bytes] = {0: sha256(b"")}

    def push(self, leaf: bytes) -> None:
        height, node = 0, leaf
        while self.edge and self.edge[-1][0] == height:
            node = node_hash(self.edge.pop()[1], node)
            height += 1
        self.edge.append((height, node))
        self.size += 1
        root = self.edge[-1][1]
        for _, left in reversed(self.edge[:-1]):
            root = node_hash(left, root)
        self.at[self.size] = root


def inclusion_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    n = len(leaves)
    if n <= 1:
        return []
    k = split(n)
    if m < k:
        return inclusion_path(m, leaves[:k]) + [mth(leaves[k:])]
    return inclusion_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def consistency_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]); empty when m is 0 or n."""

    def subproof(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [mth(d)]
        k = split(n)
        if m <= k:
            return subproof(m, d[:k], b) + [mth(d[k:])]
        return subproof(m - k, d[k:], False) + [mth(d[:k])]

    return subproof(m, leaves, True) if 0 < m < len(leaves) else []


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        raise Finding("index_beyond_size", f"leaf index {index} is not below tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise Finding("wrong_proof_length", "the proof is longer than the path")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise Finding("wrong_proof_length", "the proof is shorter than the path")
    if r != root:
        raise Finding("root_mismatch", "the proof does not lead to the root")


def verify_consistency(m: int, n: int, first: bytes, second: bytes, proof: list[bytes]) -> None:
    """RFC 9162 §2.1.4.2, with the cases it leaves to the caller (m = 0,
    m = n) as the specification settles them."""
    if m > n:
        raise Finding("sizes_reversed", f"the first size {m} is larger than the second {n}")
    if m == 0:
        if proof:
            raise Finding("proof_not_empty", "a proof from the empty tree must be empty")
        if first != sha256(b""):
            raise Finding("not_empty_tree_root", "the root of the empty tree is SHA-256 of nothing")
        return
    if m == n:
        if proof:
            raise Finding("proof_not_empty", "a proof between equal sizes must be empty")
        if first != second:
            raise Finding("root_mismatch", "equal sizes, different roots")
        return
    if not proof:
        raise Finding("empty_proof", "a proof between these sizes cannot be empty")
    path = ([first] if m & (m - 1) == 0 else []) + list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Finding("wrong_proof_length", "the proof is longer than the path")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise Finding("wrong_proof_length", "the proof is shorter than the path")
    if fr != first:
        raise Finding("first_root_mismatch", "the proof does not lead to the first root")
    if sr != second:
        raise Finding("root_mismatch", "the proof does not lead to the second root")


# ---------------------------------------------------------------------------
# Keys, signed tree heads, checkpoints, cosignatures (spec §4 to §6)

PUBLIC_PREFIX = "registre-audit-public-v1:"
STH_PREFIX = b"registre-sth-v1\x00"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Standard base64 with padding, in its one canonical form."""
    try:
        data = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise ValueError("not standard base64") from None
    if b64(data) != text:
        raise ValueError("not standard base64 in its canonical form")
    return data


def raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def verifies(public: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public.verify(signature, message)
        return True
    except InvalidSignature:
        return False


class LogKey:
    def __init__(self, public_bytes: bytes):
        self.bytes = public_bytes
        self.public = Ed25519PublicKey.from_public_bytes(public_bytes)
        self.key_id = sha256(public_bytes)[:8].hex()
        self.origin = f"registre/{self.key_id}"
        self.note_key_id = note_key_id(self.origin, 0x01, public_bytes)

    @classmethod
    def from_text(cls, text: str) -> "LogKey":
        text = text.strip()
        if not text.startswith(PUBLIC_PREFIX) or not re.fullmatch(r"[0-9a-fA-F]{64}", text[len(PUBLIC_PREFIX):]):
            raise ValueError(f"not a registre audit public key (expected {PUBLIC_PREFIX} and 64 hex digits)")
        return cls(bytes.fromhex(text[len(PUBLIC_PREFIX):]))


def note_key_id(name: str, kind: int, public_bytes: bytes) -> bytes:
    return sha256(name.encode("utf-8") + bytes([0x0A, kind]) + public_bytes)[:4]


def signed_bytes(size: int, micros: int, root: bytes) -> bytes:
    return STH_PREFIX + size.to_bytes(8, "big") + micros.to_bytes(8, "big", signed=True) + root


def read_head(h) -> dict:
    """A tree_head object: its five members, each in its one form."""
    if not isinstance(h, dict) or set(h) != {"key_id", "root_hash", "signature", "timestamp", "tree_size"}:
        raise ValueError("a tree head has exactly key_id, root_hash, signature, timestamp and tree_size")
    size = h["tree_size"]
    if not (isinstance(size, int) and not isinstance(size, bool) and 0 <= size <= MAX_INT):
        raise ValueError("tree_size must be an integer")
    if not (isinstance(h["root_hash"], str) and HEX64.match(h["root_hash"])):
        raise ValueError("root_hash must be 64 lowercase hex digits")
    if not (isinstance(h["signature"], str) and re.fullmatch(r"[0-9a-f]{128}", h["signature"])):
        raise ValueError("signature must be 128 lowercase hex digits")
    if not (isinstance(h["key_id"], str) and re.fullmatch(r"[0-9a-f]{16}", h["key_id"])):
        raise ValueError("key_id must be 16 lowercase hex digits")
    try:
        micros = timestamp_micros(h["timestamp"])
    except NoCanonicalForm as e:
        raise ValueError(str(e)) from None
    return {"tree_size": size, "root": bytes.fromhex(h["root_hash"]), "micros": micros,
            "timestamp": h["timestamp"], "key_id": h["key_id"], "signature": bytes.fromhex(h["signature"])}


def verify_head(head: dict, key: LogKey) -> None:
    if head["key_id"] != key.key_id:
        raise Finding("wrong_key", f"the tree head of size {head['tree_size']} is signed by key "
                      f"{head['key_id']}, not the expected key {key.key_id}")
    if not verifies(key.public, head["signature"], signed_bytes(head["tree_size"], head["micros"], head["root"])):
        raise Finding("bad_signature", f"the tree head of size {head['tree_size']} has an invalid signature")


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{b64(root)}\n"


def valid_key_name(name: str) -> bool:
    return (0 < len(name.encode("utf-8")) <= 256
            and not any(c.isspace() or unicodedata.category(c) == "Cc" or c == "+" for c in name))


def parse_note(note: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """A signed note: its text and its (name, key id, signature bytes)."""
    if len(note.encode("utf-8")) > 16 * 1024:
        raise Finding("too_long", "the note is longer than 16 KiB")
    if any(unicodedata.category(c) == "Cc" and c != "\n" for c in note):
        raise Finding("control_character", "the note holds a control character other than a newline")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise Finding("no_signatures", "the note has no signature lines after an empty line")
    text, rest = note[: cut + 1], note[cut + 2:]
    if not rest.endswith("\n"):
        raise Finding("malformed_signature", "the note must end in a newline")
    if rest == "\n" or rest == "":
        raise Finding("no_signatures", "the note has no signature lines")
    sigs = []
    for line in rest[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise Finding("malformed_signature", "a signature line starts with an em dash and a space")
        name, sep, blob = line[2:].partition(" ")
        if not sep or not valid_key_name(name):
            raise Finding("malformed_signature", "a key name and a signature, separated by a space")
        try:
            data = unb64(blob)
        except ValueError:
            raise Finding("malformed_signature", "the signature is not standard base64") from None
        if len(data) < 5:
            raise Finding("malformed_signature", "the signature is shorter than a key id")
        sigs.append((name, data[:4], data[4:]))
    if len(sigs) > 64:
        raise Finding("too_many_signatures", "the note has more than 64 signature lines")
    return text, sigs


def verify_checkpoint(note: str, key: LogKey) -> tuple[int, bytes]:
    text, sigs = parse_note(note)
    if not text.endswith("\n") or len(text[:-1].split("\n")) != 3:
        raise Finding("malformed_checkpoint", "expected exactly three lines: origin, size, root")
    origin, size, root = text[:-1].split("\n")
    if not valid_key_name(origin):
        raise Finding("malformed_checkpoint", "the origin is not a key name")
    if not re.fullmatch(r"0|[1-9][0-9]*", size) or int(size) > MAX_INT:
        raise Finding("malformed_checkpoint", "the size must be a decimal number")
    try:
        root_hash = unb64(root)
        assert len(root_hash) == 32
    except (ValueError, AssertionError):
        raise Finding("malformed_checkpoint", "the root must be 32 bytes in standard base64") from None
    if origin != key.origin:
        raise Finding("wrong_origin", f"the origin is {origin}, not this log's {key.origin}")
    signed = False
    for name, kid, sig in sigs:
        if name == key.origin and kid == key.note_key_id:
            if len(sig) != 64 or not verifies(key.public, sig, text.encode("utf-8")):
                raise Finding("not_signed_by_log", "the log's signature line does not verify")
            signed = True
    if not signed:
        raise Finding("not_signed_by_log", "the checkpoint carries no signature of this log's key")
    return int(size), root_hash


class Witness:
    def __init__(self, vkey: str):
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]) or not valid_key_name(parts[0]):
            raise ValueError(f"not a witness vkey (name+id+key): {vkey!r}")
        self.name, kid = parts[0], bytes.fromhex(parts[1])
        try:
            blob = unb64(parts[2])
        except ValueError:
            raise ValueError("the vkey's key is not standard base64") from None
        if len(blob) != 33 or blob[0] != 0x04:
            raise ValueError("the vkey's key is not a type 0x04 Ed25519 key")
        self.bytes = blob[1:]
        self.public = Ed25519PublicKey.from_public_bytes(self.bytes)
        self.key_id = note_key_id(self.name, 0x04, self.bytes)
        if self.key_id != kid:
            raise ValueError("the vkey's key id does not match its name and key")

    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{b64(bytes([0x04]) + self.bytes)}"


def cosigned_message(body: str, timestamp: int) -> str:
    return f"cosignature/v1\ntime {timestamp}\n{body}"


def verify_cosignature(w: Witness, name: str, kid: bytes, sig: bytes, body: str) -> int:
    """A cosignature's bytes after its key id: time (8) and signature (64).
    Returns its time."""
    if len(sig) != 72 or int.from_bytes(sig[:8], "big") >= 2**63:
        raise Finding("witness", f"the signature line of {name} is not a cosignature (76 bytes expected)")
    t = int.from_bytes(sig[:8], "big")
    if name != w.name or kid != w.key_id or not verifies(w.public, sig[8:], cosigned_message(body, t).encode()):
        raise Finding("witness", f"the cosignature of {name} does not verify for this checkpoint")
    return t


# ---------------------------------------------------------------------------
# The export (spec §8) and what checking it establishes (§9)

MAX_LINE_BYTES = 1024 * 1024


def verify_export(data: bytes, key: LogKey, witnesses: list[Witness]) -> dict:
    events: list[tuple[int, int, bytes, bytes]] = []  # (line, position, canonical bytes, leaf_hash)
    heads: list[dict] = []
    cosigs: list[tuple[int, dict, str, bytes, bytes]] = []  # (line, head, name, key id, rest)
    seen: dict[int, int] = {}
    head_lines: dict[bytes, int] = {}
    last_is_head = False
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, raw_line in enumerate(lines, 1):
        def bad(why, position=None):
            return Finding("malformed", why, number, position)

        if len(raw_line) > MAX_LINE_BYTES:
            raise bad(f"longer than {MAX_LINE_BYTES} bytes")
        try:
            text = raw_line.decode("utf-8")
        except UnicodeDecodeError:
            raise bad("not UTF-8") from None
        if text.strip() == "":
            continue
        try:
            obj = parse_json(text)
        except ValueError as e:
            raise bad(f"not a JSON object ({e})") from None
        if not isinstance(obj, dict):
            raise bad("not a JSON object")
        try:
            form = canonical_json(obj)
        except (NoCanonicalForm, UnicodeEncodeError) as e:
            raise bad(f"no canonical form: {e}") from None
        if form != raw_line:
            raise bad("the line is not written in canonical form")
        kind = obj.get("type")
        if kind == "event":
            if set(obj) != {"event", "leaf_hash", "position", "type"}:
                raise bad("an event line has exactly event, leaf_hash, position and type")
            position = obj["position"]
            if not (isinstance(position, int) and not isinstance(position, bool) and position >= 0):
                raise bad("position must be an integer")
            if not (isinstance(obj["leaf_hash"], str) and HEX64.match(obj["leaf_hash"])):
                raise bad("leaf_hash must be 64 lowercase hex digits", position)
            try:
                check_envelope(obj["event"])
            except NoCanonicalForm as e:
                raise bad(f"the event is not a canonical registre event: {e}", position) from None
            if obj["event"]["position"] != position:
                raise bad("the line's position differs from its event's", position)
            if position in seen:
                raise Finding("sequence", f"the event at position {position} stands a second time "
                              f"(first on line {seen[position]})", number, position)
            seen[position] = number
            events.append((number, position, canonical_json(obj["event"]), bytes.fromhex(obj["leaf_hash"])))
            last_is_head = False
        elif kind == "tree_head":
            if set(obj) != {"tree_head", "type"}:
                raise bad("a tree head line has exactly tree_head and type")
            try:
                head = read_head(obj["tree_head"])
            except ValueError as e:
                raise bad(str(e)) from None
            head["line"] = number
            if head["signature"] in head_lines:
                raise Finding("sequence", f"the signed tree head of size {head['tree_size']} stands a second "
                              f"time (first on line {head_lines[head['signature']]})", number)
            head_lines[head["signature"]] = number
            heads.append(head)
            last_is_head = True
        elif kind == "cosignature":
            if set(obj) != {"cosignature", "tree_size", "type", "witness"}:
                raise bad("a cosignature line has exactly cosignature, tree_size, type and witness")
            if not (last_is_head and obj["tree_size"] == heads[-1]["tree_size"]):
                raise bad("a cosignature must follow the tree head of its size")
            name = obj["witness"]
            if not (isinstance(name, str) and valid_key_name(name)):
                raise bad("witness must be a key name (no space, no plus sign)")
            try:
                blob = unb64(obj["cosignature"]) if isinstance(obj["cosignature"], str) else b""
            except ValueError:
                blob = b""
            if len(blob) <= 4:
                raise bad("cosignature must be base64 of a key id and a signature")
            cosigs.append((number, heads[-1], name, blob[:4], blob[4:]))
        else:
            raise bad('type must be "event", "tree_head" or "cosignature"')

    count = len(events)
    if not last_is_head or heads[-1]["tree_size"] < count:
        last = heads[-1]["tree_size"] if heads else None
        raise Finding("not_sealed", f"the export is not sealed: it holds {count} events but its last line "
                      f"is not a signed tree head covering all of them (last head: {last})")

    heads_sorted = sorted(heads, key=lambda h: (h["tree_size"], h["micros"]))
    for head in heads_sorted:
        try:
            verify_head(head, key)
        except Finding as f:
            f.line = head["line"]
            raise

    roots = Roots()
    for number, position, canonical, recorded in events:
        expected = roots.size + 1
        if position != expected:
            raise Finding("sequence", f"the event at position {expected} is missing or out of place "
                          f"(found position {position})", number, expected)
        if leaf_hash(canonical) != recorded:
            raise Finding("altered", f"the event at position {position} does not hash to its leaf_hash",
                          number, position)
        roots.push(recorded)

    largest = heads_sorted[-1]
    if largest["tree_size"] > count:
        raise Finding("truncated", f"the export ends at {count} events but a head of size "
                      f"{largest['tree_size']} was signed", largest["line"])
    for head in heads_sorted:
        if roots.at[head["tree_size"]] != head["root"]:
            raise Finding("altered", f"the signed root of size {head['tree_size']} does not match the events",
                          head["line"])

    witnessed = []
    for w in witnesses:
        best = None
        for number, head, name, kid, rest in cosigs:
            if name != w.name or kid != w.key_id:
                continue  # another witness's, or another key under this name
            body = checkpoint_body(key.origin, head["tree_size"], head["root"])
            try:
                t = verify_cosignature(w, name, kid, rest, body)
            except Finding as f:
                f.line = number
                raise
            if best is None or best[0] < head["tree_size"]:
                best = (head["tree_size"], t)
        if best is None:
            raise Finding("witness", f"no head of the export is cosigned by the witness {w.name}")
        witnessed.append({"name": w.name, "tree_size": best[0], "timestamp": best[1]})

    return {"events": count, "tree_size": roots.size, "root": roots.at[roots.size],
            "heads": len(heads), "latest": largest, "witnessed": witnessed}


# ---------------------------------------------------------------------------
# The test vectors (docs/audit-vectors)


def check_vectors(d: Path) -> int:
    """Checks every vector; returns how many were checked."""
    checked = 0

    def same(what, got, expected):
        nonlocal checked
        if got != expected:
            raise AssertionError(f"{what}: computed {got!r}, the vector says {expected!r}")
        checked += 1

    def refused(what, expected, run, line=None, position=None):
        try:
            run()
        except Finding as f:
            same(f"{what}: verdict", f.verdict, expected)
            if line is not None:
                same(f"{what}: line", f.line, line)
            if position is not None:
                same(f"{what}: position", f.position, position)
            return
        raise AssertionError(f"{what}: accepted, the vector says {expected}")

    load = lambda name: json.loads((d / name).read_text(encoding="utf-8"))  # noqa: E731

    keys = load("keys.json")
    seed = bytes.fromhex(keys["log"]["seed"])
    secret = Ed25519PrivateKey.from_private_bytes(seed)
    log = LogKey(raw(secret.public_key()))
    same("log public key", log.bytes.hex(), keys["log"]["public_key"])
    same("log public key text", PUBLIC_PREFIX + log.bytes.hex(), keys["log"]["public_key_text"])
    same("log secret key text", "registre-audit-secret-v1:" + seed.hex(), keys["log"]["secret_key_text"])
    same("log key id", log.key_id, keys["log"]["key_id"])
    same("checkpoint origin", log.origin, keys["log"]["checkpoint_origin"])
    same("note key id", log.note_key_id.hex(), keys["log"]["note_key_id"])
    w_secret = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(keys["witness"]["seed"]))
    w_pub = raw(w_secret.public_key())
    name = keys["witness"]["name"]
    vkey = f"{name}+{note_key_id(name, 0x04, w_pub).hex()}+{b64(bytes([0x04]) + w_pub)}"
    same("witness vkey", vkey, keys["witness"]["vkey"])
    witness = Witness(vkey)
    same("witness key id", witness.key_id.hex(), keys["witness"]["key_id"])
    same("witness secret text",
         f"PRIVATE+KEY+{name}+{witness.key_id.hex()}+{b64(bytes([0x04]) + bytes.fromhex(keys['witness']['seed']))}",
         keys["witness"]["secret_key_text"])

    canon = load("canonical.json")
    leaves = []
    for i, v in enumerate(canon["events"]):
        event = event_from_log_form(parse_json(v["input"]))
        b = canonical_json(event)
        same(f"canonical event {i + 1}", b.decode("utf-8"), v["canonical"])
        same(f"canonical event {i + 1} (hex)", b.hex(), v["canonical_hex"])
        same(f"leaf hash {i + 1}", leaf_hash(b).hex(), v["leaf_hash"])
        leaves.append(leaf_hash(b))
    for v in canon["no_canonical_form"]:
        try:
            event_from_log_form(parse_json(v["input"]))
        except NoCanonicalForm:
            same(v["about"], "no_canonical_form", v["verdict"])
        else:
            raise AssertionError(f"{v['about']}: given a canonical form")

    tree = load("tree.json")
    same("empty root", sha256(b"").hex(), tree["empty_root"])
    same("leaf hashes", [x.hex() for x in leaves], tree["leaf_hashes"])
    for r in tree["roots"]:
        same(f"root at {r['tree_size']}", mth(leaves[: r["tree_size"]]).hex(), r["root"])
    for p in tree["inclusion"]:
        i, n = p["leaf_index"], p["tree_size"]
        proof = inclusion_path(i, leaves[:n])
        same(f"inclusion proof ({i}, {n})", [x.hex() for x in proof], p["proof"])
        verify_inclusion(i, n, leaves[i], proof, mth(leaves[:n]))
    for p in tree["consistency"]:
        m, n = p["first_size"], p["second_size"]
        proof = consistency_proof(m, leaves[:n])
        same(f"consistency proof ({m}, {n})", [x.hex() for x in proof], p["proof"])
        verify_consistency(m, n, mth(leaves[:m]), mth(leaves[:n]), proof)
    for p in tree["invalid"]:
        h = bytes.fromhex
        if p["kind"] == "inclusion":
            run = lambda p=p: verify_inclusion(p["leaf_index"], p["tree_size"], h(p["leaf_hash"]),  # noqa: E731
                                               [h(x) for x in p["proof"]], h(p["root"]))
        else:
            run = lambda p=p: verify_consistency(p["first_size"], p["second_size"], h(p["first_root"]),  # noqa: E731
                                                 h(p["second_root"]), [h(x) for x in p["proof"]])
        refused(p["about"], p["verdict"], run)

    sigs = load("signatures.json")
    th = sigs["tree_head"]
    root = mth(leaves[: th["tree_size"]])
    same("signed head root", root.hex(), th["root_hash"])
    micros = timestamp_micros(th["timestamp"])
    same("signed head time", micros, th["timestamp_micros"])
    message = signed_bytes(th["tree_size"], micros, root)
    same("signed bytes", message.hex(), th["signed_bytes"])
    signature = secret.sign(message)
    same("head signature", signature.hex(), th["signature"])
    head = {"tree_size": th["tree_size"], "root_hash": root.hex(), "timestamp": th["timestamp"],
            "key_id": log.key_id, "signature": signature.hex()}
    same("stored head", json.dumps(head, separators=(",", ":")), th["stored_form"])
    same("head export line", canonical_json({"tree_head": head, "type": "tree_head"}).decode(), th["export_line"])
    verify_head(read_head(head), log)

    cp = sigs["checkpoint"]
    body = checkpoint_body(log.origin, th["tree_size"], root)
    same("checkpoint text", body, cp["note_text"])
    line = f"\u2014 {log.origin} {b64(log.note_key_id + secret.sign(body.encode()))}\n"
    same("log signature line", line, cp["log_signature_line"])
    same("signed note", body + "\n" + line, cp["signed_note"])
    same("checkpoint read back", verify_checkpoint(cp["signed_note"], log), (th["tree_size"], root))

    cs = sigs["cosignature"]
    same("cosignature vkey", witness.vkey(), cs["witness_vkey"])
    msg = cosigned_message(body, cs["timestamp"])
    same("cosigned message", msg, cs["signed_message"])
    wsig = w_secret.sign(msg.encode())
    same("cosignature", wsig.hex(), cs["signature"])
    blob = witness.key_id + cs["timestamp"].to_bytes(8, "big") + wsig
    wline = f"\u2014 {witness.name} {b64(blob)}\n"
    same("cosignature line", wline, cs["signature_line"])
    same("cosigned note", body + "\n" + line + wline, cs["cosigned_note"])
    same("cosignature export line", canonical_json(
        {"cosignature": b64(blob), "tree_size": th["tree_size"], "type": "cosignature", "witness": witness.name}
    ).decode(), cs["export_line"])
    _, note_sigs = parse_note(cs["cosigned_note"])
    n, kid, rest = next(s for s in note_sigs if s[0] == witness.name)
    verify_cosignature(witness, n, kid, rest, body)
    for v in sigs["invalid_notes"]:
        refused(v["about"], v["verdict"], lambda v=v: verify_checkpoint(v["note"], log))
    for v in sigs["invalid_cosignatures"]:
        def run(v=v):
            _, [(n, kid, rest)] = parse_note("x\n\n" + v["signature_line"])
            try:
                verify_cosignature(witness, n, kid, rest, v["checkpoint"])
            except Finding as f:
                raise Finding("bad_signature", f.message) from None
        refused(v["about"], v["verdict"], run)

    export = (d / "export.jsonl").read_bytes()
    key = LogKey.from_text((d / "export.pub").read_text())
    spec = load("export.json")
    got = verify_export(export, key, [witness])
    valid = spec["valid"]
    same("export events", got["events"], valid["events"])
    same("export tree size", got["tree_size"], valid["tree_size"])
    same("export root", got["root"].hex(), valid["root"])
    same("export heads", got["heads"], valid["heads"])
    same("export latest head", got["latest"]["tree_size"], valid["latest_head_size"])
    same("export witnesses", [(x["name"], x["tree_size"], x["timestamp"]) for x in got["witnessed"]],
         [(x["name"], x["largest_cosigned_size"], x["timestamp"]) for x in valid["witnesses"]])
    for case in spec["invalid"]:
        lines = export.decode("utf-8").split("\n")[:-1]
        for e in case["edits"]:
            if e["op"] == "replace":
                lines[e["line"] - 1] = e["text"]
            elif e["op"] == "delete":
                del lines[e["line"] - 1]
            elif e["op"] == "insert":
                lines.insert(e["line"] - 1, e["text"])
            elif e["op"] == "swap":
                a, b = e["line"] - 1, e["with"] - 1
                lines[a], lines[b] = lines[b], lines[a]
            else:
                raise AssertionError(f"unknown edit {e['op']}")
        edited = ("\n".join(lines) + "\n").encode("utf-8")
        k = LogKey.from_text(case.get("public_key_text", (d / "export.pub").read_text()))
        ws = [Witness(v) for v in case.get("witnesses", [])]
        refused(case["about"], case["verdict"], lambda: verify_export(edited, k, ws),
                case.get("line"), case.get("position"))
    return checked


# ---------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=f"An independent verifier of the {SPEC}.")
    parser.add_argument("export", nargs="?", type=Path, help="the export file (registre-log-export-v1)")
    parser.add_argument("--key", type=Path, help="the log's public key file (registre-audit-public-v1:<hex>)")
    parser.add_argument("--witness", action="append", default=[], metavar="VKEY",
                        help="a witness's vkey (name+id+key) that must have cosigned a head; repeatable")
    parser.add_argument("--vectors", type=Path, metavar="DIR", help="check the test vectors of DIR instead")
    args = parser.parse_args(argv)

    if args.vectors:
        try:
            n = check_vectors(args.vectors)
        except (AssertionError, Finding, OSError, KeyError, ValueError) as e:
            print(f"vectors: FAILED: {e}", file=sys.stderr)
            return TAMPERED
        print(f"vectors: all {n} checks of {args.vectors} agree with the {SPEC}")
        return 0
    if not args.export or not args.key:
        parser.error("give an export file and --key (or --vectors DIR)")
    try:
        key = LogKey.from_text(args.key.read_text(encoding="utf-8"))
        witnesses = [Witness(v) for v in args.witness]
        data = args.export.read_bytes()
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return CANNOT_RUN
    try:
        got = verify_export(data, key, witnesses)
    except Finding as f:
        where = f" (position {f.position})" if f.position is not None else ""
        print(f"TAMPERED: {f}{where} [{f.verdict}]", file=sys.stderr)
        return TAMPERED
    h = got["latest"]
    print(f"intact: the export is sealed and matches {got['heads']} signed tree head(s)")
    print(f"events: {got['events']}")
    print(f"tree size: {got['tree_size']}")
    print(f"root: {got['root'].hex()}")
    print(f"latest signed head: size {h['tree_size']}, root {h['root'].hex()}, "
          f"signed at {h['timestamp']}, key {h['key_id']}")
    for w in got["witnessed"]:
        print(f"witness {w['name']}: cosigned the head of size {w['tree_size']} (at {w['timestamp']} s since 1970)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
