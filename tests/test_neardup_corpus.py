"""Corpus gates of dedup (``-m corpus``): re-snapshots hash alike, articles do not, near-duplicates found precisely."""

from __future__ import annotations

import pytest

from benchmarks.neardup_eval import Corpus, corpus_dir, edits, load_corpus, warehouse_result
from pipelines.neardup import THRESHOLD, jaccard, shingle_hashes

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    root = corpus_dir()
    if not (root / "neardup_pairs.jsonl").exists():
        pytest.skip(f"corpus not found at {root} (set NEWSFLOW_CORPUS)")
    return load_corpus(root)


def test_every_resnapshot_has_the_same_cleaned_body_hash(corpus: Corpus) -> None:
    assert len(corpus.resnapshots) == 20
    assert [(a, b) for a, b, same in corpus.resnapshots if not same] == []


def test_no_two_different_corpus_articles_share_a_hash(corpus: Corpus) -> None:
    assert corpus.collisions == []
    assert len(corpus.texts) > 500


def test_near_duplicates_in_the_warehouse(corpus: Corpus, pg_admin_url: str) -> None:
    texts = corpus.texts + list(edits(corpus.texts))
    detected = warehouse_result(texts, pg_admin_url)
    by_key = {t.key: t for t in texts}
    shingles = {t.key: shingle_hashes(t.body) for t in texts}

    def near(a: str, b: str) -> bool:
        return jaccard(shingles[a], shingles[b]) >= THRESHOLD

    keys = {t.key for t in corpus.texts}
    file_pairs = [tuple(sorted((a, b))) for a, b, _ in corpus.file_pairs if a in keys and b in keys and near(a, b)]
    assert len(file_pairs) >= 16
    assert sum(detected[p] for p in file_pairs) / len(file_pairs) >= 0.95
    edit_pairs = [tuple(sorted((t.key.split("~")[0], t.key))) for t in texts if t.edit]
    edit_pairs = [p for p in edit_pairs if near(*p)]
    assert len(edit_pairs) > 800
    assert sum(detected[p] for p in edit_pairs) / len(edit_pairs) >= 0.95

    flagged = [p for p, hit in detected.items() if hit]
    different = [p for p in detected if by_key[p[0]].group != by_key[p[1]].group]
    assert len(different) >= 10_000
    false = [p for p in flagged if by_key[p[0]].group != by_key[p[1]].group]
    assert (len(flagged) - len(false)) / len(flagged) >= 0.999, false[:10]
