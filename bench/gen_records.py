"""Rows of a desk's history for ``bench.generate``: applications with their
materials, and for the desk's own window what the services would have
written beside them (events, evaluations, print jobs, consultations, scan
files). Plain tuples in the tables' column order, made in day order.

The desk is one window of a site. Its own applications are ``local`` and
carry their whole history; the site's other windows reach it through the
feed as read-only copies (``origin = 'remote'``: record and materials, no
events, ratings or scans), as ``sync/pull.py`` stores them.
"""

from __future__ import annotations

import bisect
import json
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from counter_app.domain.identifiers import make_resident_id, make_uscc
from counter_app.services.demo import GIVEN, SURNAMES

RARE = "𠮷䶮堃喆昇龘𪚥"
AREAS = ("320102", "320104", "320105", "320106", "320111", "320113", "320114")
# Of 100 intakes at a window (DOMAIN.md: most are accepted at once).
DECISIONS = (
    ["accept"] * 78
    + ["notice"] * 12
    + ["reject"] * 3
    + ["accept_deferred"] * 4
    + ["accept_commitment"] * 3
)
APP_COLUMNS = (
    "id, acceptance_no, item_code, item_name, department, status, decision,"
    " applicant_type, applicant_name, id_type, id_number, birth_date, sex, phone,"
    " org_name, uscc, agent_name, agent_id_type, agent_id_number, agent_relation,"
    " address, answers, site_code, window_code, desk_id, clerk, origin, created_at,"
    " decided_at, day, accepted_on, promised_days, due_date, due_provisional,"
    " reason, reason_code, notice_deadline, consultation_id, intake_seconds,"
    " version, updated_at, completed_on, delivered_on, status_key"
)
MATERIAL_COLUMNS = (
    "application_id, material_key, position, name, state, originals, copies,"
    " problem, received_at"
)


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    department: str
    promised_days: int
    on_the_spot: bool
    # (key, name, originals, copies, can_defer)
    materials: tuple[tuple[str, str, int, int, bool], ...]


@dataclass
class Event:
    """An audit event before it is chained (``seq`` and hashes come later)."""

    at: str
    actor: str
    kind: str
    application_id: str | None
    detail: dict[str, object]
    target: str = ""


@dataclass
class DayRows:
    applications: list[tuple[object, ...]] = field(default_factory=list)
    materials: list[tuple[object, ...]] = field(default_factory=list)
    evaluations: list[tuple[object, ...]] = field(default_factory=list)
    print_jobs: list[tuple[object, ...]] = field(default_factory=list)
    consultations: list[tuple[object, ...]] = field(default_factory=list)
    scans: list[tuple[str, str, int, str]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    sequences: list[tuple[str, str, str, int]] = field(default_factory=list)


class WorkingDays:
    """Working days from ``first`` to well after ``today``: the calendar's
    where it has the year, weekdays elsewhere (the desk had that year's
    calendar then; a year still unpublished makes a due date provisional)."""

    def __init__(self, calendar: object, first: date, today: date) -> None:
        years = calendar.years  # type: ignore[attr-defined]
        self.known = set(years)
        days, d = [], first
        end = today + timedelta(days=400)
        while d <= end:
            if d.year in self.known:
                if calendar.is_working_day(d):  # type: ignore[attr-defined]
                    days.append(d)
            elif d.weekday() < 5:
                days.append(d)
            d += timedelta(days=1)
        self.days = days
        self.today = today
        self.past = [d for d in days if d <= today]

    def add(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start``."""
        i = bisect.bisect_right(self.days, start)
        return self.days[min(i + count - 1, len(self.days) - 1)]

    def between(self, start: date, end: date) -> int:
        return bisect.bisect_right(self.days, end) - bisect.bisect_right(
            self.days, start
        )


class Generator:
    """Makes one working day's rows at a time, oldest day first."""

    def __init__(
        self,
        *,
        items: Sequence[Item],
        windows: int,
        own_window: str,
        site_code: str,
        desk_id: str,
        tz: tzinfo,
        days: WorkingDays,
        seed: int,
        scans: bool = True,
        people: int = 1000,
    ) -> None:
        self.rng = random.Random(seed)
        self.items = list(items)
        # A few items make most of a window's work (Zipf-like weights).
        weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(self.items))]
        self.rng.shuffle(weights)
        total, acc = sum(weights), 0.0
        self.cumulative = []
        for w in weights:
            acc += w / total
            self.cumulative.append(acc)
        self.windows = [f"{n:02d}" for n in range(1, windows + 1)]
        if own_window not in self.windows:
            self.windows[0] = own_window
        self.own = own_window
        self.site = site_code
        self.desk_id = desk_id
        self.desks = {w: f"desk-{site_code}-{w}" for w in self.windows}
        self.desks[own_window] = desk_id
        self.tz = tz
        self.wd = days
        self.scans = scans
        self.clerks = {w: [f"clerk{w}a", f"clerk{w}b"] for w in self.windows}
        self.clerks[own_window] = ["clerk01", "clerk02"]
        self.supervisor = "chief01"
        # The people who come to the counters: many come back over the years
        # (and a pool costs a check digit once, not per visit).
        self.people = [self._new_person() for _ in range(max(1, people))]

    # -- one applicant -------------------------------------------------------
    def _item(self) -> Item:
        i = bisect.bisect_left(self.cumulative, self.rng.random())
        return self.items[min(i, len(self.items) - 1)]

    def _name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN)
        if rng.random() < 0.01:
            given = rng.choice(RARE) + given[:1]
        return rng.choice(SURNAMES) + given

    def _new_person(self) -> tuple[str, str, str, str, str]:
        rng = self.rng
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 66))
        code = make_resident_id(rng.choice(AREAS), birth, rng.randrange(1, 1000))
        sex = "M" if int(code[16]) % 2 else "F"
        phone = "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}"
        return self._name(), code, birth.isoformat(), sex, phone

    def _person(self) -> tuple[str, str, str, str, str]:
        return self.people[int(self.rng.random() * len(self.people))]

    def _moment(self, day: date, minute: int) -> datetime:
        return datetime.combine(day, time(9), self.tz) + timedelta(minutes=minute)

    def _iso(self, moment: datetime) -> str:
        return moment.isoformat(timespec="seconds")

    # -- one day ---------------------------------------------------------------
    def day(self, day: date, count: int) -> DayRows:
        rng = self.rng
        out = DayRows()
        seqs: dict[str, int] = {}
        minutes = sorted(rng.randrange(0, 8 * 60) for _ in range(count))
        for minute in minutes:
            window = rng.choice(self.windows)
            seqs[window] = seqs.get(window, 0) + 1
            self._application(out, day, window, seqs[window], minute)
        for window, last in seqs.items():
            if window == self.own:
                out.sequences.append((self.site, window, day.isoformat(), last))
        if self.own in seqs:
            self._day_events(out, day)
        return out

    def _application(
        self, out: DayRows, day: date, window: str, seq: int, minute: int
    ) -> None:
        rng = self.rng
        own = window == self.own
        item = self._item()
        app_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        created = self._moment(day, minute)
        at = self._iso(created)
        clerk = rng.choice(self.clerks[window])
        number = f"{self.site}{window}{day:%Y%m%d}{seq:04d}"
        decision = rng.choice(DECISIONS)
        if item.on_the_spot and decision == "notice":
            decision = "accept"
        # who applies: a person (most), an organisation, or through an agent
        name, id_number, birth, sex, phone = self._person()
        applicant_type, org_name, uscc = "person", None, None
        if rng.random() < 0.15:
            applicant_type = "org"
            org_name = rng.choice(SURNAMES) + rng.choice(GIVEN)[:1] + "商贸有限公司"
            uscc = make_uscc(f"91320102MA{rng.randrange(10**7):07d}")
        agent = None
        if applicant_type == "org" or rng.random() < 0.08:
            agent = self._person()
        age = self.wd.between(day, self.wd.today)
        accepted_on: date | None = None
        status = {"notice": "notified_to_supplement", "reject": "rejected"}.get(
            decision, "submitted"
        )
        supplemented: date | None = None
        if decision == "notice" and age > 3 and rng.random() < 0.7:
            supplemented = self.wd.add(day, rng.randint(1, 3))
            accepted_on = supplemented
        elif decision not in ("notice", "reject"):
            accepted_on = day
        due = completed = delivered = ready = None
        provisional = 0
        if accepted_on is not None:
            status = "submitted"
            due = self.wd.add(accepted_on, item.promised_days)
            provisional = int(due.year not in self.wd.known)
            if item.on_the_spot:
                completed = delivered = accepted_on
            else:
                took = rng.randint(1, max(1, item.promised_days))
                if rng.random() < 0.04:  # late at the back office
                    took += rng.randint(1, 10)
                ready = self.wd.add(accepted_on, took)
                if ready <= self.wd.today:
                    completed = ready
                    pick = self.wd.add(ready, rng.randint(0, 5))
                    if pick <= self.wd.today and rng.random() < 0.97:
                        delivered = pick
            if delivered is not None:
                status = "delivered"
            elif completed is not None:
                status = "result_ready"
            elif self.wd.between(accepted_on, self.wd.today) > 1:
                status = "in_review" if rng.random() < 0.9 else "suspended"
            if rng.random() < 0.01 and status in ("submitted", "in_review"):
                status = "withdrawn"
        last = delivered or completed or supplemented or day
        updated = self._iso(self._moment(last, 8 * 60 + rng.randrange(60)))
        if last == day:
            updated = at
        decided = at
        reason = reason_code = None
        if decision == "reject":
            reason, reason_code = "申请事项依法不属于本机关职权范围", "not_competent"
        notice_deadline = (
            self.wd.add(day, 20).isoformat() if decision == "notice" else None
        )
        consultation_id = None
        if own and rng.random() < 0.1:
            consultation_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            before = self._iso(created - timedelta(days=rng.randint(1, 20)))
            out.consultations.append(
                (
                    consultation_id,
                    item.code,
                    "{}",
                    name,
                    phone,
                    clerk,
                    self.site,
                    window,
                    before,
                    before[:10],
                    app_id,
                )
            )
            out.events.append(
                Event(before, clerk, "consultation", None, {"item": item.code})
            )
        version = 1 + (supplemented is not None) + (completed is not None) * 2
        version += delivered is not None
        out.applications.append(
            (
                app_id,
                number,
                item.code,
                item.name,
                item.department,
                status,
                decision,
                applicant_type,
                name,
                "resident_id",
                id_number,
                birth,
                sex,
                phone,
                org_name,
                uscc,
                agent[0] if agent else None,
                "resident_id" if agent else None,
                agent[1] if agent else None,
                ("员工" if applicant_type == "org" else "亲属") if agent else None,
                None,
                "{}",
                self.site,
                window,
                self.desks[window],
                clerk,
                "local" if own else "remote",
                at,
                decided,
                day.isoformat(),
                accepted_on.isoformat() if accepted_on else None,
                item.promised_days,
                due.isoformat() if due else None,
                provisional,
                reason,
                reason_code,
                notice_deadline,
                consultation_id,
                rng.randint(60, 400),
                version,
                updated,
                completed.isoformat() if completed else None,
                delivered.isoformat() if delivered else None,
                f"{rng.getrandbits(48):012x}" if own and accepted_on else None,
            )
        )
        self._materials(out, app_id, item, decision, supplemented, at)
        if own:
            self._history(
                out,
                app_id=app_id,
                number=number,
                clerk=clerk,
                at=at,
                created=created,
                item=item,
                decision=decision,
                supplemented=supplemented,
                ready=completed,
                delivered=delivered,
                status=status,
            )

    def _materials(
        self,
        out: DayRows,
        app_id: str,
        item: Item,
        decision: str,
        supplemented: date | None,
        at: str,
    ) -> None:
        rng = self.rng
        short = (
            rng.randrange(len(item.materials))
            if decision == "notice" and supplemented is None and item.materials
            else -1
        )
        deferred = decision == "accept_deferred"
        for pos, (key, name, originals, copies, can_defer) in enumerate(item.materials):
            received: str | None = at
            state, problem = "original" if originals else "copy", None
            if pos == short:
                state, problem, received = "missing", None, None
            elif deferred and can_defer:
                state, received, deferred = "deferred", None, False
            elif rng.random() < 0.05:
                state = "e_cert"
            out.materials.append(
                (app_id, key, pos, name, state, originals, copies, problem, received)
            )

    def _history(
        self,
        out: DayRows,
        *,
        app_id: str,
        number: str,
        clerk: str,
        at: str,
        created: datetime,
        item: Item,
        decision: str,
        supplemented: date | None,
        ready: date | None,
        delivered: date | None,
        status: str,
    ) -> None:
        """What the desk's own services wrote for one application."""
        rng = self.rng
        ev = out.events
        ev.append(
            Event(at, clerk, f"decision.{decision}", app_id, {"acceptance_no": number})
        )
        if self.scans and decision != "reject" and item.materials:
            scanned = item.materials[: rng.randint(1, min(3, len(item.materials)))]
            for key, *_rest in scanned:
                out.scans.append((app_id, key, 0, at))
            ev.append(
                Event(
                    at,
                    clerk,
                    "material.attached",
                    app_id,
                    {"material_key": scanned[0][0], "files": ["scan.png"]},
                )
            )
        document = {"notice": "notice", "reject": "rejection"}.get(decision, "receipt")
        self._print(out, app_id, document, clerk, at)
        if supplemented is not None:
            when = self._iso(self._moment(supplemented, rng.randrange(8 * 60)))
            ev.append(Event(when, clerk, "supplement", app_id, {}))
            self._print(out, app_id, "receipt", clerk, when)
        if ready is not None and not item.on_the_spot:
            when = self._iso(self._moment(ready, rng.randrange(8 * 60)))
            ev.append(Event(when, "sync", "backoffice.result_ready", app_id, {}))
            ev.append(
                Event(when, "sync", "result_ready", app_id, {"acceptance_no": number})
            )
        if delivered is not None:
            when = self._iso(
                max(created, self._moment(delivered, rng.randrange(8 * 60)))
            )
            ev.append(Event(when, clerk, "deliver", app_id, {"method": "window"}))
            self._print(out, app_id, "delivery", clerk, when)
            if rng.random() < 0.3:
                level = rng.choices([5, 4, 3, 2, 1], [70, 18, 7, 3, 2])[0]
                eval_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                follow = "已回访，申请人表示理解" if level <= 2 else None
                out.evaluations.append(
                    (
                        eval_id,
                        app_id,
                        level,
                        "[]",
                        "window",
                        clerk,
                        self.own,
                        when,
                        when[:10],
                        follow,
                        self.supervisor if follow else None,
                        when if follow else None,
                    )
                )
                ev.append(Event(when, clerk, "evaluation", app_id, {"level": level}))
        if rng.random() < 0.1:
            ev.append(Event(at, clerk, "record.read", app_id, {"role": "clerk"}))
        del status

    def _print(
        self, out: DayRows, app_id: str, document: str, clerk: str, at: str
    ) -> None:
        out.print_jobs.append(
            (app_id, document, "窗口打印机", 1, 0, "printed", clerk, at, at)
        )
        self.last_print = at
        out.events.append(
            Event(
                at,
                clerk,
                "print.printed",
                app_id,
                {"document": document, "printer": "窗口打印机", "reprint": False},
            )
        )

    def close_row(self, day: date, count: int) -> tuple[object, ...]:
        """The own window's ``day_closes`` row of ``day``."""
        at = self._iso(self._moment(day, 8 * 60 + 45))
        totals = json.dumps({"applications": count}, sort_keys=True)
        return (self.site, self.own, day.isoformat(), at, self.supervisor, totals)

    def _day_events(self, out: DayRows, day: date) -> None:
        """Sign-ins in the morning; the supervisor closes the day."""
        for clerk in self.clerks[self.own]:
            at = self._iso(self._moment(day, -15))
            out.events.append(
                Event(
                    at,
                    clerk,
                    "sign_in",
                    None,
                    {"channel": "window", "result": "ok"},
                    target=f"user:{clerk}",
                )
            )
        out.events.append(
            Event(
                self._iso(self._moment(day, 8 * 60 + 45)),
                self.supervisor,
                "day_close",
                None,
                {"window": self.own, "day": day.isoformat(), "pending_ops": 0},
                target=f"day:{self.own}/{day.isoformat()}",
            )
        )


def dumps(detail: dict[str, object]) -> str:
    """An event's detail as ``store.events.add_event`` writes it."""
    return json.dumps(detail, ensure_ascii=False, sort_keys=True)


def iter_days(
    days: Sequence[date], total: int, rng: random.Random
) -> Iterator[tuple[date, int]]:
    """``total`` applications over ``days``: busier in later years (+8 % a
    year) and on Mondays, a little noise; the counts add up to ``total``."""
    if not days:
        return
    first = days[0]
    weights = []
    for d in days:
        w = 1.0 + 0.08 * (d - first).days / 365
        w *= 1.25 if d.weekday() == 0 else 1.0
        weights.append(w * rng.uniform(0.85, 1.15))
    scale = total / sum(weights)
    made, acc = 0, 0.0
    for d, w in zip(days, weights, strict=True):
        acc += w * scale
        n = round(acc) - made
        made += n
        yield d, n
