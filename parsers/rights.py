"""What a page says about crawling and AI use: robots meta and ``X-Robots-Tag`` directives, and TDMRep.

Pure functions over bytes and header strings, so they are cheap (one regex pass over the
page's head, no second HTML parse) and tested without Scrapy. TDMRep
(https://www.w3.org/community/reports/tdmrep/CG-FINAL-tdmrep-20240510/) is read from the
site's ``/.well-known/tdmrep.json`` first, then the ``tdm-reservation`` / ``tdm-policy``
headers, then the meta tags of the same names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Meta tags sit in the head; reading past 256 KB would only cost time on huge pages.
HEAD_BYTES = 256 * 1024
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(rb"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
# The robots meta names that speak to every crawler or to ours.
ROBOTS_NAMES = {"robots", "newsflow"}


@dataclass
class PageRights:
    """The rights signals of one page."""

    robots_directives: list[str] = field(default_factory=list)
    tdm_reservation: bool | None = None
    tdm_policy: str | None = None


@dataclass(frozen=True)
class TdmRule:
    """One entry of a site's ``tdmrep.json``: a path pattern and what it reserves."""

    location: re.Pattern[str]
    reservation: bool
    policy: str | None


# Directives that carry a value after a colon; any other "name:" starts an agent-specific list.
_VALUED = {"max-snippet", "max-image-preview", "max-video-preview", "unavailable_after"}


def _directives(value: str) -> list[str]:
    """``"noindex, max-image-preview:large"`` and ``"googlebot: noai"`` as lower-case directives."""
    found = []
    for token in value.split(","):
        token = token.strip().lower()
        name, colon, rest = token.partition(":")
        if colon and name.strip() not in _VALUED:
            token = rest.strip()  # "googlebot: noai": the agent prefix is dropped
        found += [part for part in token.split() if part] if " " in token and ":" not in token else [token]
    return [d for d in found if d]


def _reservation(value: str | None) -> bool | None:
    if value is None:
        return None
    value = value.strip()
    return True if value == "1" else False if value == "0" else None


def meta_tags(page: bytes) -> dict[str, str]:
    """``name`` → ``content`` of the page's meta tags (lower-case names; later tags of one name appended)."""
    found: dict[str, str] = {}
    head = page[:HEAD_BYTES]
    # Meta tags belong to the head; the body is most of the page and holds none we read.
    end = head.find(b"</head")
    if end < 0:
        end = head.find(b"</HEAD")
    for tag in _META.findall(head[:end] if end > 0 else head):
        # Only robots and TDMRep tags matter: skip the others before splitting attributes.
        lowered = tag.lower()
        if b"robots" not in lowered and b"tdm-" not in lowered and b"newsflow" not in lowered:
            continue
        attrs = {m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or b"") for m in _ATTR.finditer(tag)}
        name = attrs.get(b"name")
        if name is None or b"content" not in attrs:
            continue
        key = name.decode("latin-1").strip().lower()
        content = attrs[b"content"].decode("utf-8", "replace").strip()
        found[key] = f"{found[key]}, {content}" if key in found else content
    return found


def page_rights(page: bytes, headers: dict[str, list[str]], url: str,
                tdm_rules: list[TdmRule] | None = None) -> PageRights:
    """The signals of a page from its bytes, its response headers (lower-case names) and the site's TDMRep rules."""
    metas = meta_tags(page)
    directives: list[str] = []
    for name in ROBOTS_NAMES:
        if name in metas:
            directives += _directives(metas[name])
    for value in headers.get("x-robots-tag", []):
        directives += _directives(value)
    rights = PageRights(robots_directives=sorted(set(directives)))
    rule = match_tdm_rule(tdm_rules or [], url)
    if rule is not None:
        rights.tdm_reservation, rights.tdm_policy = rule.reservation, rule.policy
    elif headers.get("tdm-reservation"):
        rights.tdm_reservation = _reservation(headers["tdm-reservation"][0])
        rights.tdm_policy = (headers.get("tdm-policy") or [None])[0]
    elif "tdm-reservation" in metas:
        rights.tdm_reservation = _reservation(metas["tdm-reservation"])
        rights.tdm_policy = metas.get("tdm-policy")
    return rights


def parse_tdmrep(data: bytes) -> list[TdmRule]:
    """The rules of a ``/.well-known/tdmrep.json`` file; ``ValueError`` when it is not one."""
    entries = json.loads(data)
    if not isinstance(entries, list):
        raise ValueError("tdmrep.json must be a JSON array")
    rules = []
    for entry in entries:
        if not isinstance(entry, dict) or "location" not in entry:
            raise ValueError(f"tdmrep.json entry without a location: {entry!r}")
        reservation = entry.get("tdm-reservation")
        # The location is a path pattern where '*' matches anything (the spec's only wildcard).
        pattern = "^" + ".*".join(re.escape(part) for part in str(entry["location"]).split("*")) + "$"
        rules.append(TdmRule(re.compile(pattern), reservation in (1, "1", True), entry.get("tdm-policy")))
    return rules


def match_tdm_rule(rules: list[TdmRule], url: str) -> TdmRule | None:
    """The first rule whose location matches the URL's path (with its query), as the spec orders them."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return next((rule for rule in rules if rule.location.match(path)), None)
