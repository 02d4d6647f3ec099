"""Where a crawl may send requests: the source's allowed domains, never private addresses unless the source allows.

The spider refuses such URLs when it makes a request (``NewsSpider.refuse_reason``); this
downloader middleware refuses them again on every request, so that what the spider did not
make itself is covered too: redirect targets (Scrapy's OffsiteMiddleware lets every redirect
of a ``dont_filter`` request through, and feeds and sitemaps are ``dont_filter``), robots.txt
and tdmrep.json fetches. It looks twice: when a request is scheduled (redirects go back
through the scheduler; the request is dropped there) and as the first of all downloader
middlewares (priority ``GUARD_PRIORITY``, for requests that skip the scheduler: robots.txt,
tdmrep.json), so a refused host never even gets a robots.txt request. The spider registers it
itself, so no settings override can drop it.

Refused requests are counted under ``newsflow/refused/<reason>`` (``private_address``,
``offsite``, ``url_too_long``: past ``URLLENGTH_LIMIT``, which Scrapy applies to links but
not to redirect targets), those that were redirect targets also under ``newsflow/refused/redirect``;
at the downloader they raise ``RefusedRequest`` (an ``IgnoreRequest``), which errbacks see.

Only IP literals and ``localhost`` are judged here, without any DNS lookup: a host name that
resolves to a private address is not caught (see docs/security.md for the network-level
egress rule that covers it).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)

GUARD_PATH = "spiders.addresses.AddressGuardMiddleware"
GUARD_PRIORITY = 10
"""Before Scrapy's OffsiteMiddleware (50) and RobotsTxtMiddleware (100)."""
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")


class RefusedRequest(IgnoreRequest):
    """A request to a host the source may not reach; ``reason`` is ``private_address`` or ``offsite``."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"refused ({reason}): {url}")
        self.reason = reason


def host_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host string literally is, or None for a name.

    Besides the dotted quad this reads every form the system resolver accepts without DNS
    (``127.1``, ``0x7f.0.0.1``, ``2130706433``, ``017700000001``): curl, browsers and Twisted
    connect to those as IP addresses, so they must be judged as such.
    """
    host = host.strip("[]").lower().rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone id (fe80::1%eth0) names no other host
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


@lru_cache(maxsize=4096)  # a crawl asks about its few hosts three times a request
def is_private_host(host: str) -> bool:
    """True for loopback, private, link-local, shared, multicast and reserved addresses and for ``localhost``."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = host_address(name)
    if address is None:
        return False
    embedded = _embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
    if embedded is not None and is_private_host(str(embedded)):
        return True
    return not address.is_global or address.is_multicast


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one reaches through mapping, NAT64 or 6to4 (``::ffff:127.0.0.1`` is loopback)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def refuse_reason(url: str, is_allowed: Callable[[str], bool], allow_private: bool) -> str | None:
    """Why ``url`` may not be requested (``private_address``, ``offsite``), or None when it may.

    ``is_allowed`` is the source's domain rule (http(s) on an allowed domain); a private
    address is refused first, so the reason says what matters even when it is also off-site.
    """
    host = urlsplit(url).hostname or ""
    if is_private_host(host) and not allow_private:
        return "private_address"
    if not is_allowed(url):
        return "offsite"
    return None


class AddressGuardMiddleware:
    """Refuse, before the downloader, every request the source may not send (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_url_length = crawler.settings.getint("URLLENGTH_LIMIT")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        guard = cls(crawler)
        # Connected before Scrapy's OffsiteMiddleware (built later, at a higher priority): the count is ours.
        crawler.signals.connect(guard.request_scheduled, signal=signals.request_scheduled)
        return guard

    def request_scheduled(self, request: Request) -> None:
        self.process_request(request)  # the engine drops a request whose handler raised IgnoreRequest

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        source = getattr(spider, "source", None)
        if source is None:  # only the news spider knows a source; others keep Scrapy's own rules
            return None
        reason = refuse_reason(request.url, source.is_allowed, source.allow_private_addresses)
        if reason is None and self.max_url_length and len(request.url) > self.max_url_length:
            reason = "url_too_long"
        if reason is None:
            return None
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"newsflow/refused/{reason}")
        redirected = bool(request.meta.get("redirect_times"))
        if redirected:
            stats.inc_value("newsflow/refused/redirect")
        logger.warning("Refused %s%s (%s) before download", request.url[:300],
                       f" (redirected from {request.meta['redirect_urls'][0]})" if redirected else "", reason)
        raise RefusedRequest(reason, request.url)
