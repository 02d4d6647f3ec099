"""Site parsers, most specific first: portal and re-post markup before publishers' own pages.

Verified on real saved pages: Naver, Daum (a real re-post of its markup), MK, SBS, MBC, MBN,
Chosun, Hankook Ilbo. Written from public scrapers' descriptions and tested on synthetic pages
only (each says UNVERIFIED in its docstring): Yonhap, Newsis, News1, JoongAng, Dong-A,
Hankyoreh, Kyunghyang, Hankyung, KBS, YTN. Those claim pages by exact host only, never by
markup, so an unverified layout cannot capture a page of another site.
"""

from __future__ import annotations

from parsers.base import SiteParser
from parsers.sites.chosun import ChosunParser
from parsers.sites.daum import DaumParser
from parsers.sites.donga import DongaParser
from parsers.sites.hani import HaniParser
from parsers.sites.hankookilbo import HankookIlboParser
from parsers.sites.hankyung import HankyungParser
from parsers.sites.joongang import JoongangParser
from parsers.sites.kbs import KbsParser
from parsers.sites.khan import KhanParser
from parsers.sites.mbc import MbcParser
from parsers.sites.mbn import MbnParser
from parsers.sites.mk import MkParser
from parsers.sites.naver import NaverParser
from parsers.sites.news1 import News1Parser
from parsers.sites.newsis import NewsisParser
from parsers.sites.sbs import SbsParser
from parsers.sites.yna import YnaParser
from parsers.sites.ytn import YtnParser

# Order matters only for markup matches: a board re-posting Daum's copy of an MK article
# carries Daum's markup and links to mk.co.kr, and Daum's markup is what is on the page.
SITE_PARSERS: tuple[SiteParser, ...] = (
    NaverParser(), DaumParser(), MkParser(), SbsParser(), MbcParser(), MbnParser(), ChosunParser(),
    HankookIlboParser(),
    YnaParser(), NewsisParser(), News1Parser(), JoongangParser(), DongaParser(), HaniParser(), KhanParser(),
    HankyungParser(), KbsParser(), YtnParser(),
)
