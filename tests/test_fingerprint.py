"""The content hash: golden values (a change of normalisation must be deliberate) and its invariances."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipelines.fingerprint import content_hash, normalize_for_hash

BODY = "배경훈 부총리는 15일 기자간담회에서 “AI 거품은 없다”고 말했다.\n\n정부는 GPU 26만장을 확보했다."

# Golden hashes of normalisation v1. If one changes, the normalisation changed: bump
# HASH_VERSION and plan the back-fill instead of editing these values.
GOLDEN = {
    BODY: "v1:7f775372308cd7d3e20a96fcbc08b3af83cf2c926422503d83571f756f2ac308",
    "Hello, world.": "v1:b14ffeca6ce84ea431f4f6bb30eaeea4c784921db91324d7860089afa5c7ab9f",
}


def test_golden_hashes() -> None:
    for body, expected in GOLDEN.items():
        assert content_hash(body) == expected


def test_hash_ignores_spacing_paragraphs_quotes_dashes_and_width() -> None:
    variant = "배경훈  부총리는 15일 기자간담회에서 \"AI 거품은 없다\"고 말했다. 정부는 ＧＰＵ 26만장을 확보했다."
    assert content_hash(variant) == content_hash(BODY)
    assert content_hash("A–B — C…") == content_hash("A-B - C...")


def test_hash_sees_a_changed_word() -> None:
    assert content_hash(BODY.replace("26만장", "27만장")) != content_hash(BODY)


def test_hash_is_versioned() -> None:
    assert content_hash(BODY).startswith("v1:") and len(content_hash(BODY)) == 3 + 64


@given(st.text(max_size=300))
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalize_for_hash(text)
    assert normalize_for_hash(once) == once


@given(st.text(max_size=200), st.sampled_from([" ", "\n\n", "\t", "\u3000", "  \n "]))
def test_whitespace_never_changes_the_hash(text: str, space: str) -> None:
    assert content_hash(text.replace(" ", space)) == content_hash(text)


# Normalisation v1 as it was first written: the faster implementation must give the same bytes.
_REFERENCE_PUNCTUATION = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00b7": "·", "\u318d": "·", "\u2022": "·", "\u2027": "·", "\u30fb": "·",
    "\u3010": "[", "\u3011": "]", "\u3008": "<", "\u3009": ">", "\u300a": "<", "\u300b": ">",
    "\u300c": '"', "\u300d": '"', "\u300e": '"', "\u300f": '"',
})


def _reference_normalize(body: str) -> str:
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", body).casefold()
    text = re.sub(r"\s+", "", text.replace("\u2026", "...").translate(_REFERENCE_PUNCTUATION))
    return unicodedata.normalize("NFKC", text)


_TRICKY = "".join(chr(c) for c in _REFERENCE_PUNCTUATION) + "\u2026 \t\n\u3000\u00a0\u200b\u2028가각ＡＢ①ﬁ\u0301"


@given(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), max_size=300))
def test_normalisation_is_byte_identical_to_the_first_v1(text: str) -> None:
    assert normalize_for_hash(text) == _reference_normalize(text)
