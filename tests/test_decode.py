"""Decoding: wrong charset declarations, EUC-KR, and mojibake refused (or undone where it maps back exactly).

Real pages: the Daejeon Ilbo article (declares euc-kr, sends UTF-8; tests/fixtures/sites) and a
2020 Naver News home page in EUC-KR bytes (tests/fixtures/generic). The mojibake cases are
made from the real page's own text the way servers and scrapers break it.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from parsers import extract
from parsers.decode import UndecodablePage, decode_html, mojibake, repair_double_encoding
from pipelines.clean import clean_article

FIXTURES = Path(__file__).parent / "fixtures"
DAEJON = "http://m.daejonilbo.com/mnews.asp?pk_no=1412361"
HEADLINE = "코로나19 극복 성금 기탁 줄 잇는다"


def daejon() -> bytes:
    return gzip.decompress((FIXTURES / "sites" / "m.daejonilbo.com.1412361.html.gz").read_bytes())


def naver_euc_kr() -> bytes:
    return gzip.decompress((FIXTURES / "generic" / "news.naver.com.home-2020-euckr.html.gz").read_bytes())


def latin1_mojibake(text: str) -> str:
    """UTF-8 bytes read as Latin-1: what a page becomes when saved again as UTF-8 ("ì½\\x94ë¡\\x9c...")."""
    return text.encode("utf-8").decode("latin-1")


def cp1252_mojibake(text: str) -> str:
    """UTF-8 bytes read as a browser reads CP1252 (its five holes as Latin-1): "ì•ˆë…•"."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8"))


# --- declarations that lie ------------------------------------------------------------------------


def test_euc_kr_declaration_over_utf8_bytes_reads_utf8() -> None:
    text, encoding = decode_html(daejon())
    assert encoding == "utf-8"
    assert HEADLINE in text


def test_euc_kr_declaration_over_utf8_bytes_extracts_clean_korean() -> None:
    a = clean_article(extract(daejon(), DAEJON))
    assert a.page_type == "article"
    assert a.title.endswith(HEADLINE)
    assert "코로나19 극복을 위한 특별모금이 이어지고 있다." in a.body


@pytest.mark.parametrize("declared", ["iso-8859-1", "windows-1252"])
def test_single_byte_declaration_loses_to_valid_utf8(declared: str) -> None:
    text, encoding = decode_html(daejon(), http_charset=declared)
    assert encoding == "utf-8" and HEADLINE in text


def test_single_byte_declaration_loses_to_a_hangul_cp949_reading() -> None:
    text, encoding = decode_html(naver_euc_kr(), http_charset="iso-8859-1")
    assert encoding == "cp949" and "<title>네이버 뉴스</title>" in text


def test_real_euc_kr_page_reads_as_cp949() -> None:
    text, encoding = decode_html(naver_euc_kr())
    assert encoding == "cp949" and "네이버 뉴스" in text


def test_a_real_latin1_page_stays_latin1() -> None:
    page = "<html><head><meta charset='iso-8859-1'><title>Café</title></head><body><p>Élève à l'été.</p>"
    text, encoding = decode_html(page.encode("latin-1"))
    assert encoding == "iso8859-1" and "Élève à l'été." in text


# --- mojibake -------------------------------------------------------------------------------------


def test_double_encoded_page_is_repaired_exactly() -> None:
    """UTF-8 read as Latin-1 and saved again as UTF-8 maps back byte for byte."""
    original = daejon().decode("utf-8")
    for broken in (latin1_mojibake(original), cp1252_mojibake(original)):
        text, _ = decode_html(broken.encode("utf-8"))
        assert text == original


def test_double_encoded_punctuation_in_an_english_page_is_repaired() -> None:
    page = "<p>If you want to know what your competitor’s CTO is listening to — here’s the list.</p>" * 3
    text, _ = decode_html(cp1252_mojibake(page).replace("’", "â€™").encode("utf-8"))
    assert text == page


def test_double_encoding_that_does_not_map_back_is_refused() -> None:
    """Read as strict CP1252 with errors ignored, the bytes at its five holes are gone: the characters
    holding one (about one in seven here) cannot be undone, so the page is a counted drop."""
    original = daejon().decode("utf-8")
    broken = original.encode("utf-8").decode("cp1252", errors="ignore")
    assert repair_double_encoding(broken) != original
    with pytest.raises(UndecodablePage, match="Latin-1/CP1252"):
        decode_html(broken.encode("utf-8"))
    assert clean_article(extract(broken.encode("utf-8"), DAEJON)).page_type == "undecodable"


def test_euc_kr_text_saved_as_latin1_letters_is_refused() -> None:
    """Korean read as Latin-1 then stored as UTF-8: "¾È³çÇÏ¼¼¿ä" everywhere."""
    text = naver_euc_kr().decode("cp949")
    broken = text.encode("cp949").decode("latin-1").encode("utf-8")
    with pytest.raises(UndecodablePage, match="single-byte"):
        decode_html(broken)


def test_page_full_of_replacement_characters_is_refused() -> None:
    """UTF-8 read as CP949 with errors replaced, then saved: Hanja among Hangul and U+FFFD everywhere."""
    broken = daejon().decode("cp949", errors="replace").encode("utf-8")
    with pytest.raises(UndecodablePage, match="replacement characters"):
        decode_html(broken)


def test_a_few_replacement_characters_do_not_refuse_a_page() -> None:
    page = ("<p>" + "정상적인 한국어 문장입니다. " * 50 + "\ufffd</p>") * 3
    text, _ = decode_html(page.encode("utf-8"))
    assert text == page


def test_mixed_charsets_are_refused() -> None:
    """A UTF-8 head over CP949 text fits neither charset; the last-resort guess (here a Cyrillic
    code page) would read the Korean as garbage, so the page is refused."""
    korean = naver_euc_kr().decode("cp949")
    body = korean[korean.index("<body"):][:4000].encode("cp949")
    with pytest.raises(UndecodablePage, match="another charset mixed in"):
        decode_html("<html><head><title>한글 제목</title></head>".encode() + body)


def test_korean_read_as_shift_jis_is_mojibake() -> None:
    """CP949 bytes read as CP932: the Hangul bytes A1-DF come out as half-width katakana."""
    broken = naver_euc_kr().decode("cp949").encode("cp949").decode("cp932", errors="ignore")
    assert "katakana" in (mojibake(broken, "cp932") or "")
    assert mojibake("日本語のページです。カタカナも少しあります。" * 20, "cp932") is None


def test_utf8_read_as_cp949_is_mojibake() -> None:
    """The text a strict CP949 reading of UTF-8 Korean gives, where it succeeds: Hanja among Hangul."""
    broken = daejon().decode("cp949", errors="ignore")
    assert mojibake(broken, "cp949") is not None
    assert mojibake(daejon().decode("utf-8"), "utf-8") is None


@pytest.mark.parametrize("text", [
    "Straße“ und „Weg“ – Grüße aus Köln.",  # "ß“" reads as an NKo letter if "repaired"
    "Tiếng Việt có dấu: người Việt Nam.",
    "平成・令和の日本語テキスト。",
    "中華人民共和國的繁體字與简体字。",
])
def test_real_text_in_other_scripts_is_neither_mojibake_nor_repaired(text: str) -> None:
    assert mojibake(text * 20, "utf-8") is None
    assert repair_double_encoding(text) == text


def test_binary_body_is_still_refused() -> None:
    with pytest.raises(UndecodablePage, match="binary"):
        decode_html(bytes(range(256)) * 100, http_charset="iso-8859-1")
    with pytest.raises(UndecodablePage, match="no charset fits"):
        decode_html(bytes(range(256)) * 100)
