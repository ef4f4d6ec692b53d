"""Reading mailboxes on a real IMAP server (Dovecot, tests/intake/imap_server.py): each mail
recorded once and processed before the mailbox lets go of it, whatever the processing
decides; connection trouble kept on the mailbox, never raised."""

import imaplib
import io
import threading
import time

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connections

from intake import tasks
from intake.choices import InboundSource, InboundStatus, MailboxSecurity
from intake.crypto import password_decrypt
from intake.models import InboundMessage, Mailbox
from intake.services import (
    mailbox_check,
    mailbox_fetch,
    mailbox_fetch_locked,
    mailbox_idle_wait,
    mailbox_password_set,
)
from intake.services import mailboxes as mailboxes_module
from intake.services.email import inbound_email_process
from intake.services.mailboxes import MailboxError, _lock_key
from tests.intake.conftest import mailbox_on
from tests.intake.mail import mail
from tests.integration.processes import wait_until

pytestmark = pytest.mark.django_db


def processed(message: InboundMessage) -> bool:
    message.refresh_from_db()
    return message.status != InboundStatus.RECEIVED


def test_new_mail_is_recorded_processed_and_then_deleted_from_the_mailbox(imap, mail_user, mailbox):
    first, second = mail(subject="Printer jams"), mail(subject="VPN drops 🙂 <b>&</b>")
    imap.append(mail_user, first)
    imap.append(mail_user, second)

    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert (summary.found, summary.recorded, summary.removed, summary.error) == (2, 2, 2, "")
    messages = list(InboundMessage.objects.order_by("id"))
    assert [message.subject for message in messages] == ["Printer jams", "VPN drops 🙂 <b>&</b>"]
    assert all(message.source == InboundSource.IMAP and message.mailbox == mailbox for message in messages)
    assert all(processed(message) for message in messages)
    assert messages[0].raw.read() == first
    assert imap.messages(mail_user) == [], "deleted and expunged"
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None and mailbox.last_error == ""

    again = mailbox_fetch(mailbox_id=mailbox.pk)

    assert (again.found, again.recorded) == (0, 0)
    assert InboundMessage.objects.count() == 2


def test_in_seen_mode_mail_is_flagged_seen_and_not_read_again(imap, mail_user, mailbox, settings):
    settings.HELPDESK_MAILBOX_AFTER = "seen"
    imap.append(mail_user, mail(subject="Unread"))
    imap.append(mail_user, mail(subject="Read by a person already"), flags=r"(\Seen)")

    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert (summary.found, summary.recorded, summary.removed) == (1, 1, 1)
    assert InboundMessage.objects.get().subject == "Unread"
    flags = [flags for _uid, flags in imap.messages(mail_user)]
    assert len(flags) == 2 and all("\\Seen" in each for each in flags), "kept, both seen"
    assert not any("\\Deleted" in each for each in flags)

    assert mailbox_fetch(mailbox_id=mailbox.pk).found == 0
    assert InboundMessage.objects.count() == 1


def test_a_pass_that_dies_while_processing_leaves_the_mail_unseen_and_the_next_adds_no_duplicate(
    imap, mail_user, mailbox, monkeypatch
):
    imap.append(mail_user, mail(subject="Disk full"))

    def dies(*, message):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(mailboxes_module, "inbound_email_process", dies)
    first = mailbox_fetch(mailbox_id=mailbox.pk)

    assert (first.recorded, first.failed, first.removed) == (1, 1, 0)
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.RECEIVED
    ((_uid, flags),) = imap.messages(mail_user)
    assert "\\Seen" not in flags and "\\Deleted" not in flags, "read with BODY.PEEK[]: left as it was"

    monkeypatch.setattr(mailboxes_module, "inbound_email_process", inbound_email_process)
    second = mailbox_fetch(mailbox_id=mailbox.pk)

    assert (second.recorded, second.already_recorded, second.removed) == (0, 1, 1)
    assert InboundMessage.objects.get().pk == message.pk
    assert processed(message)
    assert imap.messages(mail_user) == []


def test_a_connection_lost_after_the_commit_leaves_the_mail_which_the_next_pass_removes_without_processing_again(
    imap, mail_user, mailbox, monkeypatch
):
    imap.append(mail_user, mail(subject="Monitor flickers"))
    calls = []

    def process(*, message):
        calls.append(message.pk)
        return inbound_email_process(message=message)

    def connection_drops(connection, uid):
        raise imaplib.IMAP4.abort("socket error: EOF")

    monkeypatch.setattr(mailboxes_module, "inbound_email_process", process)
    monkeypatch.setattr(mailboxes_module, "_remove", connection_drops)
    first = mailbox_fetch(mailbox_id=mailbox.pk)

    assert "connection" in first.error and "EOF" in first.error
    mailbox.refresh_from_db()
    assert "EOF" in mailbox.last_error
    assert len(imap.messages(mail_user)) == 1
    assert processed(InboundMessage.objects.get())

    monkeypatch.undo()
    monkeypatch.setattr(mailboxes_module, "inbound_email_process", process)
    second = mailbox_fetch(mailbox_id=mailbox.pk)

    assert (second.already_recorded, second.removed, second.error) == (1, 1, "")
    assert len(calls) == 1, "processed once"
    assert InboundMessage.objects.count() == 1
    assert imap.messages(mail_user) == []
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_a_mail_whose_processing_fails_is_kept_recorded_and_leaves_the_mailbox(imap, mail_user, mailbox, monkeypatch):
    imap.append(mail_user, b"this is not a mail at all \xff\xfe\r\n")

    def fails(*, message):
        message.status, message.reason = InboundStatus.FAILED, "No headers"
        message.save(update_fields=["status", "reason"])
        return message

    monkeypatch.setattr(mailboxes_module, "inbound_email_process", fails)
    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert summary.removed == 1
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.FAILED and message.raw.read().startswith(b"this is not a mail")
    assert imap.messages(mail_user) == []


def test_starttls_is_read_like_imaps(imap, mail_user, make_mailbox):
    mailbox = make_mailbox(mail_user, security=MailboxSecurity.STARTTLS)
    imap.append(mail_user, mail())

    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert (summary.recorded, summary.removed, summary.error) == (1, 1, "")


@pytest.mark.parametrize("security", [MailboxSecurity.SSL, MailboxSecurity.STARTTLS])
def test_a_certificate_nobody_vouches_for_is_refused(imap, mail_user, make_mailbox, settings, security):
    settings.HELPDESK_MAILBOX_CA_FILE = ""
    mailbox = make_mailbox(mail_user, security=security)
    imap.append(mail_user, mail())

    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert "certificate" in summary.error and "refused" in summary.error
    assert InboundMessage.objects.count() == 0
    assert len(imap.messages(mail_user)) == 1


def test_a_wrong_password_is_kept_as_a_clear_last_error_and_nothing_is_read(lonely_imap):
    user = lonely_imap.add_user("helpdesk")
    mailbox = mailbox_on(lonely_imap, user, password="not-the-password")
    lonely_imap.append(user, mail())

    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    mailbox.refresh_from_db()
    assert "refused the user name or password" in mailbox.last_error
    assert summary.error == mailbox.last_error and mailbox.last_polled_at is not None
    assert InboundMessage.objects.count() == 0
    with pytest.raises(MailboxError, match="refused the user name or password"):
        mailbox_check(mailbox_id=mailbox.pk)


def test_a_server_that_is_not_there_is_a_clear_error(db, make_mailbox, mail_user, imap):
    mailbox = make_mailbox(mail_user)
    Mailbox.objects.filter(pk=mailbox.pk).update(port=1)

    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert summary.error.startswith("Could not connect to 127.0.0.1:1")


def test_a_missing_folder_is_a_clear_error(imap, mail_user, make_mailbox):
    mailbox = make_mailbox(mail_user, folder="Does not exist")

    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert "Does not exist" in summary.error and "cannot be opened" in summary.error


def test_a_folder_named_in_any_script_is_read(imap, mail_user, make_mailbox):
    folder = 'Tiket "baru" & 🙂 Ñ'
    connection = imap.client(mail_user)
    assert connection.create(mailboxes_module._imap_utf7(folder))[0] == "OK"
    connection.logout()
    mailbox = make_mailbox(mail_user, folder=folder)
    raw = mail(subject="From the folder")
    connection = imap.client(mail_user)
    assert connection.append(mailboxes_module._imap_utf7(folder), None, None, raw)[0] == "OK"
    connection.logout()

    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert (summary.recorded, summary.error) == (1, "")
    assert mailbox_check(mailbox_id=mailbox.pk).endswith("holds 0 message(s).")


def test_a_ten_megabyte_mail_is_recorded_whole(imap, mail_user, mailbox):
    raw = mail(subject="Crash dump", attachment=bytes(range(256)) * (10 * 1024 * 1024 // 256))
    assert len(raw) > 10 * 1024 * 1024
    imap.append(mail_user, raw)

    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert (summary.recorded, summary.removed) == (1, 1)
    message = InboundMessage.objects.get()
    assert message.size == len(raw) and message.raw.read() == raw


def test_a_password_in_any_script_signs_in(imap, make_mailbox):
    user = imap.add_user("unicode-user", password="kata sandi 🙂 \"'<>&")
    mailbox = make_mailbox(user, password="kata sandi 🙂 \"'<>&")

    assert "holds 0 message(s)" in mailbox_check(mailbox_id=mailbox.pk)


def test_the_password_is_kept_encrypted_and_a_changed_key_is_a_clear_error(mailbox, settings):
    assert "mailbox-pw-1" not in mailbox.password_encrypted
    assert password_decrypt(mailbox.password_encrypted) == "mailbox-pw-1"

    settings.HELPDESK_MAILBOX_KEY = "q7O1kqg0Xv9mYkq8u9n6J7n1H8m3b2Qy0x5Zc4W3v2A="
    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert "cannot be decrypted" in summary.error and "enter it again" in summary.error


def test_a_new_key_put_first_still_reads_passwords_the_old_one_encrypted(mailbox, settings):
    old = "q7O1kqg0Xv9mYkq8u9n6J7n1H8m3b2Qy0x5Zc4W3v2A="
    new = "Vb4v7kQbO5mJ9m8tYwq3nR2xZk1s0pLd6fHc3gTe8uI="
    settings.HELPDESK_MAILBOX_KEY = old
    mailbox_password_set(mailbox=mailbox, password="mailbox-pw-1")
    mailbox.save()

    settings.HELPDESK_MAILBOX_KEY = f"{new}, {old}"

    assert "holds 0 message(s)" in mailbox_check(mailbox_id=mailbox.pk)


def test_a_mailbox_another_worker_reads_is_skipped(imap, mail_user, mailbox):
    imap.append(mail_user, mail())
    cache.add(_lock_key(mailbox.pk), "another worker", timeout=60)
    try:
        summary = mailbox_fetch_locked(mailbox_id=mailbox.pk)
    finally:
        cache.delete(_lock_key(mailbox.pk))

    assert summary.skipped and "skipped" in str(summary)
    assert InboundMessage.objects.count() == 0 and len(imap.messages(mail_user)) == 1

    assert mailbox_fetch_locked(mailbox_id=mailbox.pk).recorded == 1
    assert cache.get(_lock_key(mailbox.pk)) is None, "released"


def test_the_periodic_task_queues_one_fetch_per_active_mailbox(mail_user, make_mailbox, monkeypatch):
    active = make_mailbox(mail_user, name="Support")
    make_mailbox(mail_user, name="Old", is_active=False)
    queued = []
    monkeypatch.setattr(tasks.mailbox_fetch, "delay", queued.append)

    assert tasks.mailboxes_fetch() == 1
    assert queued == [active.pk]


def test_fetch_mail_reads_one_mailbox_by_name_and_says_what_it_did(imap, mail_user, make_mailbox):
    mailbox = make_mailbox(mail_user, name="Support desk")
    imap.append(mail_user, mail())
    out = io.StringIO()

    call_command("fetch_mail", "--mailbox", "Support desk", stdout=out)

    assert "Support desk: 1 found, 1 recorded" in out.getvalue()
    assert InboundMessage.objects.get().mailbox == mailbox
    with pytest.raises(CommandError, match="No mailbox is named"):
        call_command("fetch_mail", "--mailbox", "Nope 🙂", stdout=io.StringIO())


def test_fetch_mail_reports_a_mailbox_it_cannot_read(lonely_imap):
    mailbox_on(lonely_imap, lonely_imap.add_user("helpdesk"), name="Broken", password="wrong")
    err = io.StringIO()

    with pytest.raises(CommandError, match="could not be read"):
        call_command("fetch_mail", stdout=io.StringIO(), stderr=err)

    assert "Broken: The server at" in err.getvalue()


def test_an_unexpected_failure_stops_the_pass_keeps_the_mail_and_says_so(imap, mail_user, mailbox, monkeypatch):
    imap.append(mail_user, mail())

    def broken(**kwargs):
        raise LookupError("a bug")

    monkeypatch.setattr(mailboxes_module, "inbound_email_record", broken)
    summary = mailbox_fetch(mailbox_id=mailbox.pk)

    assert "LookupError" in summary.error and "next pass" in summary.error
    mailbox.refresh_from_db()
    assert mailbox.last_error == summary.error
    assert len(imap.messages(mail_user)) == 1


@pytest.mark.django_db(transaction=True)
def test_watching_a_mailbox_reads_new_mail_as_soon_as_the_server_announces_it(imap, mail_user, make_mailbox):
    make_mailbox(mail_user, name="Watched")
    out = io.StringIO()
    failures = []

    def watch():
        try:
            call_command("watch_mail", "--mailbox", "Watched", "--passes", "2", "--idle-seconds", "60", stdout=out)
        except Exception as error:  # shown by the assertion below
            failures.append(error)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=watch)
    watcher.start()
    # The first pass has found nothing: the watcher now waits on the server.
    wait_until(lambda: "Watched:" in out.getvalue() or failures, processes=[], timeout=30, what="the first pass")
    appended = time.monotonic()
    imap.append(mail_user, mail(subject="Announced by IDLE"))
    watcher.join(timeout=90)

    assert not watcher.is_alive() and failures == []
    assert time.monotonic() - appended < 30, "woken by the server, not by the end of the 60 s wait"
    assert out.getvalue().startswith("Watched: 0 found")
    assert InboundMessage.objects.get().subject == "Announced by IDLE"
    assert imap.messages(mail_user) == []
    assert out.getvalue().count("Watched:") == 2


def test_waiting_for_mail_answers_at_once_when_mail_is_there_and_at_the_timeout_when_none_comes(
    imap, mail_user, mailbox
):
    assert mailbox_idle_wait(mailbox_id=mailbox.pk, timeout=0.5) is False
    imap.append(mail_user, mail())
    assert mailbox_idle_wait(mailbox_id=mailbox.pk, timeout=30) is True
