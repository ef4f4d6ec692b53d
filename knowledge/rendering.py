"""Article text is Markdown: rendered by markdown-it-py (CommonMark, with tables and
strikethrough; raw HTML is not HTML but text) and then sanitised by nh3 (ammonia), which
keeps only the tags, attributes and link schemes below. Whatever an author types (a
``<script>``, an ``onclick``, a ``javascript:`` link), the page shows text or a plain link."""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
# No images: the pages load nothing from elsewhere (Content-Security-Policy).
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def markdown_to_html(text: str) -> SafeString:
    """The article's text as safe HTML for its page."""
    rendered = _MARKDOWN.render(text or "")
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above
