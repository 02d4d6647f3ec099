"""Judge a crawl from its stats: ``scrapy crawl`` exits 0 after a failed crawl, so its stats decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# A crawl closed by its own article cap or by the day's request budget is a success; any other reason is not.
GOOD_FINISH_REASONS = {"finished", "closespider_itemcount", "request_budget"}
BAN_STATUSES = (403, 429, 503)


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    """Why the crawl failed; empty when it succeeded."""
    warnings: list[str] = field(default_factory=list)
    """What went wrong without failing it (a callback error on one page, say)."""
    idle: str | None = None
    """Why a successful crawl has no article: ``nothing_new`` (everything listed was seen or unchanged),
    ``nothing_in_range`` (a backfill range with no dated entry) or ``request_budget`` (the day's budget
    is spent). None when it has articles, or failed."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": self.problems, "warnings": self.warnings, "idle": self.idle}


def _count(stats: dict[str, Any], key: str) -> int:
    return int(stats.get(key) or 0)


def _sum_prefix(stats: dict[str, Any], prefix: str) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int | float))


def _discovery_failures(stats: dict[str, Any]) -> int:
    # A failed fetch is counted twice: as <kind>_fetch and as <kind>_<why> (http_404, too_large...).
    return sum(int(v) for k, v in stats.items()
               if k.startswith("newsflow/discovery/failed/") and not k.endswith("_fetch"))


def idle_reason(stats: dict[str, Any]) -> str | None:
    """Why discovery scheduled no article although it worked, or None when it did not work."""
    if _count(stats, "newsflow/budget/exhausted"):
        return "request_budget"
    unchanged = (_count(stats, "newsflow/incremental/skipped_seen") + _count(stats, "newsflow/incremental/changed")
                 + _sum_prefix(stats, "newsflow/discovery/not_modified/")
                 + _count(stats, "newsflow/incremental/sitemaps_unchanged"))
    if unchanged:
        return "nothing_new"
    if _count(stats, "newsflow/backfill/outside_range") or _count(stats, "newsflow/backfill/sitemaps_skipped"):
        return "nothing_in_range"
    return None


def judge_crawl(stats: dict[str, Any], *, expect_articles: bool = True) -> Verdict:
    """Fail a crawl that ended abnormally, was banned, found nothing, or kept no article.

    Discovery that worked but listed only pages fetched before (or unchanged feeds and sitemaps)
    is "nothing new": a success with no article, told apart by ``Verdict.idle``.
    """
    verdict = Verdict()
    reason = stats.get("finish_reason")
    if reason not in GOOD_FINISH_REASONS:
        verdict.problems.append(f"crawl ended with finish_reason={reason!r}")
    responses = _count(stats, "downloader/response_count")
    banned = sum(_count(stats, f"downloader/response_status_count/{s}") for s in BAN_STATUSES)
    if responses >= 3 and banned * 2 >= responses:
        verdict.problems.append(f"looks banned: {banned} of {responses} responses were 403/429/503")
    discovered = _count(stats, "newsflow/discovered/article_urls")
    articles = _count(stats, "newsflow/articles")
    forbidden = _count(stats, "robotstxt/forbidden")
    idle = idle_reason(stats)
    if expect_articles and discovered == 0 and idle is None:
        failed = _discovery_failures(stats)
        verdict.problems.append(
            f"discovery found no article URLs ({failed} feed/sitemap/listing fetches failed;"
            f" robots.txt forbade {forbidden} requests)"
        )
    elif expect_articles and (discovered == 0 or (articles == 0 and idle == "request_budget")):
        verdict.idle = idle
    elif expect_articles and articles == 0:
        drops = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("newsflow/dropped/")}
        errors = _sum_prefix(stats, "newsflow/fetch_failed/")
        verdict.problems.append(
            f"0 articles from {discovered} article URLs (dropped: {drops or 'none'};"
            f" fetch failures: {errors}; robots.txt forbade {forbidden})"
        )
    if verdict.problems:
        verdict.idle = None
    exceptions = _sum_prefix(stats, "spider_exceptions/")
    if exceptions:
        verdict.warnings.append(f"{exceptions} page callback(s) raised; see the crawl log")
    if errors := _sum_prefix(stats, "newsflow/fetch_failed/"):
        verdict.warnings.append(f"{errors} article page fetch(es) failed")
    if reason == "request_budget" or _count(stats, "newsflow/budget/exhausted"):
        verdict.warnings.append(f"the daily request budget is spent ({_count(stats, 'newsflow/budget/refused')}"
                                " requests refused); the next run continues tomorrow")
    if backoffs := _sum_prefix(stats, "newsflow/backoff/http_"):
        verdict.warnings.append(f"backed off {backoffs} time(s) on 429/503")
    if exhausted := _count(stats, "retry/max_reached"):
        verdict.warnings.append(f"{exhausted} request(s) still failed after every retry")
    if failed := _discovery_failures(stats):
        verdict.warnings.append(f"{failed} feed/sitemap/listing document(s) failed or were refused"
                                " (newsflow/discovery/failed/*)")
    # Links to internal addresses in a feed are worth a look: a mistake, or someone probing the crawler.
    refused = {k.removeprefix("newsflow/refused/"): int(v) for k, v in stats.items()
               if k.startswith("newsflow/refused/") and k != "newsflow/refused/redirect"}
    if sum(refused.values()):
        verdict.warnings.append(f"refused {sum(refused.values())} request(s) the source may not send ("
                                + ", ".join(f"{k} {v}" for k, v in sorted(refused.items())) + ")")
    return verdict
