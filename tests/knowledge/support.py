"""Articles for the knowledge base's tests, made through the services as people make them."""

from knowledge import services
from knowledge.choices import ArticleStatus, Visibility
from tests.factories import make_agent, make_supervisor


def make_article(
    *,
    en: tuple[str, str] | None = ("Printer jams", "Open the tray and pull the paper out."),
    id: tuple[str, str] | None = None,  # noqa: A002 - the language's code
    status: str = ArticleStatus.PUBLISHED,
    visibility: str = Visibility.PUBLIC,
    category=None,
    by=None,
):
    author = by or make_agent(1)
    texts = {code: text for code, text in (("en", en), ("id", id)) if text}
    article = services.article_create(by=author, texts=texts, category=category, visibility=visibility)
    if status != ArticleStatus.DRAFT:
        supervisor = make_supervisor()
        if status == ArticleStatus.REVIEW:
            services.article_status_set(article_id=article.pk, by=author, status=status)
        else:
            services.article_status_set(article_id=article.pk, by=supervisor, status=status)
    article.refresh_from_db()
    return article
