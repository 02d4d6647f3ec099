"""Dedup quality on the shared corpus: hash checks, the Jaccard threshold sweep, precision and recall in the warehouse.

    python -m benchmarks.neardup_eval              # ../shared/corpus, or $NEWSFLOW_CORPUS

Prints, in order: the ``same_url_resnapshot`` pairs (the project's real extraction,
``clean_article(extract(bytes, url))``, on both pages; their cleaned-body hashes must match),
hash collisions between different corpus articles, the exact shingle Jaccard of positive and
negative pairs at several thresholds, and the warehouse's own result: every text and generated
edit loaded through ``warehouse.load.load_run`` into a throwaway database, a pair counted as
detected when both texts are one article (same hash) or their articles are linked as
near-duplicates. ``tests/test_neardup_corpus.py`` asserts the same numbers (``-m corpus``).
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def corpus_dir() -> Path:
    return Path(os.environ.get("NEWSFLOW_CORPUS") or REPO.parent / "shared" / "corpus")


@dataclass
class Text:
    key: str
    body: str
    group: str
    """Texts of one group are one story: a page and its re-snapshots, a text and its edits, file near-duplicates."""
    edit: str | None = None


@dataclass
class Corpus:
    texts: list[Text] = field(default_factory=list)
    resnapshots: list[tuple[str, str, bool]] = field(default_factory=list)
    collisions: list[list[str]] = field(default_factory=list)
    file_pairs: list[tuple[str, str, float]] = field(default_factory=list)
    """``korean_text_near_duplicate`` pairs of neardup_pairs.jsonl, and the SBS cross-URL pair, with their Jaccard."""
    no_body: list[str] = field(default_factory=list)
    not_news: list[str] = field(default_factory=list)
    """Pages the validate pipeline would drop: not an article, or under 50 characters of body."""


def load_corpus(root: Path) -> Corpus:
    """Every corpus page through the real extraction, the lovit texts, and the pair file's groups."""
    from newsflow.items import Article
    from parsers import extract
    from pipelines.clean import clean_article
    from pipelines.fingerprint import content_hash

    corpus = Corpus()
    groups: dict[str, str] = {}

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            groups[max(ra, rb)] = min(ra, rb)

    def find(a: str) -> str:
        while groups.setdefault(a, a) != a:
            a = groups[a]
        return a

    bodies: dict[str, str] = {}
    for line in (root / "gold.jsonl").open(encoding="utf-8"):
        page = json.loads(line)
        with gzip.open(root / page["file"]) as file:
            article = clean_article(extract(file.read(), page["url"]))
        if article.page_type != "article" or len(article.body) < 50:  # what the validate pipeline drops
            corpus.no_body.append(page["id"])
        elif page.get("page_type", "article") != "article":
            # WCXB's product, documentation and forum pages: a product in two sizes, a manual on two
            # hosts are near-identical pages, but not different *articles*.
            corpus.not_news.append(page["id"])
        else:
            bodies[page["id"]] = article.body
    for path in sorted((root / "extra" / "lovit-naver-news-text" / "output").glob("*/*/news/*.txt")):
        rel = path.relative_to(root).as_posix()
        for i, line in enumerate(path.open(encoding="utf-8")):
            if line.strip():
                # One article a line, its paragraphs joined by two spaces and the byline and copyright
                # still in: cleaned the way the crawl cleans a body.
                text = "\n\n".join(p for p in re.split(r"\s{2,}", line.strip()) if p)
                body = clean_article(Article(url="https://n.news.naver.com/", source="", body=text)).body
                if len(body) < 50:
                    corpus.no_body.append(f"{rel}#line{i}")
                else:
                    bodies[f"{rel}#line{i}"] = body
    for line in (root / "neardup_pairs.jsonl").open(encoding="utf-8"):
        pair = json.loads(line)
        a, b = pair["a"], pair["b"]
        if pair["type"] == "same_url_resnapshot":
            same = content_hash(bodies.get(a, "")) == content_hash(bodies.get(b, ""))
            corpus.resnapshots.append((a, b, same))
            union(a, b)
        elif pair["type"] == "cross_url_near_duplicate":
            corpus.file_pairs.append((a, b, -1.0))
            union(a, b)
        else:
            # Every pair of the file is one story told twice (outlets, updates); recall is measured
            # on those sharing at least half their shingles.
            corpus.file_pairs.append((a, b, pair["jaccard_char5"]))
            union(a, b)
    by_hash: dict[str, list[str]] = {}
    for key, body in bodies.items():
        by_hash.setdefault(content_hash(body), []).append(key)
    corpus.collisions = [keys for keys in by_hash.values() if len({find(k) for k in keys}) > 1]
    corpus.texts = [Text(key, body, find(key)) for key, body in sorted(bodies.items())]
    return corpus


def _paragraphs(body: str) -> list[str]:
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    if len(paragraphs) > 1:
        return paragraphs
    sentences = [s for s in _SENTENCE.split(body) if s]
    return [" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]


def edits(texts: list[Text], seed: int = 4) -> Iterator[Text]:
    """Edited copies of every Korean text: paragraph deletion, caption insertion, byline change, sentence rewrite."""
    rng = random.Random(seed)
    korean = [t for t in texts if re.search("[가-힣]", t.body)]
    sentences = [s for t in korean for s in _SENTENCE.split(t.body) if 20 < len(s) < 120]
    for text in korean:
        paragraphs = _paragraphs(text.body)
        if len(paragraphs) > 2:
            cut = list(paragraphs)
            del cut[rng.randrange(len(cut))]
            yield Text(text.key + "~paragraph_deleted", "\n\n".join(cut), text.group, "paragraph_deletion")
        captioned = list(paragraphs)
        caption = f"▲ {rng.choice(sentences)[:60]} [사진=연합뉴스]"
        captioned.insert(rng.randrange(len(captioned) + 1), caption)
        yield Text(text.key + "~caption", "\n\n".join(captioned), text.group, "caption_insertion")
        byline = f"(서울=뉴스1) 김기자 기자 = {paragraphs[0]}"
        yield Text(text.key + "~byline", "\n\n".join([byline, *paragraphs[1:], "김기자 기자 kim@news1.kr"]),
                   text.group, "byline_change")
        own = [s for s in _SENTENCE.split(text.body) if s]
        if len(own) > 1:
            i = rng.randrange(len(own))
            own[i] = rng.choice(sentences)
            yield Text(text.key + "~rewrite", " ".join(own), text.group, "sentence_rewrite")


def threshold_sweep(texts: list[Text], thresholds: tuple[float, ...]) -> dict[str, object]:
    """Exact Jaccard of every pair: positives (same group) and negatives (different groups) at each threshold."""
    from pipelines.neardup import jaccard, shingle_hashes

    shingles = [shingle_hashes(t.body) for t in texts]
    positives, negatives = [], []
    for i, j in itertools.combinations(range(len(texts)), 2):
        score = jaccard(shingles[i], shingles[j])
        (positives if texts[i].group == texts[j].group else negatives).append(score)
    return {
        "pairs": (len(positives), len(negatives)),
        "negative_max": max(negatives),
        "rows": [(t, sum(p >= t for p in positives), sum(n >= t for n in negatives)) for t in thresholds],
    }


def warehouse_result(texts: list[Text], admin_url: str) -> dict[tuple[str, str], bool]:
    """Load every text as an article of one day into a throwaway database; detected[(a, b)] for every pair."""
    import uuid

    from pipelines.fingerprint import content_hash
    from warehouse.db import connect
    from warehouse.load import load_run
    from warehouse.migrate import apply_migrations
    from warehouse.server import create_database, drop_database

    name = f"newsflow_eval_{uuid.uuid4().hex[:8]}"
    url = create_database(admin_url, name)
    try:
        apply_migrations(url)
        records = [
            {"url": f"https://eval.example/{i}", "source": "eval", "title": t.key[:80], "body": t.body,
             "content_hash": content_hash(t.body), "published_at": "2026-11-27T10:00:00+09:00",
             "fetched_at": "2026-11-27T01:00:00+00:00", "extractor": "generic"}
            for i, t in enumerate(texts)
        ]
        with connect(url) as conn:
            for start in range(0, len(records), 500):
                batch = records[start:start + 500]
                lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in batch)
                manifest = {"run_id": f"eval-{start}", "source": {"id": "eval", "name": "eval"},
                            "articles": {"count": len(batch), "sha256": hashlib.sha256(lines.encode()).hexdigest()}}
                load_run(conn, manifest, {}, batch)
            article_of = dict(conn.execute(
                "SELECT u.url, u.article_id FROM article_urls u"
            ).fetchall())
            linked = set(conn.execute(
                "SELECT article_id, linked_article_id FROM story_links WHERE evidence = 'near_duplicate'"
            ).fetchall())
    finally:
        drop_database(admin_url, name)
    articles = [article_of[f"https://eval.example/{i}"] for i in range(len(texts))]
    detected = {}
    for i, j in itertools.combinations(range(len(texts)), 2):
        a, b = sorted((articles[i], articles[j]))
        detected[tuple(sorted((texts[i].key, texts[j].key)))] = a == b or (a, b) in linked
    return detected


THRESHOLDS = (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)


def main() -> None:
    import time

    from pipelines.neardup import THRESHOLD, jaccard, shingle_hashes
    from warehouse.server import find_postgres

    started = time.perf_counter()
    corpus = load_corpus(corpus_dir())
    texts = corpus.texts + list(edits(corpus.texts))
    print(f"corpus: {len(corpus.texts)} texts ({len(corpus.no_body)} pages dropped as non-articles or empty, "
          f"{len(corpus.not_news)} WCXB product/documentation/forum pages left out), "
          f"{len(texts) - len(corpus.texts)} generated edits; read in {time.perf_counter() - started:.1f} s")
    same = sum(ok for *_, ok in corpus.resnapshots)
    print(f"same_url_resnapshot pairs with the same cleaned-body hash: {same}/{len(corpus.resnapshots)}")
    for a, b, ok in corpus.resnapshots:
        if not ok:
            print(f"  DIFFERENT: {a} {b}")
    print(f"hash collisions between different corpus articles: {len(corpus.collisions)} {corpus.collisions}")
    sweep = threshold_sweep(texts, THRESHOLDS)
    positives, negatives = sweep["pairs"]
    print(f"exact shingle Jaccard over {positives} same-story and {negatives} different-story pairs "
          f"(highest different-story pair: {sweep['negative_max']:.3f}):")
    print("  threshold  same-story pairs at or above  different-story pairs at or above")
    for threshold, pos, neg in sweep["rows"]:
        print(f"  {threshold:9.2f}  {pos:>29}  {neg:>34}")
    started = time.perf_counter()
    detected = warehouse_result(texts, find_postgres(REPO / ".data" / "pg-test"))
    print(f"warehouse: {len(texts)} articles loaded and clustered in {time.perf_counter() - started:.1f} s")
    by_key = {t.key: t for t in texts}
    shingles = {t.key: shingle_hashes(t.body) for t in texts}
    keys = {t.key for t in corpus.texts}
    file_hits = [detected[tuple(sorted((a, b)))] for a, b, _ in corpus.file_pairs
                 if a in keys and b in keys and jaccard(shingles[a], shingles[b]) >= THRESHOLD]
    print(f"recall on neardup_pairs.jsonl pairs with Jaccard >= {THRESHOLD}: {sum(file_hits)}/{len(file_hits)}"
          f" = {sum(file_hits) / len(file_hits):.3f}")
    labelled = [detected[tuple(sorted((a, b)))] for a, b, score in corpus.file_pairs
                if score >= THRESHOLD and a in keys and b in keys]
    print(f"recall on the pairs the file itself scores >= {THRESHOLD} (jaccard_char5): {sum(labelled)}/{len(labelled)}")
    for kind in ("paragraph_deletion", "caption_insertion", "byline_change", "sentence_rewrite"):
        pairs = [(t.key.split("~")[0], t.key) for t in texts if t.edit == kind]
        above = [p for p in pairs if jaccard(shingles[p[0]], shingles[p[1]]) >= THRESHOLD]
        hits = sum(detected[tuple(sorted(p))] for p in above)
        print(f"recall on {kind} edits with Jaccard >= {THRESHOLD}: {hits}/{len(above)}"
              f" ({len(pairs) - len(above)} edits fell below the threshold)")
    flagged = [pair for pair, hit in detected.items() if hit]
    true = sum(by_key[a].group == by_key[b].group for a, b in flagged)
    different = sum(by_key[a].group != by_key[b].group for a, b in detected)
    print(f"precision: {true}/{len(flagged)} = {true / len(flagged):.4f} over {len(detected)} pairs, "
          f"{different} of them pairs of different stories")
    for a, b in flagged:
        if by_key[a].group != by_key[b].group:
            print(f"  FALSE: {a} {b} {jaccard(shingles[a], shingles[b]):.3f}")


if __name__ == "__main__":
    main()
