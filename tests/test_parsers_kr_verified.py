"""SBS, MBC, MBN, Chosun Ilbo and Hankook Ilbo parsers end to end on real saved pages: one test per field.

Expected values come from the corpus gold (titles, dates, bylines) and from reading each
page's source by hand (captions, stamps, the embedded JSON); see tests/fixtures/sites/ORIGINS.md.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from newsflow.items import Article
from parsers import choose_parser, extract
from parsers.base import Page
from parsers.sites.chosun import ChosunParser
from parsers.sites.hankookilbo import HankookIlboParser
from parsers.sites.mbc import MbcParser
from parsers.sites.mbn import MbnParser
from parsers.sites.sbs import SbsParser
from pipelines.clean import clean_article, clean_title
from tests.field_checks import check_field

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
SBS = "https://news.sbs.co.kr/news/endPage.do?news_id="
CHOSUN = "https://www.chosun.com"
HANKOOK = "https://www.hankookilbo.com"
SBS_RIGHTS = "ⓒ SBS & SBS Digital News Lab all rights reserved."
MBN_RIGHTS = "Copyright ⓒ MBN(매일방송) 무단전재 및 재배포 금지"
# Chrome each site puts near its text: zoom buttons, tip lines, players, reactions, related lists.
SBS_ABSENT = ["이미지 확대하기", "ⓒ SBS", "페이스북", "SBS연예뉴스"]
MBC_ABSENT = ["제보를 기다립니다", "mbcjebo@mbc.co.kr", "이 기사 어땠나요", "사진 제공"]
MBN_ABSENT = ["VOD 시청 안내", "브라우저 업그레이드", "Copyright", "화제 뉴스", "↑"]
HANKOOK_ABSENT = ["이 기사와 관련된 기사", "Copyright", "기사저장", "@hankookilbo.com", "$$"]

# name -> (fixture file, URL the page is fetched at, expected field values)
CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "sbs-desk-entertainment": ("news.sbs.co.kr.N1007161535.html.gz", SBS + "N1007161535", {
        "extractor": "sbs",
        "title": "\"돌담 식구들 다 모인 건 처음\"…'낭만닥터 김사부3' 메인 포스터 공개",
        "body_first": "돌담져스가 총출동한 '낭만닥터 김사부3' 메인 포스터가 공개됐다.",
        "body_last": "'낭만닥터 김사부' 시즌2 정주행 라이브를 진행하고 있다.",
        "paragraphs": 7,
        "absent": SBS_ABSENT,
        "published_at": "2023-04-20T13:08:00+09:00",
        # The schema.org author is the newsroom ("SBS 뉴스"); the reporter signs the last line.
        "authors": ["강선애"],
        "authors_raw": ["강선애 기자"],
        "section": "연예",
        "image_count": 1,
        "first_image": "https://img.sbs.co.kr/newsnet/etv/upload/2023/04/20/30000841713.jpg",
        "rights": SBS_RIGHTS,
        "canonical_url": SBS + "N1007161535",
    }),
    "sbs-lead-caption": ("news.sbs.co.kr.N1007161610.html.gz", SBS + "N1007161610", {
        "extractor": "sbs",
        "title": "윤 대통령 24~30일 국빈 방미…26일 정상회담 · 27일 의회 연설",
        "body_first": "윤석열 대통령은 조 바이든 미국 대통령 초청으로 다음 달 24일부터 5박 7일 일정으로",
        "body_last": "(사진=연합뉴스)",
        "paragraphs": 17,
        "absent": [*SBS_ABSENT, "▲"],
        "published_at": "2023-04-20T13:02:00+09:00",
        "modified_at": "2023-04-20T13:02:00+09:00",
        "authors": ["김기태"],
        "section": "정치",
        "image_count": 1,
        "first_image": "https://img.sbs.co.kr/newimg/news/20230327/201765900_1280.jpg",
        # The "▲ ..." line opening the text is the lead picture's caption.
        "first_caption": "지난해 11월 캄보디아 프놈펜에서 열린 한미 정상회담",
    }),
    "sbs-video-story": ("news.sbs.co.kr.N1007161168.html.gz", SBS + "N1007161168", {
        # A 비머pick story: its .text_area carries no itemprop.
        "extractor": "sbs",
        "title": "[비머pick] 고등학생 집단폭행에 숨진 30대 가장…피고인들 '감형' 이유는",
        "body_first": "'고등학생 일행이 어린 딸과 아들이 있는 가장을 폭행으로 사망하게 만들었습니다'",
        "body_last": "( 취재 : 박재현, 구성 : 김도균, 편집 : 정용희, 제작 : D콘텐츠기획부 )",
        "paragraphs": 8,
        "absent": SBS_ABSENT,
        "published_at": "2023-04-20T13:50:00+09:00",
        "authors": ["김도균"],
        "section": "사회",
    }),
    "mbc-politics": ("imnews.imbc.com.6470713.html.gz",
                     "https://imnews.imbc.com/news/2023/politics/article/6470713_36119.html", {
        "extractor": "mbc",
        "title": "한덕수 \"'돌덩이' 발언, 국민·강제징용 피해자 지칭한 것 아냐\"",
        "body_first": "한덕수 국무총리는 어제 국회 대정부질문 과정에서 '돌덩이를 치웠다'고 한 표현은,",
        "body_last": "하나하나 논의하고 해결하는 방향으로 노력하겠다\"고 답했습니다.",
        "paragraphs": 6,
        "absent": MBC_ABSENT,
        # The article:published_time meta carries seconds; the 수정 stamp only minutes.
        "published_at": "2023-04-04T16:48:11+09:00",
        "modified_at": "2023-04-04T16:48:00+09:00",
        "modified_at_raw": "수정 2023-04-04 16:48",
        "authors": ["박윤수"],
        "section": "정치",
        "tags": ["한덕수", "돌덩이", "강제징용"],
        "image_count": 1,
        "first_caption": "사진 제공: 연합뉴스",
        "canonical_url": "https://imnews.imbc.com/news/2023/politics/article/6470713_36119.html",
    }),
    "mbc-entertainment-desk": ("imnews.imbc.com.6475748.html.gz",
                               "https://imnews.imbc.com/news/2023/enter/article/6475748_36161.html", {
        "extractor": "mbc",
        "title": "'케이티♥' 송중기, 예비아빠의 미소…훈훈美 자랑",
        "body_first": "배우 송중기가 행복한 일상을 공유했다.",
        "body_last": "박노준 / 사진출처 송중기 인스타그램",
        "published_at": "2023-04-19T21:47:52+09:00",
        # "iMBC 연예" in the writer slot is the desk, not a person.
        "authors": [],
        "section": "iMBC 연예",
        "image_count": 1,
    }),
    "mbc-replay-transcript": ("imnews.imbc.com.6468788.html.gz",
                              "https://imnews.imbc.com/replay/2023/nw1700/article/6468788_36184.html", {
        "extractor": "mbc",
        "title": "한 총리 \"양곡법 재의요구 대통령에 건의\"",
        "body_first": "◀ 앵커 ▶",
        # The tip-line promo after the sign-off is cut.
        "body_last": "MBC뉴스 구민지입니다.",
        "paragraphs": 20,
        "absent": MBC_ABSENT,
        "published_at": "2023-03-29T16:56:08+09:00",
        "modified_at": "2023-03-29T16:57:00+09:00",
        "authors": ["구민지"],
        # The head's label names the program here ("5MBC뉴스"); the meta names the desk.
        "section": "정치",
    }),
    "mbn-economy-transcript": ("mbn.co.kr.4917667.html.gz", "http://www.mbn.co.kr/news/economy/4917667", {
        "extractor": "mbn",
        # og:title and JSON-LD print primes (″); the h1 has the quotes the gold has.
        "title": "\"꽉 닫힌 지갑 열어라\"…'1+1·반값' 불황형 마케팅만 유행",
        "body_first": "【 앵커멘트 】",
        "body_last": "영상편집: 송지영",
        "paragraphs": 26,
        "absent": MBN_ABSENT,
        "published_at": "2023-04-04T19:02:00+09:00",
        "published_at_raw": "기사입력 2023-04-04 19:02",
        "modified_at": "2023-04-04T19:44:00+09:00",
        "modified_at_raw": "최종수정 2023-04-04 19:44",
        "section": "경제",
        "image_count": 0,
        "rights": MBN_RIGHTS,
    }),
    "mbn-entertainment-photo": ("mbn.co.kr.4917683.html.gz", "http://www.mbn.co.kr/news/entertain/4917683", {
        "extractor": "mbn",
        "title": "‘비밀의 여자’ 신고은, 딸 잃고 결국 쫓겨났다…김예령 “감히 거짓말 해?”(종합)[M+TView]",
        "body_first": "‘비밀의 여자’ 신고은이 딸을 잃어버린 가운데 김예령이 그를 집에서 쫓아냈다.",
        "body_last": "[이남경 MBN스타 기자]",
        "paragraphs": 22,
        "absent": MBN_ABSENT,
        "published_at": "2023-04-04T20:28:00+09:00",
        "modified_at": None,
        "section": "연예",
        "image_count": 1,
        "first_image": "http://img.mbn.co.kr/filewww/news/other/2023/04/04/244242044040.jpg",
        "first_caption": "‘비밀의 여자’ 신고은 사진=KBS2 일일드라마 ‘비밀의 여자’ 캡처",
    }),
    "mbn-society-reporter": ("mbn.co.kr.4917663.html.gz", "http://www.mbn.co.kr/news/society/4917663", {
        "extractor": "mbn",
        "title": "사직구장 같은 화끈한 응원…부산 찾은 엑스포 실사단 \"K팝스타 된 기분\"",
        "body_first": "【 앵커멘트 】",
        "body_last": "영상편집 : 김경준",
        "paragraphs": 23,
        "absent": [*MBN_ABSENT, "보도국 사회2부", "이메일 보내기"],
        "published_at": "2023-04-04T19:01:00+09:00",
        "modified_at": "2023-04-04T19:56:00+09:00",
        "authors": ["안진우"],
        "section": "사회",
        "tags": ["MBN", "부산엑스포", "2030세계박람회", "부산", "박형준시장", "안진우기자"],
    }),
    "chosun-sportschosun": ("chosun.com.C4TYKH2D5HO4L5KW7TNCOEGBFI.html.gz",
                            CHOSUN + "/entertainments/enter_general/2023/04/07/C4TYKH2D5HO4L5KW7TNCOEGBFI/", {
        "extractor": "chosun",
        "title": "[SC현장] 이승기♥이다인, 결혼식 시작…유재석→세븐♥이다해 참석",
        # The "[스포츠조선 안소윤 기자]" dateline and the closing byline are cut by the clean step.
        "body_first": "가수 겸 배우 이승기와 배우 이다인이 화촉을 밝힌 가운데,",
        "body_last": "이다인은 극 중 현숙하고 자애로운 경은애 역을 맡아 열연을 펼친다.",
        "paragraphs": 9,
        "absent": ["더 글로리", "antahn22@sportschosun.com", "[스포츠조선"],
        "published_at": "2023-04-07T10:11:02+00:00",
        "modified_at_raw": "2023-04-07T10:22:03.746Z",
        # credits.by: "스포츠조선 = 안소윤 기자".
        "authors": ["안소윤"],
        "section": "연예 일반",
        "image_count": 5,
        "first_image": "https://cloudfront-ap-northeast-1.images.arcpublishing.com/chosun/FEZMZMS7573ITQZD6TVW6DQX4Y.jpg",
        "publisher": "조선일보",
    }),
    "chosun-osen-photo": ("chosun.com.ZSHHWEGZOLUKUKVH6JIICUJFNQ.html.gz",
                          CHOSUN + "/entertainments/entertain_photo/2023/04/07/ZSHHWEGZOLUKUKVH6JIICUJFNQ/", {
        "extractor": "chosun",
        "title": "[사진]정성일, '연진아, 남편 야구한다'",
        "body_first": "[OSEN=대전, 지형준 기자] 7일 오후 대전 한화생명 이글스파크에서",
        "body_last": "‘더 글로리’ 하도영 역의 배우 정성일이 시구를 하고 있다. 2023.04.07 /jpnews@osen.co.kr",
        "paragraphs": 2,
        "published_at": "2023-04-07T10:10:15+00:00",
        # credits.by names the agency ("OSEN"), not a person.
        "authors": [],
        "section": "연예 포토",
    }),
    "chosun-staff": ("chosun.com.PHN3NSOXKVEP3M77YKKWI3QJ6A.html.gz",
                     CHOSUN + "/international/international_general/2023/04/11/PHN3NSOXKVEP3M77YKKWI3QJ6A/", {
        "extractor": "chosun",
        "title": "“아가야, 미안해”…부활절에 버려진 이탈리아 신생아 사연",
        "body_first": "예수가 죽음에서 부활했다는 날을 기념하는 부활절 날,",
        "body_last": "마지막 선택으로 베이비박스를 찾는 것으로 전해졌다.",
        "paragraphs": 13,
        "published_at": "2023-04-11T02:40:17+00:00",
        "modified_at": "2023-04-11T04:07:06+00:00",
        "authors": ["박선민"],
        "authors_raw": ["박선민 기자"],
        "section": "국제 일반",
        "image_count": 2,
        "first_caption": "밀라노 종합병원에서 운영하는 '생명을 위한 요람'. /일 조르날레 트위터",
    }),
    "hankook-2025": ("hankookilbo.com.A2025051516330004328.html.gz", HANKOOK + "/News/Read/A2025051516330004328", {
        "extractor": "hankookilbo",
        # The JSON-LD headline (the gold's), not the h1's, which adds quotes.
        "title": "왜 경상도, 전라도 나눠서 싸우나... DJ 고향에서 '국민 통합' 외친 이재명",
        "summary": "李 여수, 순천, 목포 찾아 빗속 유세\n\"국민끼리 싸우는 시대 끝내겠다\" 선언\n"
                   "다음 정부는 '국민주권 정부'",
        "body_first": "이틀간의 영남 공략을 마친 이재명 더불어민주당 대선 후보는 15일 텃밭 호남을 찾아",
        "body_last": "'90% 득표율'을 목표로 잡았다.",
        "paragraphs": 10,
        # The pull-quote module and its speaker line leave the body too.
        "absent": [*HANKOOK_ABSENT, "경상도와 전라도로 나눠서 왜 싸우나", "李 여수"],
        "published_at": "2025-05-15T20:00:52+09:00",
        "modified_at": "2025-05-15T20:57:36+09:00",
        "authors": ["구현모"],
        "image_count": 3,
        "first_caption": "이재명 더불어민주당 대선 후보가 15일 전남 순천시 연향동 패션의 거리에서 열린 유세에서 "
                         "연설하고 있다. 연합뉴스",
        "publisher": "한국일보",
    }),
    "hankook-2026-json": ("hankookilbo.com.A2026012914320005196.html.gz",
                          HANKOOK + "/news/article/A2026012914320005196", {
        # The DOM holds no text: everything comes from the embedded React Query state.
        "extractor": "hankookilbo",
        # The state's title has a no-break space after "…": folded to a space like all text.
        "title": "장동혁, 한동훈 제명했지만… '윤 어게인' 절연 ·외연 확장 부담 커졌다",
        "summary": "한동훈 제명한 국힘, '지선 모드' 돌입…시선 돌리기\n지선 패배 시 책임 불가피…당대표직 유지 불투명\n"
                   "다음 달 윤석열 내란 1심 선고 후 노선 변화 가능성",
        "body_first": "장동혁 국민의힘 대표가 당권을 위협하던 한동훈 전 대표를 제명했지만, 어깨는 한층 무거워졌다.",
        "body_last": "지선에서 승리할 마지막 기회를 놓치는 것\"이라고 지적했다.",
        "paragraphs": 11,
        "absent": HANKOOK_ABSENT,
        "published_at": "2026-01-29T18:40:00+09:00",
        "published_at_raw": "2026.01.29 18:40",
        "modified_at": "2026-01-29T18:49:00+09:00",
        "authors": ["신현주"],
        "section": "정치",
        "tags": ["국민의힘", "중도층"],
        "image_count": 4,
    }),
    "hankook-2026-dom": ("hankookilbo.com.A2026071220290000630.html.gz",
                         HANKOOK + "/news/article/A2026071220290000630", {
        "extractor": "hankookilbo",
        "title": "민주당 '선호투표제' 도입 또다시 불발··· 친청계 \"당규 개정 왜 밀어붙이나\"",
        "summary": "2시간 반 만에 끝난 '빈손' 최고위\n선호투표제 당규 개정안 상정에\n친청계 \"명백한 당헌 위반\" 반발\n"
                   "15일 최고위가 사실상 마지노선",
        "body_first": "더불어민주당 지도부가 8·17 전당대회 당대표 선거에 선호투표제를 도입하는 방안을 논의했으나",
        "body_last": "\"두들겨 맞으면 많이 아프다\"고 했다.",
        "paragraphs": 9,
        "absent": [*HANKOOK_ABSENT, "이미지 확대보기"],
        "published_at": "2026-07-12T22:09:00+09:00",
        "modified_at": "2026-07-12T22:23:00+09:00",
        # "박준석 기자 외 1명": the JSON-LD names both.
        "authors": ["박준석", "김태연"],
        "section": "정치",
        "image_count": 4,
    }),
}


def page_bytes(name: str) -> bytes:
    return gzip.decompress((FIXTURES / CASES[name][0]).read_bytes())


@cache
def article(name: str) -> Article:
    """The cleaned article of a fixture (cached: tests only read it)."""
    return clean_article(extract(page_bytes(name), CASES[name][1]))


@pytest.mark.parametrize(
    ("name", "field"), [(name, field) for name, case in CASES.items() for field in case[2]],
    ids=lambda value: value,
)
def test_field(name: str, field: str) -> None:
    check_field(article(name), field, CASES[name][2][field])


@pytest.mark.parametrize("name", list(CASES))
def test_every_page_is_a_kept_article(name: str) -> None:
    a = article(name)
    assert (a.page_type, a.language) == ("article", "ko")


# --- parser selection ----------------------------------------------------------------------------

PARSERS = {"sbs": SbsParser, "mbc": MbcParser, "mbn": MbnParser, "chosun": ChosunParser, "hankook": HankookIlboParser}


@pytest.mark.parametrize("name", list(CASES))
def test_parser_chosen_by_fetched_url(name: str) -> None:
    page = Page(url=CASES[name][1], text=page_bytes(name).decode("utf-8"))
    assert isinstance(choose_parser(page, None), PARSERS[name.split("-")[0]])


@pytest.mark.parametrize("name", ["sbs-lead-caption", "mbc-politics", "mbn-society-reporter", "chosun-staff",
                                  "hankook-2026-dom"])
def test_parser_chosen_by_markup_on_a_replay_url(name: str) -> None:
    """A loopback copy is still recognised by its markup (or, for Chosun, its embedded story JSON)."""
    page = Page(url="http://127.0.0.1:8765/replay/1", text=page_bytes(name).decode("utf-8"))
    assert isinstance(choose_parser(page, None), PARSERS[name.split("-")[0]])


def test_replayed_page_extracts_like_the_original() -> None:
    """The canonical URL picks the parser, so a loopback fetch gives the same article."""
    replay = clean_article(extract(page_bytes("chosun-staff"), "http://127.0.0.1:8765/chosun/1"))
    original = article("chosun-staff")
    assert (replay.extractor, replay.title, replay.body) == (original.extractor, original.title, original.body)


def test_chosun_text_is_only_in_the_embedded_json() -> None:
    """The page states its text once, inside the Fusion JSON: only the JSON reading can find it."""
    text = page_bytes("chosun-staff").decode("utf-8")
    sentence = "2009년 서울 관악구의 한 교회에 처음 생긴 이후"
    assert text.count(sentence) == 1 and text.index(sentence) > text.index("Fusion.globalContent=")
    assert sentence in article("chosun-staff").body


def test_chosun_page_without_fusion_json_falls_back_to_generic() -> None:
    page = Page(url=CHOSUN + "/national/2023/04/07/X/", text="<html><body><p>짧은 글.</p></body></html>")
    a = Article(url=page.url, source="")
    ChosunParser().parse(page, a)
    assert (a.body_html, a.extractor) == (None, "")


def test_hankook_state_without_content_is_ignored() -> None:
    """A React Query push that is not the article (menus, reactions) gives no body."""
    text = '<html><body><script>window["__RQ_x"] = [];window["__RQ_x"].push({"queries":[]})</script></body></html>'
    a = Article(url=HANKOOK + "/news/article/A1", source="")
    HankookIlboParser().parse(Page(url=a.url, text=text), a)
    assert a.body_html is None


# --- site names around Korean headlines (pipelines.clean.clean_title) ------------------------------


@pytest.mark.parametrize(("raw", "title"), [
    # og:title of the client-rendered Hankook Ilbo page: section and site after a bare hyphen and "ㅣ".
    ("장동혁, 한동훈 제명했지만… '윤 어게인' 절연 ·외연 확장 부담 커졌다-정치ㅣ한국일보",
     "장동혁, 한동훈 제명했지만… '윤 어게인' 절연 ·외연 확장 부담 커졌다"),
    ("\"왜 경상도, 전라도 나눠서 싸우나\"... DJ 고향에서 '국민 통합' 외친 이재명 | 한국일보",
     "\"왜 경상도, 전라도 나눠서 싸우나\"... DJ 고향에서 '국민 통합' 외친 이재명"),
    ("“아가야, 미안해”…부활절에 버려진 이탈리아 신생아 사연 - 조선일보",
     "“아가야, 미안해”…부활절에 버려진 이탈리아 신생아 사연"),
    ("[부산 Live] 노경은, 4⅓이닝 8실점 부진… 난타에 야수 실책 겹쳤다 - 조선닷컴 - 스포츠 > 스포츠 포토",
     "[부산 Live] 노경은, 4⅓이닝 8실점 부진… 난타에 야수 실책 겹쳤다"),
    ("아시아/호주 | 세계 | 연합뉴스", "아시아/호주"),
    ("정치 홈 : 네이버 뉴스", "정치 홈"),
    ("가상자산 시장 급등 : 네이트 뉴스", "가상자산 시장 급등"),
    ("대전일보 모바일 :: 코로나19 극복 성금 기탁 줄 잇는다", "코로나19 극복 성금 기탁 줄 잇는다"),
    # Left alone: a hyphen inside the headline, a spaced word that is no outlet, a site-only title.
    ("삼성-LG 협력 | 연합뉴스", "삼성-LG 협력"),
    ("K-팝 열풍의 비밀", "K-팝 열풍의 비밀"),
    ("미국 경제 - 세계 경제", "미국 경제 - 세계 경제"),
    ("네이버 뉴스", "네이버 뉴스"),
])
def test_site_name_and_section_leave_the_headline(raw: str, title: str) -> None:
    assert clean_title(raw, None) == title


def test_generic_path_title_of_the_hankook_json_page_has_no_site_suffix() -> None:
    """Without the site parser the og:title ("...-정치ㅣ한국일보") is the title: the suffix goes."""
    a = clean_article(extract(page_bytes("hankook-2026-json"), CASES["hankook-2026-json"][1], site_parsers=False))
    assert a.title == "장동혁, 한동훈 제명했지만… '윤 어게인' 절연 ·외연 확장 부담 커졌다"


def test_long_hostile_titles_are_cleaned_quickly() -> None:
    import time

    start = time.perf_counter()
    for title in ("가 | " * 2000, "ㅣ가" * 4000, "-정치" * 4000 + " x"):
        clean_title(title, None)
    assert time.perf_counter() - start < 0.5
