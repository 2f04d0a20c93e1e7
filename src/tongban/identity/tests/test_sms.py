"""SMS sender backends and their configuration."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from tongban.identity.sms import (
    ConsoleSmsSender,
    FileSmsSender,
    MemorySmsSender,
    get_sms_sender,
    outbox,
)


@pytest.mark.parametrize(
    ("name", "cls"),
    [("console", ConsoleSmsSender), ("file", FileSmsSender), ("memory", MemorySmsSender)],
)
def test_builtin_backends_by_name(settings, name, cls):
    settings.TONGBAN_SMS_BACKEND = name
    assert isinstance(get_sms_sender(), cls)


def test_console_is_the_default_only_with_debug(settings):
    settings.TONGBAN_SMS_BACKEND = ""
    settings.DEBUG = True
    assert isinstance(get_sms_sender(), ConsoleSmsSender)

    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="TONGBAN_SMS_BACKEND is not set"):
        get_sms_sender()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("smtp", "neither 'console', 'file', 'memory' nor an importable dotted path"),
        ("tongban.identity.sms.outbox", "not a subclass"),
    ],
)
def test_unknown_backends_are_refused_clearly(settings, value, words):
    settings.TONGBAN_SMS_BACKEND = value
    with pytest.raises(ImproperlyConfigured, match=words):
        get_sms_sender()


def test_file_backend_appends_json_lines(settings, tmp_path):
    settings.TONGBAN_SMS_OUTBOX = str(tmp_path / "out" / "sms.log")
    sender = FileSmsSender()

    sender.send("13800000001", "验证码 123456")
    sender.send("13800000002", "验证码 654321")

    lines = (tmp_path / "out" / "sms.log").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["text"] for line in lines] == ["验证码 123456", "验证码 654321"]
    assert json.loads(lines[0])["phone"] == "13800000001"


def test_console_backend_masks_the_phone(caplog):
    ConsoleSmsSender().send("13800000001", "验证码 123456")

    assert "138****0001" in caplog.text
    assert "13800000001" not in caplog.text


def test_memory_backend(settings):
    outbox.clear()
    MemorySmsSender().send("13800000001", "hi")
    assert outbox[-1].text == "hi"
    outbox.clear()
