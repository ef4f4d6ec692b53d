"""Search ranking on a small bilingual corpus whose expected order is written down here,
on PostgreSQL (full-text, both configurations, trigrams) and — by the SQLite rerun
(tests/search/test_on_sqlite.py) — on plain matching, where the written order is that of
the fallback (subject, then description, then replies)."""

import pytest
from django.db import connection

from tests.factories import make_agent, make_requester
from tickets import services
from tickets.search import search_words, ticket_search, ticket_search_headlines

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"

CORPUS = [
    # key, subject, description, replies (public), notes (internal)
    ("printer_subject", "Printer lantai 3 macet", "Kertas tersangkut setiap pagi.", [], []),
    ("printer_body", "Tidak bisa mencetak", "The printer on floor 2 shows a paper jam.", [], []),
    ("printers_reply", "Laporan keuangan", "Laporan tidak keluar.", ["Both printers were restarted."], []),
    ("wifi", "Wi-Fi putus-putus di ruang rapat", "Sinyal hilang tiap 10 menit.", [], []),
    ("vpn_note", "VPN lambat", "Koneksi VPN lambat sekali.", [], ["Vendor router firmware bug, tiket vendor #4411"]),
    ("accent", "Café server error", "Résumé upload fails on the café kiosk.", [], []),
    ("network_en", "Network drops in meeting rooms", "Networking switch reboots.", [], []),
]


@pytest.fixture
def corpus():
    requester = make_requester(username="rina")
    other = make_requester(username="joko")
    agent = make_agent(1, username="andi")
    tickets = {}
    for key, subject, description, replies, notes in CORPUS:
        ticket = services.ticket_create(
            requester=other if key == "wifi" else requester, subject=subject, description=description, urgency="low"
        )
        for reply in replies:
            services.comment_add(ticket_id=ticket.pk, author=agent, body=reply)
        for note in notes:
            services.comment_add(ticket_id=ticket.pk, author=agent, body=note, internal=True)
        tickets[key] = ticket
    return {"requester": requester, "other": other, "agent": agent, "tickets": tickets}


def order(corpus, user, query):
    keys = {ticket.pk: key for key, ticket in corpus["tickets"].items()}
    return [keys[ticket.pk] for ticket in ticket_search(user=user, query=query)]


def test_the_subject_outranks_the_description_and_the_description_a_reply(corpus):
    found = order(corpus, corpus["agent"], "printer")
    # English stems: "printers" in a reply is found by "printer" on PostgreSQL; plain
    # matching finds it too, as "printer" is in "printers".
    assert found == ["printer_subject", "printer_body", "printers_reply"]


def test_two_words_must_both_match(corpus):
    assert order(corpus, corpus["agent"], "printer macet") == ["printer_subject"]
    assert order(corpus, corpus["agent"], "printer wifi") == []


def test_partial_words_are_prefixes(corpus):
    assert order(corpus, corpus["agent"], "print lant") == ["printer_subject"]


def test_internal_notes_are_searched_for_staff_only(corpus):
    assert order(corpus, corpus["agent"], "firmware") == ["vpn_note"]
    assert order(corpus, corpus["requester"], "firmware") == []
    assert order(corpus, corpus["requester"], "vpn") == ["vpn_note"]


def test_a_requester_finds_only_their_own_tickets(corpus):
    assert order(corpus, corpus["requester"], "sinyal") == []
    assert order(corpus, corpus["other"], "sinyal") == ["wifi"]
    assert order(corpus, corpus["agent"], "sinyal") == ["wifi"]


def test_postgresql_folds_accents_stems_english_and_forgives_misspelt_subjects(corpus):
    # Plain matching (SQLite) takes words as written: none of these match there.
    assert order(corpus, corpus["agent"], "cafe resume") == (["accent"] if POSTGRES else [])
    assert order(corpus, corpus["agent"], "networks") == (["network_en"] if POSTGRES else [])
    assert order(corpus, corpus["agent"], "printr lantai") == (["printer_subject"] if POSTGRES else [])


def test_words_are_marked_in_the_subject_and_snippet_and_html_is_escaped(corpus):
    ticket = services.ticket_create(
        requester=corpus["requester"],
        subject='Printer <script>alert("x")</script> & co',
        description="Nothing but <b>printer</b> trouble.",
        urgency="low",
    )
    [headline] = ticket_search_headlines(user=corpus["agent"], query="printer", tickets=[ticket]).values()
    assert "<mark>Printer</mark>" in headline.subject and "&lt;script&gt;" in headline.subject
    assert "<script>" not in headline.subject and "<b>" not in headline.snippet
    assert "<mark>printer</mark>" in headline.snippet


def test_a_query_is_read_as_words_only():
    assert search_words("  'Printer' & \"rusak\" <lantai> 🔥 ; DROP TABLE--") == [
        "printer",
        "rusak",
        "lantai",
        "drop",
        "table",
    ]
    assert search_words("") == search_words("!!! ***") == []
