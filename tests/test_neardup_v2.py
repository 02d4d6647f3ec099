"""Version 2 sketches (One Permutation Hashing): the same normal form and shingles as version 1, batch-independent,
an unbiased Jaccard estimate, and golden values so that any change is a deliberate new version."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.fingerprint import normalize_for_hash
from pipelines.neardup import (
    BANDS_V2,
    NUM_PERM,
    distinct,
    jaccard,
    normal_codes,
    shingle_hashes,
    shingle_set,
    sketch,
    sketches,
)
from tests.test_neardup import ARTICLE, BODY, OTHER, PARAGRAPHS

_MAX = 0xFFFFFFFF
# Characters that take every path of the table-driven normal form: Hangul syllables, compatibility jamo
# and conjoining jamo (which compose), full-width forms, ligatures, combining marks, curly quotes and
# dashes, the ellipsis, characters beyond the BMP, and whitespace of every kind.
_TRICKY = "가각힣ㄱㅏ\u1100\u1161\u11a8ＡＢ１２ﬁé\u0301e\u0300“”‘’—–…·「」\U0001F600\U00020000 \t\n\u3000\u00a0"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1)), st.sampled_from(["<i8", "<u4"]))
def test_distinct_is_np_unique(values: list[int], dtype: str) -> None:
    array = np.array(values, dtype=np.int64).astype(dtype)
    found = distinct(array)
    assert found.dtype == array.dtype
    assert np.array_equal(found, np.unique(array))


def text_of(codes: np.ndarray) -> str:
    return codes.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


@pytest.mark.parametrize("body", [BODY, ARTICLE, OTHER, "", "   ", "가", "Ａ…b", _TRICKY, "e\u0301" * 3,
                                  "\u1100\u1161\u11a8 한글", "lone \ud800 surrogate", "NUL\u0000 byte"])
def test_the_table_normal_form_is_normalize_for_hash(body: str) -> None:
    assert text_of(normal_codes(body)) == normalize_for_hash(body)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(_TRICKY) + list("기사본문 AbC.,")), max_size=40))
def test_the_table_normal_form_is_normalize_for_hash_on_any_mix(body: str) -> None:
    assert text_of(normal_codes(body)) == normalize_for_hash(body)


@pytest.mark.parametrize("body", [BODY, ARTICLE, OTHER, "가나", _TRICKY])
def test_the_exact_shingle_set_is_version_1s(body: str) -> None:
    assert np.array_equal(shingle_set(normal_codes(body)), shingle_hashes(body))


def test_a_text_sketches_the_same_alone_and_in_any_batch() -> None:
    bodies = [ARTICLE, "", "가", OTHER, _TRICKY, BODY, "짧은 글", "lone \ud800", *PARAGRAPHS] * 3
    together = sketches(bodies)
    for i, body in enumerate(bodies):
        alone = sketch(body)
        assert np.array_equal(together.signatures[i], alone.signatures[0]), i
        assert np.array_equal(together.band_keys[i], alone.band_keys[0]), i
        assert together.shingles[i] == alone.shingles[0], i


def test_golden_sketch() -> None:
    # Changing these values changes which stored versions match: that is a new MINHASH_VERSION.
    found = sketch(BODY)
    assert found.signatures[0][:6].tolist() == [21218002, 26856925, 20083608, 10177461, 10211265, 31778396]
    assert found.band_keys[0][:3].tolist() == [2698238975657110837, 6483835702322222940, 461797197018654283]
    assert found.shingles.tolist() == [43]
    assert found.signatures.shape == (1, NUM_PERM) and found.band_keys.shape == (1, BANDS_V2)


def test_empty_and_short_texts() -> None:
    found = sketches(["", "가", "가나다라마"])
    assert found.shingles.tolist() == [0, 1, 1]
    assert (found.signatures[0] == _MAX).all()  # nothing to match: the loader stores no key for it
    # A text of one shingle fills every bin (densified): the same text matches itself in every band.
    assert (found.signatures[1:] != _MAX).all()
    assert np.array_equal(sketch("가").band_keys, found.band_keys[1:2])
    assert not np.array_equal(found.band_keys[1], found.band_keys[2])


def _edits() -> list[str]:
    drop_one = "\n\n".join(PARAGRAPHS[:2] + PARAGRAPHS[3:])
    caption = ARTICLE + "\n\n▲ 배경훈 부총리가 15일 기자간담회에서 발언하고 있다. [사진=연합뉴스]"
    replaced = "완전히 다른 문장으로 이 문단을 바꾸어 쓴다. 내용은 전혀 관계가 없다."
    rewrite = "\n\n".join([*PARAGRAPHS[:4], replaced, *PARAGRAPHS[5:]])
    half = "\n\n".join(PARAGRAPHS[:3]) + "\n\n" + OTHER
    return [drop_one, caption, rewrite, half, OTHER]


def test_the_estimate_follows_the_exact_jaccard() -> None:
    # 128 bins: the estimate's standard deviation is at most 0.044; 0.15 is over three of them.
    found = sketches([ARTICLE, *_edits()])
    for i, body in enumerate(_edits(), start=1):
        estimated = float((found.signatures[0] == found.signatures[i]).mean())
        exact = jaccard(shingle_hashes(ARTICLE), shingle_hashes(body))
        assert abs(estimated - exact) < 0.15, (i, estimated, exact)


def test_copies_share_a_band_and_unrelated_texts_do_not() -> None:
    found = sketches([ARTICLE, *_edits()])
    shared = [len(set(found.band_keys[0].tolist()) & set(found.band_keys[i].tolist())) for i in range(1, 6)]
    assert min(shared[:3]) > 0  # paragraph dropped, caption added, sentence rewritten
    assert shared[4] == 0  # a different story


def test_keys_differ_by_band_so_equal_rows_in_two_bands_do_not_collide() -> None:
    found = sketch("가")  # one shingle: every bin, hence every band's rows, the same
    assert len(set(found.band_keys[0].tolist())) == BANDS_V2
