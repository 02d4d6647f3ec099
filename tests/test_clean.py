"""The clean step: fragments to paragraphs, tails to their own fields, names, rights and dates."""

from __future__ import annotations

from newsflow.items import Article
from pipelines.clean import clean_article, clean_title
from pipelines.fragment import fragment_paragraphs
from pipelines.text import author_names, byline_names, reserves_ai, split_tails


def test_fragment_drops_scripts_ads_share_and_related_blocks() -> None:
    html = """<div>
      <p>첫 문단입니다.</p><script>var x = "광고";</script><style>.a{}</style>
      <div class="ad_wrap">광고 영역</div><div class="share_btns">공유하기</div>
      <ul class="related_news"><li><a href="/n/2">관련 기사</a></li></ul>
      <p style="display:none">숨은 글</p><iframe src="/x"></iframe>
      둘째 줄<br>셋째 줄<br><br>
      <p>마지막 &nbsp; 문단  입니다.</p></div>"""
    paragraphs, images = fragment_paragraphs(html)
    assert paragraphs == ["첫 문단입니다.", "둘째 줄", "셋째 줄", "마지막 문단 입니다."]
    assert images == []


def test_figure_captions_become_images_not_text() -> None:
    html = """<div><figure><img data-org-src="https://img/a.jpg" src="https://thumb/a.jpg">
      <figcaption> 사진 설명 [사진 = 연합뉴스] </figcaption></figure><p>본문.</p></div>"""
    paragraphs, images = fragment_paragraphs(html, base_url="https://x.kr/news/1")
    assert paragraphs == ["본문."]
    assert [(i.url, i.caption) for i in images] == [("https://img/a.jpg", "사진 설명 [사진 = 연합뉴스]")]


def test_text_is_nfc() -> None:
    decomposed = "\u1112\u1161\u11ab\uae00"  # 한 in conjoining jamo + 글
    paragraphs, _ = fragment_paragraphs(f"<p>{decomposed}</p>")
    assert paragraphs == ["한글"]


def test_byline_and_copyright_tails_are_cut_into_fields() -> None:
    body, bylines, rights = split_tails([
        "(서울=연합뉴스) 홍길동 기자 = 본문 첫 문장이다.", "둘째 문단.",
        "홍길동 기자 hong@yna.co.kr", "Copyright © 매일경제 & mk.co.kr. 무단 전재, 재배포 및 AI학습 이용 금지",
    ])
    assert body == ["본문 첫 문장이다.", "둘째 문단."]
    assert bylines == ["홍길동 기자 hong@yna.co.kr"]
    assert rights == "Copyright © 매일경제 & mk.co.kr. 무단 전재, 재배포 및 AI학습 이용 금지"


def test_a_mid_body_sentence_mentioning_a_reporter_stays() -> None:
    body, bylines, _ = split_tails(["김철수 기자는 이렇게 말했다. 그리고 떠났다.", "마지막 문단이다."])
    assert body == ["김철수 기자는 이렇게 말했다. 그리고 떠났다.", "마지막 문단이다."] and bylines == []


def test_byline_forms() -> None:
    assert byline_names("홍길동·김철수 기자") == ["홍길동", "김철수"]
    assert byline_names("[홍길동 기자]") == ["홍길동"]
    assert byline_names("/홍길동 특파원 hong@x.kr") == ["홍길동"]
    assert byline_names("By Jane Doe and John Roe") == ["Jane Doe", "John Roe"]
    assert byline_names("이것은 평범한 문장입니다 기자회견이 열렸다.") is None


def test_author_names_strip_titles_emails_and_split_lists() -> None:
    assert author_names(["배윤경 기자 bykj@mk.co.kr", "이상현 기자"]) == ["배윤경", "이상현"]
    assert author_names(["By 배윤경,이상현,한수진,김혜진"]) == ["배윤경", "이상현", "한수진", "김혜진"]
    assert author_names(["박준석 기자 외 1명"]) == ["박준석"]


def test_ai_reservation_is_detected() -> None:
    assert reserves_ai("Copyright © 매일경제 & mk.co.kr. 무단 전재, 재배포 및 AI학습 이용 금지")
    assert reserves_ai("무단전재 및 재배포, AI 학습 및 활용 금지")
    assert not reserves_ai("무단 전재 및 재배포 금지")


def test_title_loses_the_site_suffix_only() -> None:
    title = "‘흙수저’ 소년공이 쏘아올린 정치 신화"
    assert clean_title(f"{title} - 매일경제", "매일경제") == title
    assert clean_title("A - B", "매일경제") == "A - B"


def test_clean_article_end_to_end() -> None:
    article = Article(
        url="https://www.mk.co.kr/news/it/1", source="mk", title="제목 - 매일경제", publisher="매일경제",
        body_html="<div><p>첫 문단.</p><p>둘째 문단.</p><p>홍길동 기자</p>"
                  "<p>Copyright © 매일경제 & mk.co.kr. 무단 전재, 재배포 및 AI학습 이용 금지</p></div>",
        published_at_raw="입력 2025-12-15 16:45", modified_at_raw="2025.12.15. 오후 5:01",
        summary=" 요약 한 줄 \n\n 둘째 줄 ", tags=["AI", "AI", " 반도체 "],
    )
    clean_article(article)
    assert article.title == "제목"
    assert article.body == "첫 문단.\n\n둘째 문단."
    assert article.authors == ["홍길동"] and article.authors_raw == ["홍길동 기자"]
    assert article.rights_reserves_ai and article.rights.startswith("Copyright")
    assert article.published_at == "2025-12-15T16:45:00+09:00"
    assert article.modified_at == "2025-12-15T17:01:00+09:00"
    assert article.summary == "요약 한 줄\n둘째 줄"
    assert article.tags == ["AI", "반도체"]
    assert article.body_html is None
