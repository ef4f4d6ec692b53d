"""Upgrading to full-text search of articles (PostgreSQL): articles written before it are
found after it, and edits keep their words current."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from knowledge.models import ArticleTranslation
from knowledge.selectors import articles_suggested
from tests.knowledge.support import make_article

pytestmark = pytest.mark.django_db(transaction=True)


def test_articles_written_before_the_upgrade_are_found_after_it(migrate, reference_data):
    assert connection.vendor == "postgresql"
    article = make_article(en=("Proyektor berkedip", "Ganti kabel HDMI."))
    migrate([("knowledge", "0001_initial")])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE knowledge_articletranslation SET body = 'Periksa lampu proyektor.'")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert [found.pk for found in articles_suggested("lampu", "en", 5)] == [article.pk]
    assert [found.pk for found in articles_suggested("proyek", "en", 5)] == [article.pk]
    ArticleTranslation.objects.filter(article=article).update(title="Layar monitor")
    assert [found.pk for found in articles_suggested("monitor", "en", 5)] == [article.pk]
    assert articles_suggested("berkedip", "en", 5) == []
