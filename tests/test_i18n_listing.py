"""Lists in sentences follow the language: 甲、乙 in Chinese, A, B in English."""

from __future__ import annotations

from counter_app.i18n import listing, set_language


def test_a_list_reads_as_the_language_writes_it() -> None:
    assert listing(["身份证", "户口簿"]) == "身份证、户口簿"
    set_language("en")
    assert (
        listing(["ID card", "household register", 3])
        == "ID card, household register, 3"
    )
    assert listing([]) == ""
