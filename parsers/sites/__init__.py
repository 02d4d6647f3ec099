"""Site parsers, most specific first: portal and re-post markup before publishers' own pages."""

from __future__ import annotations

from parsers.base import SiteParser
from parsers.sites.daum import DaumParser
from parsers.sites.mk import MkParser
from parsers.sites.naver import NaverParser

# Order matters only for markup matches: a board re-posting Daum's copy of an MK article
# carries Daum's markup and links to mk.co.kr, and Daum's markup is what is on the page.
SITE_PARSERS: tuple[SiteParser, ...] = (NaverParser(), DaumParser(), MkParser())
