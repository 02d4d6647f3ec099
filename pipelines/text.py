"""Text rules of Korean (and English) news: bylines, e-mail and copyright tails, author names.

Bylines and copyright lines are cut from the body's tail (and datelines from its head)
and kept in their own fields: the body hash must not change when a portal copy drops
the byline or a board adds its own copyright line.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "Copyright © 매일경제 & mk.co.kr", "ⓒ 한국일보", "저작권자 © SBS", "무단 전재 및 재배포 금지", "All rights reserved"
_COPYRIGHT = re.compile(
    r"copyright|ⓒ|©|\(c\)\s|저작권자|무단\s*전재|무단\s*복제|재배포\s*금지|all rights reserved",
    re.IGNORECASE,
)
# The reservation of text-and-data mining: "AI학습 이용 금지", "AI 학습 및 활용 금지", "인공지능 학습 금지"
_AI_RESERVED = re.compile(
    r"(ai|인공지능)\s*(?:데이터\s*)?(학습|활용|훈련|이용)"
    r"|text\s+and\s+data\s+mining|\btdm\b|machine\s+learning|ai\s+training",
    re.IGNORECASE,
)
# A byline line: "홍길동 기자", "홍길동 기자 hong@mk.co.kr", "/홍길동 기자", "[홍길동 기자]", "글=홍길동 기자",
# "홍길동·김철수 기자", "By Hong Gil-dong"; short, and nothing after the title but an e-mail.
_TITLE_WORDS = (
    r"(?:선임|수석|전문|객원|인턴|사진|영상)?\s*"
    r"(?:기자|특파원|논설위원|위원|에디터|앵커|PD|통신원|리포터|작가|칼럼니스트)"
)
_BYLINE = re.compile(
    rf"^[\[(/<〈【]?\s*(?:글·?사진\s*=\s*|글\s*=\s*|사진\s*=\s*)?"
    rf"(?P<names>[가-힣]{{2,4}}(?:\s*[·,ㆍ/]\s*[가-힣]{{2,4}})*)\s*{_TITLE_WORDS}"
    rf"(?:\s*[\])>〉】])?\s*(?:\(?{_EMAIL.pattern}\)?)?\s*$",
)
_ENGLISH_NAME = r"[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}"
_ENGLISH_BYLINE = re.compile(rf"^[Bb][Yy]\s+(?P<names>{_ENGLISH_NAME}(?:\s*(?:,|and)\s*{_ENGLISH_NAME})*)$")
# A dateline opening the first paragraph: "(서울=연합뉴스) 홍길동 기자 = ", "[서울=뉴시스]", "【서울=뉴시스】"
# or a bracketed "outlet + reporter" byline opening it: "[이데일리 조민정 기자]", "(서울 홍길동 특파원)".
_DATELINE = re.compile(
    r"^\s*[\[(【]\s*[가-힣A-Za-z ]{1,12}\s*=\s*[가-힣A-Za-z0-9 ]{1,12}\s*[\])】]\s*"
    rf"(?:[가-힣]{{2,4}}(?:(?:\s*[·,]\s*|\s+)[가-힣]{{2,4}})*\s*{_TITLE_WORDS}(?![가-힣])\s*=?\s*)?"
    rf"|^\s*[\[(【]\s*[가-힣A-Za-z]{{1,12}}\s+[가-힣]{{2,4}}(?:\s*[·,]\s*[가-힣]{{2,4}})*\s*{_TITLE_WORDS}\s*[\])】]\s*"
)
_NAME_TRIM = re.compile(
    rf"\s*{_TITLE_WORDS}\s*$|^\s*(?:by|글|사진|글·사진)\s*[=:]?\s*"
    r"|^\s*(?:YTN|KBS|MBC|SBS|MBN|JTBC)\s+(?=[가-힣])|\s+[가-힣]{1,6}닷컴\s*$",
    re.IGNORECASE,
)
# A tagline closing the text ("◎공감언론 뉴시스 hong@newsis.com"): cut, but it names nobody.
_TAGLINE = re.compile(r"^[◎▶■●◆☞※]")
_NAME_SPLIT = re.compile(r"\s*(?:[,·ㆍ/|&]|\band\b|\s외\s*\d+\s*명)\s*")
_TAIL_LINES = 4


def is_copyright_line(line: str) -> bool:
    return bool(_COPYRIGHT.search(line)) and len(line) < 300


def reserves_ai(rights: str | None) -> bool:
    """True when a rights line reserves the text from AI training or text-and-data mining."""
    return bool(rights) and bool(_AI_RESERVED.search(rights or ""))


def byline_names(line: str) -> list[str] | None:
    """The names in a byline line (``홍길동·김철수 기자 hong@x.kr``), or None when it is not one."""
    if len(line) > 80:
        return None
    match = _BYLINE.match(line) or _ENGLISH_BYLINE.match(line)
    if match is None:
        bare = _EMAIL.sub("", line).strip(" ()[]/<>")
        if _EMAIL.search(line) and len(bare) <= 12:
            return [bare] if bare and not _TAGLINE.match(bare) else []
        return None
    return [n for n in _NAME_SPLIT.split(match.group("names")) if n]


def split_tails(paragraphs: list[str]) -> tuple[list[str], list[str], str | None]:
    """Cut byline and copyright lines off the end of the body and a dateline off its start.

    Returns ``(body, bylines, rights)``: the remaining paragraphs, the byline lines cut
    (for the authors field), and the copyright line (for the rights field).
    """
    body = list(paragraphs)
    bylines: list[str] = []
    rights: str | None = None
    cut = 0
    while body and cut < _TAIL_LINES:
        last = body[-1]
        if is_copyright_line(last):
            rights = rights or last
        elif (names := byline_names(last)) is not None:
            if names:  # a bare address or a tagline closes the text but names nobody
                bylines.insert(0, last)
        elif len(last) <= 3:
            pass  # a lone "끝", "/", "▶" left at the tail
        else:
            break
        body.pop()
        cut += 1
    if body:
        match = _DATELINE.match(body[0])
        if match and match.end() < len(body[0]):
            body[0] = body[0][match.end():].lstrip()
    return body, bylines, rights


def author_names(raw: list[str]) -> list[str]:
    """Names from byline strings: titles (``기자``), e-mails and ``By`` removed, lists split, order kept."""
    names: list[str] = []
    for line in raw:
        text = _EMAIL.sub(" ", line)
        text = re.sub(r"[\[\]()<>〈〉【】]", " ", text)
        for part in _NAME_SPLIT.split(text):
            part = " ".join(_NAME_TRIM.sub("", part.strip()).split()).strip(" =:/-")
            part = _NAME_TRIM.sub("", part).strip(" =:/-")
            if part and len(part) <= 40 and part not in names:
                names.append(part)
    return names
