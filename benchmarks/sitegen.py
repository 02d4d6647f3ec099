"""Build a large replay site from real article pages, each copy carrying different text.

    python -m benchmarks.sitegen OUT_DIR --pages 5000

Templates are the demo site's real pages (Maeil Business and Naver News articles; more with
``--templates DIR`` of ``*.html.gz`` files). Copy *i* of a template gets a sentence naming
*i* inserted after the body's first sentence and every digit of the headline shifted, so
every page has its own body hash and parses exactly like the real page. The site has a
sitemap index over sitemaps of 1,000 URLs (``/sitemap.xml``) and robots.txt.
"""

from __future__ import annotations

import argparse
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

from parsers import extract
from pipelines.clean import clean_article

DEMO_SITE = Path(__file__).resolve().parents[1] / "newsflow" / "demo" / "site"
URLS_PER_SITEMAP = 1000


@dataclass
class Template:
    name: str
    html: str
    anchor: str
    """Text of the body's first sentence as it stands in the HTML: the copy's marker goes after it."""
    title: str


def _template(name: str, html_bytes: bytes, url: str) -> Template | None:
    html = html_bytes.decode("utf-8", errors="strict")
    article = clean_article(extract(html_bytes, url))
    if article.page_type != "article" or not article.body:
        return None
    first = article.body.split("\n\n")[0]
    for end in ("다.", ". ", "요."):
        cut = first.find(end)
        if cut > 10:
            anchor = first[: cut + len(end)].rstrip()
            break
    else:
        anchor = first[:30]
    # The anchor must stand verbatim in the HTML exactly once (no entity or tag inside it);
    # else take the first 15-character run of the paragraph that does.
    if html.count(anchor) != 1:
        runs = (first[i:i + 15] for i in range(max(0, len(first) - 15)))
        anchor = next((run for run in runs if html.count(run) == 1), "")
        if not anchor:
            return None
    template = Template(name=name, html=html, anchor=anchor, title=article.title)
    # The marker must land in the body, not in a <meta> description repeating its start.
    bodies = {clean_article(extract(copy(template, i).encode(), url)).body for i in (1, 2)}
    return template if len(bodies) == 2 and article.body not in bodies else None


def copy(template: Template, i: int) -> str:
    """Copy ``i`` of a template: a sentence naming ``i`` after the anchor, headline digits shifted."""
    marker = f" 이 문장은 벤치마크 사본 {i}번을 구별합니다."
    html = template.html.replace(template.anchor, template.anchor + marker, 1)
    if template.title:
        html = html.replace(template.title, _shift_digits(template.title, i) + f" ({i})")
    return html


def load_templates(extra: Path | None = None) -> list[Template]:
    """The demo site's article pages (and ``extra``'s), usable as templates."""
    templates = []
    files = sorted(DEMO_SITE.rglob("*.html.gz")) + (sorted(extra.glob("*.html.gz")) if extra else [])
    for file in files:
        rel = file.relative_to(DEMO_SITE).as_posix() if file.is_relative_to(DEMO_SITE) else file.name
        url = "https://" + rel.removesuffix(".html.gz")
        try:
            template = _template(rel, gzip.decompress(file.read_bytes()), url)
        except UnicodeDecodeError:
            continue
        if template is not None:
            templates.append(template)
    return templates


def _shift_digits(text: str, i: int) -> str:
    return re.sub(r"\d", lambda m: str((int(m.group()) + i) % 10), text)


def build_site(out: Path, pages: int, extra: Path | None = None) -> list[str]:
    """Write ``pages`` article pages under ``out/a/<n>.html`` plus sitemaps; return their paths."""
    templates = load_templates(extra)
    if not templates:
        raise SystemExit("no usable template pages")
    (out / "a").mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(pages):
        path = f"a/{i}.html"
        (out / path).write_text(copy(templates[i % len(templates)], i), encoding="utf-8")
        paths.append(path)
    sitemaps = []
    for start in range(0, pages, URLS_PER_SITEMAP):
        name = f"sitemap-{start // URLS_PER_SITEMAP}.xml"
        urls = "".join(f"<url><loc>{{BASE}}/{p}</loc></url>" for p in paths[start:start + URLS_PER_SITEMAP])
        (out / name).write_text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
                                f'schemas/sitemap/0.9">{urls}</urlset>\n', encoding="utf-8")
        sitemaps.append(name)
    index = "".join(f"<sitemap><loc>{{BASE}}/{name}</loc></sitemap>" for name in sitemaps)
    (out / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.'
                                     f'sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>\n', encoding="utf-8")
    (out / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--templates", type=Path, default=None)
    args = parser.parse_args()
    paths = build_site(args.out, args.pages, args.templates)
    print(f"{len(paths)} pages in {args.out}")


if __name__ == "__main__":
    main()
