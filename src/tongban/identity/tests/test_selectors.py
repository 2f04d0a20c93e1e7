import pytest

from tongban.core.errors import Conflict
from tongban.identity.models import User
from tongban.identity.selectors import user_find_by_id_number, user_find_by_phone
from tongban.testing.factories import UserFactory

ID_NUMBER = "11010519491231002X"
OTHER_ID = "110105194912310032"


@pytest.mark.parametrize(
    "typed",
    [
        ID_NUMBER,
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
)
def test_finds_the_account_by_id_number_however_it_is_typed(db, typed):
    wanted = UserFactory(id_number=ID_NUMBER)
    UserFactory(id_number=OTHER_ID)

    assert user_find_by_id_number(id_number=typed) == wanted


def test_unknown_or_malformed_numbers_find_nobody(db):
    UserFactory(id_number=ID_NUMBER)

    assert user_find_by_id_number(id_number=OTHER_ID) is None
    assert user_find_by_id_number(id_number="110105194912310021") is None  # bad check digit
    assert user_find_by_id_number(id_number="") is None


def test_a_number_on_several_accounts_needs_the_kind(db):
    citizen = UserFactory(id_number=ID_NUMBER, kind="citizen")
    staff = UserFactory(id_number=ID_NUMBER, kind="staff")

    with pytest.raises(Conflict):
        user_find_by_id_number(id_number=ID_NUMBER)
    assert user_find_by_id_number(id_number=ID_NUMBER, kind="citizen") == citizen
    assert user_find_by_id_number(id_number=ID_NUMBER, kind="staff") == staff


def test_a_stale_index_never_returns_the_wrong_person(db):
    user = UserFactory(id_number=ID_NUMBER)
    # QuerySet.update bypasses the field's pre_save, so the index still says ID_NUMBER.
    User.objects.filter(pk=user.pk).update(id_number=OTHER_ID)

    assert user_find_by_id_number(id_number=ID_NUMBER) is None


@pytest.mark.parametrize("typed", ["13812345678", "+86 138-1234-5678", "0086 13812345678"])
def test_finds_the_account_by_phone(db, typed):
    wanted = UserFactory(phone="13812345678")
    UserFactory(phone="13987654321")

    assert user_find_by_phone(phone=typed) == wanted
    assert user_find_by_phone(phone="13700000000") is None
    assert user_find_by_phone(phone="") is None
