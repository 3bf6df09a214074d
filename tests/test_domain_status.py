from __future__ import annotations

import itertools

import pytest

from counter_app.domain.errors import DomainError
from counter_app.domain.status import (
    ALLOWED,
    BACK_OFFICE_TRANSITIONS,
    DECISION_LABELS,
    ON_THE_SPOT_TRANSITIONS,
    STATUS_LABELS,
    WINDOW_TRANSITIONS,
    Decision,
    IllegalTransition,
    Status,
    check_transition,
    check_window_transition,
    is_terminal,
    status_for_decision,
)

S = Status

EXPECTED: dict[Status, set[Status]] = {
    S.DRAFT: {S.SUBMITTED, S.NOTIFIED_TO_SUPPLEMENT, S.REJECTED, S.WITHDRAWN},
    S.NOTIFIED_TO_SUPPLEMENT: {S.SUBMITTED, S.WITHDRAWN, S.REJECTED},
    S.SUBMITTED: {S.IN_REVIEW, S.APPROVED, S.DENIED, S.SUSPENDED, S.WITHDRAWN},
    S.IN_REVIEW: {S.APPROVED, S.DENIED, S.SUSPENDED, S.WITHDRAWN},
    S.SUSPENDED: {S.IN_REVIEW},
    S.APPROVED: {S.RESULT_READY},
    S.DENIED: {S.RESULT_READY},
    S.RESULT_READY: {S.DELIVERED},
    S.DELIVERED: set(),
    S.REJECTED: set(),
    S.WITHDRAWN: set(),
}
ALLOWED_PAIRS = [(a, b) for a, targets in EXPECTED.items() for b in sorted(targets)]
ILLEGAL_PAIRS = [
    (a, b) for a, b in itertools.product(Status, Status) if b not in EXPECTED[a]
]


def test_table_is_complete_and_as_designed() -> None:
    assert set(ALLOWED) == set(Status)
    assert {s: set(t) for s, t in ALLOWED.items()} == EXPECTED


def test_labels() -> None:
    assert set(STATUS_LABELS) == set(Status)
    assert STATUS_LABELS[S.SUBMITTED] == "已受理"
    assert STATUS_LABELS[S.NOTIFIED_TO_SUPPLEMENT] == "待补正"
    assert STATUS_LABELS[S.REJECTED] == "不予受理"
    assert set(DECISION_LABELS) == set(Decision)
    assert DECISION_LABELS[Decision.ACCEPT_DEFERRED] == "容缺受理"


def test_values_are_stable_strings() -> None:
    assert S("notified_to_supplement") is S.NOTIFIED_TO_SUPPLEMENT
    assert str(S.SUBMITTED) == "submitted"


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS)
def test_allowed(current: Status, target: Status) -> None:
    assert check_transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), ILLEGAL_PAIRS)
def test_illegal_names_both_states(current: Status, target: Status) -> None:
    with pytest.raises(IllegalTransition) as excinfo:
        check_transition(current, target)
    message = str(excinfo.value)
    assert f"“{STATUS_LABELS[current]}”" in message
    assert f"“{STATUS_LABELS[target]}”" in message
    assert (excinfo.value.current, excinfo.value.target) == (current, target)
    assert isinstance(excinfo.value, DomainError)


def test_terminal_states() -> None:
    assert {s for s in Status if is_terminal(s)} == {
        S.DELIVERED,
        S.REJECTED,
        S.WITHDRAWN,
    }
    with pytest.raises(IllegalTransition, match="已经办结"):
        check_transition(S.DELIVERED, S.RESULT_READY)


def test_window_and_back_office_split() -> None:
    every = set(ALLOWED_PAIRS)
    assert every == WINDOW_TRANSITIONS | BACK_OFFICE_TRANSITIONS
    assert not WINDOW_TRANSITIONS & BACK_OFFICE_TRANSITIONS
    assert {b for _, b in BACK_OFFICE_TRANSITIONS} == {
        S.IN_REVIEW,
        S.APPROVED,
        S.DENIED,
        S.SUSPENDED,
        S.RESULT_READY,
    }
    assert (S.RESULT_READY, S.DELIVERED) in WINDOW_TRANSITIONS
    assert (S.NOTIFIED_TO_SUPPLEMENT, S.SUBMITTED) in WINDOW_TRANSITIONS
    assert ON_THE_SPOT_TRANSITIONS <= BACK_OFFICE_TRANSITIONS


def test_window_cannot_do_back_office_steps() -> None:
    assert check_window_transition(S.DRAFT, S.SUBMITTED) is S.SUBMITTED
    assert check_window_transition(S.IN_REVIEW, S.WITHDRAWN) is S.WITHDRAWN
    with pytest.raises(IllegalTransition, match="同步"):
        check_window_transition(S.SUBMITTED, S.IN_REVIEW)
    with pytest.raises(IllegalTransition, match="同步"):
        check_window_transition(S.SUBMITTED, S.APPROVED)
    with pytest.raises(IllegalTransition, match="同步"):
        check_window_transition(S.SUBMITTED, S.SUSPENDED, on_the_spot=True)


def test_on_the_spot_decision_at_the_window() -> None:
    path = [S.DRAFT, S.SUBMITTED, S.APPROVED, S.RESULT_READY, S.DELIVERED]
    for current, target in itertools.pairwise(path):
        assert check_window_transition(current, target, on_the_spot=True) is target
    with pytest.raises(IllegalTransition):
        check_window_transition(S.DRAFT, S.APPROVED, on_the_spot=True)


@pytest.mark.parametrize(
    ("decision", "status"),
    [
        (Decision.ACCEPT, S.SUBMITTED),
        (Decision.ACCEPT_DEFERRED, S.SUBMITTED),
        (Decision.ACCEPT_COMMITMENT, S.SUBMITTED),
        (Decision.NOTICE, S.NOTIFIED_TO_SUPPLEMENT),
        (Decision.REJECT, S.REJECTED),
    ],
)
def test_status_for_decision(decision: Decision, status: Status) -> None:
    assert status_for_decision(decision) is status
    # Every intake decision is a legal step from a draft and from a notice.
    assert check_window_transition(S.DRAFT, status) is status
    if status is not S.NOTIFIED_TO_SUPPLEMENT:
        assert check_window_transition(S.NOTIFIED_TO_SUPPLEMENT, status) is status
