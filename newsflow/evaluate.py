"""``newsflow evaluate``: score the project's extraction (and trafilatura's) on a corpus of saved pages with gold.

A corpus is a folder with ``gold.jsonl`` and ``pages/`` (see ``../shared/corpus/README.md``).
Each page goes through exactly what a crawl runs, ``clean_article(extract(bytes, url))``,
and is scored against its gold; pages without gold are only timed. The metric rules are
documented in ``docs/extraction.md`` and kept in the small pure functions below.
"""

from __future__ import annotations

import argparse
import gzip
import html
import importlib.util
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipelines.dates import KST
from pipelines.text import author_names

DESCRIPTION = (
    "Score newsflow's extraction (site parsers on, or the generic path alone with --generic) on a corpus "
    "folder of gold.jsonl + pages/, per site and overall; --compare trafilatura scores trafilatura on the "
    "same pages. Pages without gold are only timed. The rules: docs/extraction.md."
)
METRICS = ("pages", "title_exact", "body_f1", "body_f1_bigram", "date_accuracy", "author_recall", "ms_per_page")
# A gold "author" naming the outlet or its desk ("SBS NEWS", "iMBC 연예") is no byline: the item's
# ``authors`` holds people, so such golds are left out of author recall like empty ones.
_ORG_AUTHOR = re.compile(r"(news|뉴스|연예|일보|신문|방송|닷컴|tv|desk|staff)$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


# --- metrics: pure functions ------------------------------------------------------------------------


def fold(text: str | None) -> str:
    """NFC with every run of whitespace folded to one space, trimmed; the form every metric compares."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def prf(got: Counter[str], want: Counter[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of two bags; an empty bag against an empty bag is a perfect match."""
    if not got and not want:
        return 1.0, 1.0, 1.0
    common = sum((got & want).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def token_prf(ours: str, gold: str) -> tuple[float, float, float]:
    """Bag-of-whitespace-tokens precision/recall/F1 after NFC and whitespace folding."""
    return prf(Counter(fold(ours).split()), Counter(fold(gold).split()))


def bigram_f1(ours: str, gold: str) -> float:
    """F1 of character bigrams with whitespace removed: robust to Korean spacing and glued lines."""

    def bigrams(text: str) -> Counter[str]:
        chars = "".join(fold(text).split())
        return Counter(chars[i:i + 2] for i in range(len(chars) - 1))

    return prf(bigrams(ours), bigrams(gold))[2]


def title_matches(ours: str | None, gold: str | None) -> bool | None:
    """Exact title match after folding; gold is HTML-unescaped first (SBS's gold keeps ``&#34;``)."""
    if not gold:
        return None
    return fold(ours) == fold(html.unescape(gold))


def _instant(value: str, tz: str) -> datetime | date | None:
    """An aware datetime for a timestamp (local ``tz`` time when it has no offset), a date for a bare day."""
    text = value.strip().replace("Z", "+00:00")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))


def date_matches(ours: str | None, gold: str | None, tz: str = KST) -> bool | None:
    """Same instant to the minute; the same day where either side gives only a day.

    A gold timestamp without an offset is local time in ``tz`` (KST); our value's day is
    read in its own offset, a gold instant's day in ``tz``. None where gold has no date.
    """
    want = _instant(gold, tz) if gold else None
    if want is None:
        return None
    got = _instant(ours, tz) if ours else None
    if got is None:
        return False
    if isinstance(got, datetime) and isinstance(want, datetime):
        return int(got.timestamp()) // 60 == int(want.timestamp()) // 60
    got_day = got.date() if isinstance(got, datetime) else got
    want_day = want.astimezone(ZoneInfo(tz)).date() if isinstance(want, datetime) else want
    return got_day == want_day


def gold_authors(raw: Sequence[str]) -> list[str]:
    """Gold bylines normalised as ours are (no 기자, no e-mail); blank and outlet names left out."""
    return [name for name in author_names([fold(a) for a in raw if fold(a)])
            if not _ORG_AUTHOR.search("".join(name.split()))]


def summary_in_gold(summary: str | None, gold: str) -> bool:
    """True when every summary line is in the gold text: the gold merged sub-headlines into its body."""
    lines = [("".join(line.split())) for line in (summary or "").splitlines() if line.strip()]
    flat = "".join(fold(gold).split())
    return bool(lines) and all(line in flat for line in lines)


# --- one page ---------------------------------------------------------------------------------------


@dataclass
class Extracted:
    """What one extractor made of a page, in the terms the metrics read."""

    title: str | None = None
    summary: str | None = None
    body: str = ""
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    ms: float = 0.0
    kept: bool = True


@dataclass
class PageScore:
    site: str
    ms: float
    title: bool | None = None
    body: tuple[float, float, float] | None = None
    bigram: float | None = None
    date: bool | None = None
    authors: tuple[int, int] = (0, 0)  # (found, wanted)
    kept: bool = True
    lang: str | None = None


def site_key(gold: dict[str, Any]) -> str:
    """The row a page is reported in: its site; WCXB articles apart from WCXB's other page kinds."""
    if gold.get("page_type"):
        return f"{gold['site']}/{'article' if gold['page_type'] == 'article' else 'other'}"
    return gold["site"]


def score_page(gold: dict[str, Any], got: Extracted, tz: str = KST) -> PageScore:
    """Score one extraction against its gold; metrics the gold cannot judge stay None."""
    score = PageScore(site=site_key(gold), ms=got.ms, kept=got.kept, lang=gold.get("lang"))
    article_gold = gold.get("page_type") in (None, "article")
    if not got.kept and article_gold:
        got = Extracted(ms=got.ms, kept=False)  # the crawl drops it: nothing of it reaches the warehouse
    score.title = title_matches(got.title, gold.get("title"))
    body_gold = "\n".join(gold.get("body") or [])
    if body_gold.strip() and article_gold:
        # Gold that merged the sub-headlines into the body is scored against summary + body.
        ours = f"{got.summary}\n{got.body}" if summary_in_gold(got.summary, body_gold) else got.body
        score.body = token_prf(ours, body_gold)
        score.bigram = bigram_f1(ours, body_gold)
    score.date = date_matches(got.published, gold.get("published"), tz)
    wanted = gold_authors(gold.get("authors") or [])
    ours_names = set(author_names(got.authors))
    score.authors = (sum(name in ours_names for name in wanted), len(wanted))
    return score


def run_ours(page: bytes, url: str, tz: str = KST, site_parsers: bool = True) -> Extracted:
    """The project's extraction, timed: ``clean_article(extract(...))`` as the crawl runs it.

    Times are CPU time of this process: other jobs on a shared machine lengthen the wall
    clock, not the work a page costs.
    """
    # Imported here: the clean step pulls in Scrapy (a second to import), which `newsflow`'s
    # other commands must not pay for when the CLI registers this one.
    from parsers import extract
    from pipelines.clean import clean_article

    start = time.process_time()
    article = clean_article(extract(page, url, site_parsers=site_parsers), tz)
    ms = (time.process_time() - start) * 1000
    return Extracted(title=article.title, summary=article.summary, body=article.body,
                     published=article.published_at, authors=article.authors, ms=ms,
                     kept=article.page_type == "article")


def run_trafilatura(page: bytes, url: str) -> Extracted:
    """trafilatura's default ``extract()`` (timed, body) plus a metadata run for title, date, author."""
    import trafilatura  # an evaluation-only dependency (the ``compare`` extra)

    start = time.process_time()
    text = trafilatura.extract(page, url=url)
    ms = (time.process_time() - start) * 1000
    meta = json.loads(trafilatura.extract(page, url=url, with_metadata=True, output_format="json") or "{}")
    authors = [a for a in (meta.get("author") or "").split(";") if a.strip()]
    return Extracted(title=meta.get("title"), body=text or "", published=meta.get("date"), authors=authors, ms=ms)


# --- a corpus -----------------------------------------------------------------------------------------


def read_corpus(corpus: Path) -> list[dict[str, Any]]:
    """The gold records of a corpus, plus a stand-in record (no gold) for every page gold.jsonl omits."""
    gold_file = corpus / "gold.jsonl"
    records = [json.loads(line) for line in gold_file.read_text("utf-8").splitlines() if line.strip()]
    listed = {record["file"] for record in records}
    pages = corpus / "pages"
    for path in sorted(pages.rglob("*.htm*")) if pages.is_dir() else []:
        rel = path.relative_to(corpus).as_posix()
        if rel not in listed:
            site = path.relative_to(pages).parts[0]
            records.append({"id": rel, "file": rel, "site": site, "url": f"http://{site}/{path.name}"})
    return records


def page_bytes(corpus: Path, record: dict[str, Any]) -> bytes:
    data = (corpus / record["file"]).read_bytes()
    return gzip.decompress(data) if record["file"].endswith(".gz") else data


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def summarise(scores: Sequence[PageScore]) -> dict[str, Any]:
    """The reported numbers of a group of pages: rates and F1s are means over the pages gold can judge."""
    found = sum(s.authors[0] for s in scores)
    wanted = sum(s.authors[1] for s in scores)
    return {
        "pages": len(scores),
        "title_exact": _mean([float(s.title) for s in scores if s.title is not None]),
        "body_f1": _mean([s.body[2] for s in scores if s.body is not None]),
        "body_f1_bigram": _mean([s.bigram for s in scores if s.bigram is not None]),
        "date_accuracy": _mean([float(s.date) for s in scores if s.date is not None]),
        "author_recall": round(found / wanted, 4) if wanted else None,
        "ms_per_page": round(statistics.median(s.ms for s in scores), 2) if scores else None,
    }


def report(scores: Sequence[PageScore]) -> dict[str, Any]:
    """``{"overall": {...}, "sites": {site: {...}}}`` of a list of page scores."""
    sites = sorted({s.site for s in scores})
    return {"overall": summarise(scores), "sites": {site: summarise([s for s in scores if s.site == site])
                                                    for site in sites}}


Extractor = Callable[[bytes, str], Extracted]


def evaluate(corpus: Path, extractors: dict[str, Extractor], site: str | None = None,
             tz: str = KST, repeat: int = 1) -> dict[str, list[PageScore]]:
    """Page scores of each named extractor over the corpus (or one site of it).

    Extractors run in turn on each page, so a busy machine slows them alike; with ``repeat``
    each page is extracted that many times and the fastest time is kept.
    """
    records = [r for r in read_corpus(corpus) if site in (None, r["site"], site_key(r))]
    scores: dict[str, list[PageScore]] = {name: [] for name in extractors}
    for record in records:
        page = page_bytes(corpus, record)
        for name, run in extractors.items():
            got = run(page, record["url"])
            for _ in range(repeat - 1):
                got.ms = min(got.ms, run(page, record["url"]).ms)
            scores[name].append(score_page(record, got, tz))
    return scores


def _cell(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


_COLUMNS = (("pages", "pages"), ("dropped", "_dropped"), ("title", "title_exact"), ("body P", "_precision"),
            ("body R", "_recall"), ("body F1", "body_f1"), ("bigram F1", "body_f1_bigram"), ("date", "date_accuracy"),
            ("authors", "author_recall"), ("ms/page", "ms_per_page"))


def format_table(title: str, result: dict[str, Any], extra: dict[str, dict[str, Any]] | None = None) -> str:
    """A plain-text table: one row a site, then the given extra rows, then overall."""
    groups = {**result["sites"], **(extra or {}), "overall": result["overall"]}
    rows = [["site", *(name for name, _ in _COLUMNS)]]
    rows += [[name, *(_cell(row.get(key)) for _, key in _COLUMNS)] for name, row in groups.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(row[0].ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
             for row in rows]
    return "\n".join([title, *lines])


def _with_pr(scores: Sequence[PageScore]) -> dict[str, Any]:
    """``summarise`` plus body precision and recall, for the printed table only."""
    row = summarise(scores)
    row["_precision"] = _mean([s.body[0] for s in scores if s.body is not None])
    row["_recall"] = _mean([s.body[1] for s in scores if s.body is not None])
    row["_dropped"] = sum(not s.kept for s in scores)
    return row


def _printed(scores: Sequence[PageScore]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    sites = sorted({s.site for s in scores})
    result = {"overall": _with_pr(scores), "sites": {site: _with_pr([s for s in scores if s.site == site])
                                                     for site in sites}}
    korean = [s for s in scores if s.lang == "ko"]
    extra = {"(all ko pages)": _with_pr(korean)} if korean and len(korean) < len(scores) else {}
    return result, extra


# --- the command ------------------------------------------------------------------------------------


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``evaluate`` to the ``newsflow`` command's sub-commands; its handler is ``run``."""
    parser = subparsers.add_parser("evaluate", help="score extraction on a corpus of saved pages with gold",
                                   description=DESCRIPTION)
    configure(parser)
    parser.set_defaults(handler=run)
    return parser


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, shared by ``newsflow evaluate`` and ``python -m newsflow.evaluate``."""
    parser.add_argument("corpus", type=Path, metavar="CORPUS_DIR", help="folder with gold.jsonl and pages/")
    parser.add_argument("--generic", action="store_true", help="turn the site parsers off (generic path alone)")
    parser.add_argument("--compare", choices=["trafilatura"], default=None, help="also score this extractor")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE", help="write the numbers as JSON here")
    parser.add_argument("--site", default=None, help="only this site (a gold 'site', or wcxb/article)")
    parser.add_argument("--timezone", default=KST, help="zone of local times on pages and in gold (default KST)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="time each page N times and keep the fastest (steadier on a busy machine)")


def run(args: argparse.Namespace) -> int:
    """Evaluate, print the tables, write the JSON; 0 on success, 2 when the corpus has no page."""
    corpus: Path = args.corpus
    if not (corpus / "gold.jsonl").is_file():
        print(f"newsflow evaluate: no gold.jsonl in {corpus}", file=sys.stderr)
        return 2
    site_parsers = not args.generic

    def ours(page: bytes, url: str) -> Extracted:
        return run_ours(page, url, args.timezone, site_parsers)

    extractors: dict[str, Extractor] = {"newsflow": ours}
    if args.compare == "trafilatura":
        if importlib.util.find_spec("trafilatura") is None:
            print("newsflow evaluate: --compare trafilatura needs trafilatura (pip install 'newsflow[compare]')",
                  file=sys.stderr)
            return 2
        extractors["trafilatura"] = run_trafilatura
    scores = evaluate(corpus, extractors, args.site, args.timezone, max(1, args.repeat))
    if not scores["newsflow"]:
        print(f"newsflow evaluate: no page in {corpus}" + (f" for site {args.site}" if args.site else ""),
              file=sys.stderr)
        return 2
    label = "newsflow, generic path only" if args.generic else "newsflow, site parsers on"
    for name, page_scores in scores.items():
        result, extra = _printed(page_scores)
        print(format_table(label if name == "newsflow" else f"{name} (default extract)", result, extra))
        print()
    output = report(scores["newsflow"])
    if "trafilatura" in scores:
        output["trafilatura"] = report(scores["trafilatura"])
    if args.json:
        args.json.write_text(json.dumps(output, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsflow.evaluate", description=DESCRIPTION)
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
