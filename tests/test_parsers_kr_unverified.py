"""Site parsers written without real pages (Yonhap ... News1): synthetic page -> extract() -> clean_article().

The pages follow the markup public scrapers describe (see each parser's docstring and
tests/fixtures/unverified/ORIGINS.md); they prove the parsers read that markup and leave
anything else to the generic path, not that the sites still serve it. The parsers are added
to the registry here, so host selection is tested whether or not ``parsers/sites`` lists
them yet.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from functools import cache
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

import parsers
from newsflow.items import Article
from parsers import choose_parser, extract
from parsers.base import Page, SiteParser
from parsers.sites.donga import DongaParser
from parsers.sites.hani import HaniParser
from parsers.sites.hankyung import HankyungParser
from parsers.sites.joongang import JoongangParser
from parsers.sites.kbs import KbsParser
from parsers.sites.khan import KhanParser
from parsers.sites.news1 import News1Parser
from parsers.sites.newsis import NewsisParser
from parsers.sites.yna import YnaParser
from parsers.sites.ytn import YtnParser
from pipelines.clean import clean_article
from pipelines.dates import parse_date
from pipelines.text import author_names, reserves_ai, split_tails
from tests.field_checks import check_field

FIXTURES = Path(__file__).parent / "fixtures" / "unverified"
UNVERIFIED: tuple[SiteParser, ...] = (
    YnaParser(), JoongangParser(), DongaParser(), HaniParser(), KhanParser(),
    HankyungParser(), KbsParser(), YtnParser(), NewsisParser(), News1Parser(),
)
# Site furniture that must never reach a body: related lists, ads, bylines, copyright and tip lines.
ABSENT = ["관련", "광고", "AD", "기자 =", "@", "ⓒ", "저작권", "Copyright", "무단", "※", "제보"]

# name -> (fixture, URL the page is fetched at, parser, expected field values)
CASES: dict[str, tuple[str, str, type[SiteParser], dict[str, Any]]] = {
    "yna": ("www.yna.co.kr.AKR20260106123400003.synthetic.html",
            "https://www.yna.co.kr/view/AKR20260106123400003", YnaParser, {
        "title": "정부, 반도체 인력 양성에 3년간 1조원 투입",
        "summary": "대학·기업 공동 교육과정 신설\n\"2028년까지 전문인력 1만명 배출\"",
        # The dateline "(서울=연합뉴스) 김철수 기자 =" is cut.
        "body_first": "정부가 반도체 전문인력을 길러내기 위해 앞으로 3년간 1조원을 투입한다.",
        "body_last": "정부는 이를 통해 2028년까지 전문인력 1만명을 배출한다는 목표를 세웠다.",
        "paragraphs": 4,
        "absent": [*ABSENT, "okjebo", "송고", "세종=연합뉴스"],
        "authors": ["김철수"],
        "published_at": "2026-01-06T16:46:21+09:00",
        "modified_at": "2026-01-06T17:02:10+09:00",
        "section": "경제",
        "tags": ["반도체", "인력양성"],
        "image_count": 1,
        "first_image": "https://img0.yna.co.kr/photo/yna/YH/2026/01/06/PYH2026010612340001300_P4.jpg",
        "first_caption": "(세종=연합뉴스) 홍길동 기자 = 6일 정부세종청사에서 반도체 인력 양성 방안이 발표되고 있다. "
                         "2026.1.6",
        "rights": "<저작권자(c) 연합뉴스, 무단 전재-재배포, AI 학습 및 활용 금지>",
        "rights_reserves_ai": True,
        "canonical_url": "https://www.yna.co.kr/view/AKR20260106123400003",
        "publisher": "연합뉴스",
        "page_type": "article",
    }),
    "joongang": ("www.joongang.co.kr.25395012.synthetic.html",
                 "https://www.joongang.co.kr/article/25395012", JoongangParser, {
        "title": "계약학과 졸업생 취업률 98%…기업 맞춤 교육 확산",
        "summary": None,
        "body_first": "기업이 학비를 대고 졸업생을 채용하는 계약학과의 취업률이 98%에 이른 것으로 나타났다.",
        "body_last": "교육부는 올해 계약학과 정원을 20% 늘릴 계획이다.",
        # The mid-article heading stays: it is part of the text's structure.
        "paragraphs": 5,
        "absent": ABSENT,
        "authors": ["이후연"],
        "authors_raw": ["이후연 기자"],
        "published_at": "2026-01-06T16:27:16+09:00",
        "modified_at": "2026-01-06T18:03:41+09:00",
        "section": "교육",
        "tags": ["계약학과", "취업률"],
        "image_count": 1,
        "first_caption": "지난해 11월 서울의 한 대학 계약학과 실습실에서 학생들이 장비를 다루고 있다. 뉴스1",
        "rights": "ⓒ중앙일보(https://www.joongang.co.kr), 무단 전재 및 재배포 금지",
        "rights_reserves_ai": False,
        "canonical_url": "https://www.joongang.co.kr/article/25395012",
        "publisher": "중앙일보",
    }),
    "donga": ("www.donga.com.133748600.synthetic.html",
              "https://www.donga.com/news/Society/article/all/20260106/133748600/1", DongaParser, {
        "title": "도심 공원 야간 개방 확대…시민 만족도 높아",
        "summary": "서울시, 공원 12곳 밤 10시까지 개방\n야간 안전요원 배치",
        "body_first": "서울시가 도심 공원의 야간 개방을 확대한다.",
        "body_last": "시민 만족도 조사에서는 응답자의 87%가 야간 개방에 찬성했다.",
        "paragraphs": 4,
        "absent": [*ABSENT, "공원 12곳 밤 10시까지 개방", "동아일보 DB"],
        "authors": ["송치훈"],
        "published_at": "2026-01-06T14:18:00+09:00",
        "modified_at": None,
        "section": "사회",
        "image_count": 1,
        "first_caption": "5일 오후 서울 중구의 한 공원에서 시민들이 산책하고 있다. 동아일보 DB",
        "rights": "ⓒ 동아일보 & donga.com, 무단 전재 및 재배포 금지",
        "canonical_url": "https://www.donga.com/news/Society/article/all/20260106/133748600/1",
        "publisher": "동아일보",
    }),
    "hani": ("www.hani.co.kr.1236001.synthetic.html",
             "https://www.hani.co.kr/arti/society/society_general/1236001.html", HaniParser, {
        "title": "지역 공공병원 의사 부족 심화…3곳 중 1곳 진료과 축소",
        "summary": "지방의료원 35곳 중 12곳 휴진\n정부 \"공중보건의 우선 배치\"",
        "body_first": "지역 공공병원의 의사 부족이 갈수록 심해지고 있다.",
        "body_last": "정부는 공중보건의를 지방의료원에 우선 배치하겠다고 밝혔다.",
        "paragraphs": 3,
        # Neither caption (one inside its picture's wrapper, one beside it) reads as text.
        "absent": [*ABSENT, "자료사진"],
        "authors": ["최하얀"],
        "published_at": "2026-01-06T15:45:00+09:00",
        "modified_at": "2026-01-06T17:19:00+09:00",
        "section": "사회",
        "image_count": 2,
        "first_caption": "경남의 한 지방의료원 응급실 입구. 한겨레 자료사진",
        "rights": None,
        "canonical_url": "https://www.hani.co.kr/arti/society/society_general/1236001.html",
        "publisher": "한겨레",
    }),
    "khan": ("www.khan.co.kr.202601061430001.synthetic.html",
             "https://www.khan.co.kr/article/202601061430001", KhanParser, {
        "title": "수도권 전세가율 60% 회복…갭투자 다시 늘까",
        "body_first": "수도권 아파트 전세가율이 1년 반 만에 60%를 회복했다.",
        "body_last": "전문가들은 갭투자가 다시 늘어날 수 있다고 내다봤다.",
        "paragraphs": 3,
        "absent": [*ABSENT, "전셋값"],
        "authors": ["김보람"],
        "authors_raw": ["김보람 기자"],
        "published_at": "2026-01-06T14:30:00+09:00",
        "modified_at": "2026-01-06T15:02:00+09:00",
        "section": "부동산",
        "image_count": 1,
        "first_caption": "서울 송파구의 한 아파트 단지. 경향신문 자료사진",
        "rights": None,
        "canonical_url": "https://www.khan.co.kr/article/202601061430001",
        "publisher": "경향신문",
    }),
    "hankyung": ("www.hankyung.com.2026010612345.synthetic.html",
                 "https://www.hankyung.com/article/2026010612345", HankyungParser, {
        "title": "코스피, 외국인 매수에 2900선 회복",
        "body_first": "코스피가 외국인 매수세에 힘입어 2900선을 회복했다.",
        "body_last": "외국인은 유가증권시장에서 4200억원어치를 순매수했다.",
        "paragraphs": 3,
        "absent": [*ABSENT, "SK하이닉스", "딜링룸"],
        "authors": ["박한경"],
        "published_at": "2026-01-06T15:41:07+09:00",
        "modified_at": "2026-01-06T15:58:30+09:00",
        "section": "증권",
        "image_count": 1,
        "first_caption": "6일 서울 중구 하나은행 딜링룸 모습. 사진=뉴스1",
        "canonical_url": "https://www.hankyung.com/article/2026010612345",
        "publisher": "한국경제",
    }),
    "kbs": ("news.kbs.co.kr.8153601.synthetic.html",
            "https://news.kbs.co.kr/news/pc/view/view.do?ncd=8153601", KbsParser, {
        "title": "서해안 대설특보…항공기 결항 잇따라",
        "body_first": "서해안 지역에 대설특보가 내려지면서 항공기 결항이 잇따르고 있습니다.",
        # The newscast's sign-off is spoken text, kept.
        "body_last": "KBS 뉴스 정다운입니다.",
        "paragraphs": 4,
        "absent": [*ABSENT, "빙판", "대기실"],
        "authors": ["정다운"],
        "published_at": "2026-01-06T17:45:00+09:00",
        "modified_at": "2026-01-06T17:46:00+09:00",
        "section": "사회",
        "image_count": 1,
        "first_image": "https://news.kbs.co.kr/data/fckeditor/new/image/2026/01/06/314761736150001.jpg",
        "first_caption": "6일 오후 제주공항 출발 대기실이 결항 승객들로 붐비고 있다.",
        "canonical_url": "https://news.kbs.co.kr/news/pc/view/view.do?ncd=8153601",
    }),
    "ytn": ("www.ytn.co.kr.0103_202601061823012345.synthetic.html",
            "https://www.ytn.co.kr/_ln/0103_202601061823012345", YtnParser, {
        "title": "퇴근길 지하철 신호 장애…2호선 30분 지연",
        "body_first": "퇴근길 서울 지하철 2호선에서 신호 장애가 발생해 열차 운행이 30분가량 지연됐습니다.",
        "body_last": "공사는 오후 6시 10분쯤 복구를 마쳤다고 설명했습니다.",
        "paragraphs": 3,
        "absent": [*ABSENT, "카카오톡", "02-398-8585", "자료사진"],
        "authors_raw": ["YTN 김하늘 (skykim@ytn.co.kr)"],
        "published_at": "2026-01-06T18:23:00+09:00",
        "section": "사회",
        "image_count": 1,
        "first_caption": "서울 지하철 2호선 열차 [자료사진]",
        "rights": "[저작권자(c) YTN 무단전재, 재배포 및 AI 데이터 활용 금지]",
        "canonical_url": "https://www.ytn.co.kr/_ln/0103_202601061823012345",
        "publisher": "YTN",
    }),
    "newsis": ("www.newsis.com.NISX20260106_0003456789.synthetic.html",
               "https://www.newsis.com/view/NISX20260106_0003456789", NewsisParser, {
        "title": "국회, 민생법안 32건 본회의 처리",
        "summary": "여야 합의 법안 우선 처리\n쟁점 법안은 다음 달로",
        # The dateline "[서울=뉴시스]한지민 기자 =" and the "◎공감언론 뉴시스" tail are cut.
        "body_first": "국회가 6일 본회의를 열고 민생법안 32건을 처리했다.",
        "body_last": "쟁점 법안은 다음 달 임시국회에서 다시 논의된다.",
        "paragraphs": 3,
        "absent": [*ABSENT, "뉴시스", "재판매", "여야 합의 법안 우선 처리"],
        "authors": ["한지민"],
        "published_at": "2026-01-06T13:47:51+09:00",
        "modified_at": None,
        "tags": ["국회", "본회의"],
        "image_count": 1,
        # The caption follows the photo block; it is paired with it.
        "first_caption": "[서울=뉴시스] 조성우 기자 = 6일 서울 여의도 국회에서 본회의가 열리고 있다. 2026.01.06. "
                         "xconfind@newsis.com *재판매 및 DB 금지",
        "canonical_url": "https://www.newsis.com/view/NISX20260106_0003456789",
        "publisher": "뉴시스",
    }),
    "news1": ("www.news1.kr.6015234.synthetic.html",
              "https://www.news1.kr/society/welfare/6015234", News1Parser, {
        "title": "한파 속 난방비 지원 확대…취약계층 120만 가구",
        "body_first": "정부가 한파에 대비해 난방비 지원 대상을 120만 가구로 늘린다.",
        "body_last": "에너지바우처 지원액도 가구당 평균 5만원 오른다.",
        "paragraphs": 3,
        "absent": [*ABSENT, "뉴스1", "바우처 신청 시작"],
        "authors": ["윤지호"],
        "authors_raw": ["윤지호 기자"],
        # No date in the head: the page's time#published stamp.
        "published_at": "2026-01-06T11:05:00+09:00",
        "published_at_raw": "2026-01-06T11:05:00+09:00",
        "section": "사회",
        "image_count": 1,
        "first_caption": "6일 서울 노원구 한 주택가에서 주민이 연탄을 나르고 있다. 2026.1.6/뉴스1 ⓒ News1 김진환 기자",
        "canonical_url": "https://www.news1.kr/society/welfare/6015234",
        "publisher": "뉴스1",
    }),
}


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    with _registered():
        yield


def _registered() -> AbstractContextManager[Any]:
    """The registry with the unverified parsers added (a no-op for those already listed)."""
    return patch.object(parsers, "SITE_PARSERS", (*parsers.SITE_PARSERS, *UNVERIFIED))


def page_text(name: str) -> str:
    return (FIXTURES / CASES[name][0]).read_text(encoding="utf-8")


def extracted(text: str, url: str, *, site_parsers: bool = True) -> Article:
    with _registered():
        return clean_article(extract(text.encode("utf-8"), url, site_parsers=site_parsers))


@cache
def article(name: str) -> Article:
    """The cleaned article of a fixture (cached: tests only read it)."""
    return extracted(page_text(name), CASES[name][1])


@pytest.mark.parametrize(
    ("name", "field"), [(name, field) for name, case in CASES.items() for field in case[3]],
    ids=lambda value: value,
)
def test_field(name: str, field: str) -> None:
    check_field(article(name), field, CASES[name][3][field], whole_paragraphs=True)


@pytest.mark.parametrize("name", CASES)
def test_extracted_by_its_parser(name: str) -> None:
    _, url, parser, _ = CASES[name]
    assert article(name).extractor == parser.name
    assert isinstance(choose_parser(Page(url=url, text=page_text(name)), None), parser)


# --- parser selection -------------------------------------------------------------------------

# Article URLs of each parser's site (forms from public code, see newsflow/sources/*.toml).
OWN_URLS: dict[type[SiteParser], list[str]] = {
    YnaParser: ["https://www.yna.co.kr/view/AKR20251128153400030", "https://m.yna.co.kr/view/AKR20251128153400030"],
    JoongangParser: ["https://www.joongang.co.kr/article/25021311"],
    DongaParser: ["https://www.donga.com/news/Society/article/all/20260415/133748578/1"],
    HaniParser: ["https://www.hani.co.kr/arti/economy/economy_general/1274867.html"],
    KhanParser: ["https://www.khan.co.kr/article/202504141136001"],
    HankyungParser: ["https://www.hankyung.com/article/2025041493977"],
    KbsParser: ["https://news.kbs.co.kr/news/pc/view/view.do?ncd=8153501"],
    YtnParser: ["https://www.ytn.co.kr/_ln/0103_202606282356047019"],
    NewsisParser: ["https://www.newsis.com/view/NISX20260610_0003662923", "https://newsis.com/view/NISX20260610_0003662923"],
    News1Parser: ["https://www.news1.kr/society/incident-accident/5546773"],
}
# Sub-sites with layouts of their own, and other outlets' pages: claimed by none of these parsers.
FOREIGN_URLS = [
    "https://en.yna.co.kr/view/AEN20260106001234315", "https://sports.donga.com/article/all/20260106/1/1",
    "https://h21.hani.co.kr/arti/society/1.html", "https://weekly.khan.co.kr/article/202601061430001",
    "https://magazine.hankyung.com/business/article/202601061234b", "https://world.kbs.co.kr/service/news_view.htm",
    "https://science.ytn.co.kr/program/view.php?mcd=0082", "https://www.mk.co.kr/news/politics/11333783",
    "https://n.news.naver.com/article/001/0015000000", "https://v.daum.net/v/20251215164504502",
    "https://www.chosun.com/politics/2026/01/06/ABCDEFGHIJKLMNOPQRSTUVWXYZ/",
    "https://yna.co.kr.example.net/view/AKR20251128153400030", "https://notyna.co.kr/view/AKR1",
]


@pytest.mark.parametrize("parser", UNVERIFIED, ids=lambda p: p.name)
def test_parser_claims_its_own_hosts_only(parser: SiteParser) -> None:
    own = OWN_URLS[type(parser)]
    others = [url for kind, urls in OWN_URLS.items() if kind is not type(parser) for url in urls]
    assert all(parser.claims_url(url) for url in own)
    assert [url for url in others + FOREIGN_URLS if parser.claims_url(url)] == []


@pytest.mark.parametrize("parser", UNVERIFIED, ids=lambda p: p.name)
def test_no_markup_claims(parser: SiteParser) -> None:
    """Unverified markup must not pull other sites' pages (boards, replays) into these parsers."""
    assert parser.markup == ""
    page = Page(url="https://board.example/1", text=page_text(_case_of(type(parser))))
    assert not parser.claims_markup(page)


def _case_of(kind: type[SiteParser]) -> str:
    return next(name for name, case in CASES.items() if case[2] is kind)


# --- never worse than the generic path ---------------------------------------------------------

UNKNOWN_LAYOUT = """<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>알 수 없는 배치의 기사</title>
<meta property="og:title" content="알 수 없는 배치의 기사">
<meta property="article:published_time" content="2026-01-06T09:00:00+09:00">
<meta name="author" content="홍길동">
</head><body><div class="page"><main class="story">
<h1 class="story-title">알 수 없는 배치의 기사</h1>
<p>사이트가 배치를 바꾸면 파서의 선택자는 아무것도 찾지 못한다. 그때는 범용 추출기가 본문을 맡는다.</p>
<p>범용 추출기는 문단이 모인 곳을 본문으로 고른다. 제목과 날짜는 메타데이터에서 온다.</p>
<p>그래서 검증되지 않은 파서라도 범용 경로보다 나쁜 결과를 내지 않는다. 이 문단이 그 증거다.</p>
</main></div></body></html>"""


@pytest.mark.parametrize("name", CASES)
def test_unknown_layout_is_left_to_the_generic_path(name: str) -> None:
    url = CASES[name][1]
    ours, generic = extracted(UNKNOWN_LAYOUT, url), extracted(UNKNOWN_LAYOUT, url, site_parsers=False)
    assert ours.extractor == "generic"
    for field in ("title", "body", "authors", "published_at", "modified_at", "images", "summary", "page_type"):
        assert getattr(ours, field) == getattr(generic, field), field
    assert ours.body.startswith("사이트가 배치를 바꾸면")


def test_yonhap_section_list_stays_a_listing() -> None:
    """A real Yonhap page without article markup: the parser changes nothing the generic path decides."""
    path = Path(__file__).parent / "fixtures" / "generic" / "www.yna.co.kr.asia-australia.html.gz"
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    url = "https://www.yna.co.kr/international/asia-australia"
    ours, generic = extracted(text, url), extracted(text, url, site_parsers=False)
    assert isinstance(choose_parser(Page(url=url, text=text), None), YnaParser)
    assert ours.page_type == generic.page_type == "listing"
    assert (ours.extractor, ours.title, ours.body, ours.published_at) == (
        "generic", generic.title, generic.body, generic.published_at)


# --- the page's own stamps when the head has no dates ------------------------------------------

# name -> (published_at, modified_at) read from the page once JSON-LD and article:* metas are gone
STAMPS: dict[str, tuple[str, str | None]] = {
    "yna": ("2026-01-06T16:46:00+09:00", None),
    "joongang": ("2026-01-06T16:27:16+09:00", "2026-01-06T18:03:41+09:00"),
    "donga": ("2026-01-06T14:18:00+09:00", None),
    "hani": ("2026-01-06T15:45:00+09:00", "2026-01-06T17:19:00+09:00"),
    "khan": ("2026-01-06T14:30:00+09:00", "2026-01-06T15:02:00+09:00"),
    # "입력 2026.01.06 (17:45)": the bracketed time is read by the KBS parser itself for now.
    "kbs": ("2026-01-06T17:45:00+09:00", "2026-01-06T17:46:00+09:00"),
    "ytn": ("2026-01-06T18:23:00+09:00", None),
    "newsis": ("2026-01-06T13:47:51+09:00", "2026-01-06T14:05:12+09:00"),
    "news1": ("2026-01-06T11:05:00+09:00", None),
}
_HEAD_DATES = re.compile(
    r'<script type="application/ld\+json">.*?</script>|<meta (?:property|name)="(?:article:published_time|'
    r'article:modified_time|author)"[^>]*>',
    re.DOTALL,
)


@pytest.mark.parametrize("name", STAMPS)
def test_page_stamps_when_the_head_has_no_dates(name: str) -> None:
    a = extracted(_HEAD_DATES.sub("", page_text(name)), CASES[name][1])
    assert (a.published_at, a.modified_at) == STAMPS[name]
    assert a.published_at_raw  # the page's own string, kept


def test_newsis_byline_from_the_dateline_when_the_head_names_no_author() -> None:
    a = extracted(_HEAD_DATES.sub("", page_text("newsis")), CASES["newsis"][1])
    assert (a.authors, a.authors_raw) == (["한지민"], ["한지민 기자"])


# --- forms of these outlets the clean step must read (pipelines/text.py, pipelines/dates.py) -------


def test_dateline_with_names_separated_by_spaces() -> None:
    body, _, _ = split_tails(["(서울=연합뉴스) 김철수 이영희 기자 = 정부가 3년간 1조원을 투입한다.", "둘째 문단이다."])
    assert body[0] == "정부가 3년간 1조원을 투입한다."


def test_dateline_does_not_eat_a_word_starting_with_a_title() -> None:
    body, _, _ = split_tails(["(서울=연합뉴스) 정부는 기자회견에서 이렇게 밝혔다.", "둘째 문단이다."])
    assert body[0] == "정부는 기자회견에서 이렇게 밝혔다."


def test_ytn_byline_names_the_reporter_only() -> None:
    assert article("ytn").authors == ["김하늘"]


def test_ai_data_use_reservation() -> None:
    assert reserves_ai("[저작권자(c) YTN 무단전재, 재배포 및 AI 데이터 활용 금지]")


def test_bracketed_time_in_dates() -> None:
    value = parse_date("입력 2026.01.06 (17:45)")
    assert value is not None and value.isoformat() == "2026-01-06T17:45:00+09:00"


def test_newsis_tail_is_no_author() -> None:
    _, bylines, _ = split_tails(["본문 문단이다.", "◎공감언론 뉴시스 jmhan@newsis.com"])
    assert author_names(bylines) == []


def test_byline_with_desk_between_name_and_title() -> None:
    assert author_names(["박한경 한경닷컴 기자 park@hankyung.com"]) == ["박한경"]
