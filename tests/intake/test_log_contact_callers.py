"""The accounts service behind "a new caller": found by address or number, never made twice."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.selectors import person_by_identifier
from accounts.services import requester_find_or_create
from tests.factories import make_agent, make_requester

User = get_user_model()


@pytest.mark.django_db
def test_a_new_caller_is_a_requester_with_their_name_cut_to_fit():
    person, created = requester_find_or_create(name="  Ni  Made\r\n Ayu  " + "x" * 300, email="ayu@example.com")
    assert created
    assert person.first_name == "Ni"
    assert person.last_name.startswith("Made Ayu x") and len(person.last_name) == 150
    assert person.username == "ayu@example.com"
    assert list(person.groups.values_list("name", flat=True)) == ["requester"]
    assert not person.has_usable_password()


@pytest.mark.django_db
def test_an_existing_person_is_found_by_address_or_number_not_made_again():
    budi = make_requester(email="budi@example.com", phone="+6281234567890")
    assert requester_find_or_create(name="B", email="BUDI@EXAMPLE.COM") == (budi, False)
    assert requester_find_or_create(name="B", phone="0812 3456 7890") == (budi, False)
    assert requester_find_or_create(name="B", email="new@example.com", phone="0812-3456-7890") == (budi, False)
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_a_login_name_already_taken_gets_another_for_the_caller():
    make_requester(username="siti@example.com", email="")
    person, created = requester_find_or_create(name="Siti", email="siti@example.com")
    assert created and person.username.startswith("caller-")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": "", "email": "a@example.com"}, "name"),
        ({"name": "\x00\u202e", "email": "a@example.com"}, "name"),
        ({"name": "A"}, "email"),
        ({"name": "A", "email": "nope"}, "email"),
        ({"name": "A", "phone": "123"}, "phone"),
        ({"name": "A", "phone": "🙂"}, "phone"),
    ],
)
def test_bad_details_are_refused_by_field(fields, field):
    with pytest.raises(ValidationError) as refused:
        requester_find_or_create(**fields)
    assert field in refused.value.message_dict
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_agents_adding_the_same_caller_at_once_make_one_account():
    barrier = threading.Barrier(2)
    results, errors = [], []

    def add():
        try:
            barrier.wait(timeout=10)
            results.append(requester_find_or_create(name="Rina", email="rina@example.com"))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(created for _person, created in results) == [False, True]
    assert User.objects.filter(email="rina@example.com").count() == 1


@pytest.mark.django_db
def test_the_api_names_a_person_by_id_login_or_one_address_only():
    budi = make_requester(username="budi", email="budi@example.com")
    make_requester(username="a1", email="same@example.com")
    make_requester(username="a2", email="SAME@example.com")
    make_agent(1, username="agent")
    assert person_by_identifier(value=str(budi.pk)) == budi
    assert person_by_identifier(value="BUDI") == budi
    assert person_by_identifier(value="Budi@Example.com") == budi
    assert person_by_identifier(value="same@example.com") is None
    assert person_by_identifier(value="9" * 40) is None
    assert person_by_identifier(value="") is None
