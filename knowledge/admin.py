from django.contrib import admin

from .models import Article, ArticleTranslation, ArticleVersion


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TranslationInline(ReadOnlyInline):
    model = ArticleTranslation
    fields = ("language", "title", "updated_at")
    readonly_fields = fields


class VersionInline(ReadOnlyInline):
    model = ArticleVersion
    fields = ("number", "language", "title", "note", "edited_by", "created_at")
    readonly_fields = fields


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Classification; the status moves and the texts are written on the knowledge base's pages,
    where every change becomes a version."""

    list_display = ("slug", "status", "visibility", "category", "created_by", "updated_at")
    list_filter = ("status", "visibility", "category")
    search_fields = ("slug", "translations__title")
    fields = ("slug", "category", "visibility", "status", "source_ticket", "created_by", "created_at", "published_at")
    readonly_fields = ("slug", "status", "source_ticket", "created_by", "created_at", "published_at")
    inlines = [TranslationInline, VersionInline]

    def has_add_permission(self, request):
        return False


@admin.register(ArticleVersion)
class ArticleVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are never changed; restore one from the article's history page."""

    list_display = ("article", "number", "language", "title", "edited_by", "created_at")
    list_filter = ("language",)
    search_fields = ("article__slug", "title")
    readonly_fields = ("article", "number", "language", "title", "body", "note", "edited_by", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
