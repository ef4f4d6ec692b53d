"""Demo articles and canned replies, in both languages, so a new helpdesk shows what they do."""

from django.contrib.auth import get_user_model

from knowledge.choices import ArticleStatus
from knowledge.models import Article
from knowledge.services import article_create, article_status_set
from replies.models import CannedReply
from replies.services import canned_reply_save
from tickets.models import Category

ARTICLES = [
    (
        "Printer and scanner",
        (
            "Printer jams: clear the paper path",
            "1. Open **tray 2**.\n2. Pull the jammed paper out gently.\n3. Close the tray and print again.",
        ),
        (
            "Printer macet: bersihkan jalur kertas",
            "1. Buka **baki 2**.\n2. Tarik kertas yang macet pelan-pelan.\n3. Tutup baki dan cetak lagi.",
        ),
    ),
    (
        "Password and account",
        (
            "Forgot your password",
            "Use **Forgot password** on the sign-in page: a link to set a new one is mailed to you.",
        ),
        (
            "Lupa kata sandi",
            "Pakai **Lupa kata sandi** di halaman masuk: tautan untuk membuat kata sandi baru dikirim ke email Anda.",
        ),
    ),
    (
        "Network and Wi-Fi",
        (
            "Wi-Fi keeps dropping",
            "Forget the network on your laptop, join it again, and tell us the room if it still drops.",
        ),
        (
            "Wi-Fi sering putus",
            "Hapus jaringan di laptop Anda, sambungkan lagi, dan beri tahu kami ruangannya jika masih putus.",
        ),
    ),
]
REPLIES = [
    (
        1,
        "Asking for the last time it worked",
        "Hi {requester_first_name}, thank you for reporting {ticket_reference}. When did it last work? — {agent_name}",
        "Halo {requester_first_name}, terima kasih sudah melaporkan {ticket_reference}. Kapan terakhir kali berfungsi? — {agent_name}",
    ),
    (
        1,
        "Solved, please confirm",
        "Hi {requester_first_name}, we believe {ticket_reference} is solved. Please confirm on the ticket page. — {agent_name}, {level}",
        "Halo {requester_first_name}, kami kira {ticket_reference} sudah selesai. Mohon konfirmasi di halaman tiket. — {agent_name}, {level}",
    ),
]


def demo_knowledge_ensure() -> tuple[int, int]:
    """Publish the demo articles and the Level I canned replies when there are none yet.
    Returns (articles added, replies added)."""
    supervisor = get_user_model().objects.get(username="supervisor")
    articles = replies = 0
    if not Article.objects.exists():
        categories = {category.name: category for category in Category.objects.all()}
        for category, english, indonesian in ARTICLES:
            article = article_create(
                by=supervisor, texts={"en": english, "id": indonesian}, category=categories.get(category)
            )
            article_status_set(article_id=article.pk, by=supervisor, status=ArticleStatus.PUBLISHED)
            articles += 1
    if not CannedReply.objects.exists():
        for level, title, english, indonesian in REPLIES:
            canned_reply_save(by=supervisor, title=title, body_en=english, body_id=indonesian, level=level)
            replies += 1
    return articles, replies
