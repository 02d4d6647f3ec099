"""Near-duplicate fingerprints: datasketch-equal signatures, golden values, Korean shingles and their invariances."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given
from hypothesis import strategies as st

from pipelines.neardup import (
    BANDS,
    NUM_PERM,
    ROWS,
    SEED,
    THRESHOLD,
    band_keys,
    estimate,
    fingerprint,
    from_bytes,
    jaccard,
    shingle_hashes,
    signature,
    to_bytes,
)

BODY = "배경훈 부총리는 15일 기자간담회에서 “AI 거품은 없다”고 말했다.\n\n정부는 GPU 26만장을 확보했다."
PARAGRAPHS = [
    "배경훈 부총리 겸 과학기술정보통신부 장관이 인공지능 거품은 없다며 독자 AI 모델 확보에 속도를 내겠다고 강조했다.",
    "배 부총리는 15일 기자간담회에서 기업 입장에서는 투자가 많이 들어가다 보니 AI의 효용성에 관한 이야기가"
    " 많았다고 말했다.",
    "그는 이어 정부 의지와 투자만으로는 강국을 만들 수 없다며 엔비디아 그래픽처리장치 26만장 확보의 의미를 설명했다.",
    "한국이 국가 차원에서 AI 3강을 목표로 내걸고 AI 기술 개발과 확산을 추진하고 있는 가운데 거품론이 인 바 있다.",
    "배 부총리는 올해를 돌아보며 AI 3강의 기반을 다지는 해였다며 내년 연구개발 예산 35조5000억원을 확보했다고 밝혔다.",
    "또한 GPU 확보에 최선을 다했다며 엔비디아와 GPU 26만장 공급을 확정 짓고 최근 1만3000장을 들여온 것을 언급했다.",
]
ARTICLE = "\n\n".join(PARAGRAPHS)
OTHER = (
    "서울 아파트 매매가격이 3주 연속 올랐다. 한국부동산원이 발표한 주간 아파트 가격 동향에 따르면 이번 주 서울 "
    "아파트값은 0.2% 상승했다. 강남 3구와 용산구의 상승 폭이 컸고, 전세 가격도 함께 오름세를 보였다."
)


def similarity(a: str, b: str) -> float:
    return jaccard(shingle_hashes(a), shingle_hashes(b))


def test_signature_is_datasketch_minhash_bit_for_bit() -> None:
    shingles = shingle_hashes(ARTICLE)
    reference = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32", hashfunc=int)
    reference.update_batch(shingles.tolist())
    assert np.array_equal(signature(shingles), reference.hashvalues)


def test_golden_fingerprint() -> None:
    # Stored signatures and band keys must not move: a change here is MINHASH_VERSION 2 and a back-fill.
    fp = fingerprint(BODY)
    assert fp.shingles.size == 43
    assert fp.signature[:4].tolist() == [3393442, 161353718, 17133801, 21964348]
    assert fp.band_keys[:2].tolist() == [-7057699740288832521, -7784260492815410320]
    assert fp.signature.dtype == np.uint32 and fp.signature.size == NUM_PERM
    assert fp.band_keys.dtype == np.int64 and fp.band_keys.size == BANDS


def test_shingles_ignore_spacing_paragraphs_quotes_and_width() -> None:
    variant = BODY.replace("\n\n", " ").replace("“", '"').replace("”", '"').replace("GPU", "ＧＰＵ").replace(" ", "  ")
    assert np.array_equal(shingle_hashes(variant), shingle_hashes(BODY))


def test_character_shingles_ignore_korean_spacing_where_word_tokens_break() -> None:
    # Copies re-space Korean freely (띄어쓰기): word tokens then differ, shingles of the unspaced text do not.
    a = "스티븐 비건 미 대북정책 특별대표가 29일 외교부 청사를 방문해 강경화 장관과 면담했다."
    b = "스티븐비건 미대북정책특별대표가 29일 외교부청사를 방문해 강경화장관과 면담했다."
    words_a, words_b = set(a.split()), set(b.split())
    assert len(words_a & words_b) / len(words_a | words_b) < 0.3
    assert similarity(a, b) == 1.0


@pytest.mark.parametrize(
    ("edit", "minimum"),
    [
        ("paragraph_deleted", 0.75),
        ("caption_inserted", 0.85),
        ("byline_added", 0.9),
        ("sentence_rewritten", 0.7),
    ],
)
def test_copies_of_one_story_stay_above_the_threshold(edit: str, minimum: float) -> None:
    paragraphs = list(PARAGRAPHS)
    if edit == "paragraph_deleted":
        del paragraphs[2]
    elif edit == "caption_inserted":
        paragraphs.insert(1, "▲ 배경훈 부총리가 15일 기자간담회에서 질의응답하고 있다. [사진=연합뉴스]")
    elif edit == "byline_added":
        paragraphs = ["(서울=연합뉴스) 홍길동 기자 = " + paragraphs[0], *paragraphs[1:], "홍길동 기자 hong@yna.co.kr"]
    else:
        paragraphs[3] = "정부는 내년에도 AI 예산을 9조9000억원 규모로 편성해 산업 생태계를 키우겠다는 계획이다."
    score = similarity(ARTICLE, "\n\n".join(paragraphs))
    assert minimum <= score < 1.0 and score >= THRESHOLD


def test_different_stories_are_far_below_the_threshold() -> None:
    assert similarity(ARTICLE, OTHER) < 0.05
    assert similarity(ARTICLE, ARTICLE) == 1.0


def test_estimate_follows_the_exact_jaccard() -> None:
    a = fingerprint(ARTICLE)
    b = fingerprint("\n\n".join(PARAGRAPHS[:4]))
    c = fingerprint(OTHER)
    exact = jaccard(a.shingles, b.shingles)
    estimates = estimate(a.signature, np.stack([b.signature, c.signature, a.signature]))
    assert abs(estimates[0] - exact) < 0.15
    assert estimates[1] < 0.1 and estimates[2] == 1.0


def test_similar_texts_share_a_band_and_unrelated_ones_do_not() -> None:
    a, b, c = fingerprint(ARTICLE), fingerprint("\n\n".join(PARAGRAPHS[:5])), fingerprint(OTHER)
    assert set(a.band_keys.tolist()) & set(b.band_keys.tolist())
    assert not set(a.band_keys.tolist()) & set(c.band_keys.tolist())
    # A band key depends on the band's position, not only on its values.
    same_values = np.tile(a.signature[:ROWS], NUM_PERM // ROWS + 1)[:NUM_PERM]
    assert len(set(band_keys(same_values).tolist())) == BANDS


def test_short_and_empty_texts() -> None:
    assert shingle_hashes("").size == 0
    assert fingerprint("").band_keys.size == 0  # an empty text is never anybody's candidate
    assert shingle_hashes("짧다").size == 1
    assert jaccard(shingle_hashes(""), shingle_hashes("")) == 0.0


@given(st.lists(st.integers(min_value=0, max_value=2**32 - 1), min_size=1, max_size=50, unique=True))
def test_signature_round_trips_through_bytes(values: list[int]) -> None:
    sig = signature(np.unique(np.array(values, dtype=np.uint32)))
    assert np.array_equal(from_bytes(to_bytes(sig)), sig)
    assert len(to_bytes(sig)) == 4 * NUM_PERM


@given(st.text(min_size=5, max_size=200), st.sampled_from([" ", "\n\n", "\t", "\u3000"]))
def test_whitespace_never_changes_the_shingles(text: str, space: str) -> None:
    assert np.array_equal(shingle_hashes(text.replace(" ", space)), shingle_hashes(text))
