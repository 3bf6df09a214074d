"""At start-up: compare the scan files on disk with the database, off the UI
thread, and tell the clerk in plain words what is missing or left over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from counter_app.i18n import _
from counter_app.services import materials
from counter_app.services.backup import IntegrityReport, database_problems
from counter_app.store.blobstore import CheckReport
from counter_app.store.db import Store
from counter_app.ui.context import AppContext

MAX_NAMED = 5  # files named one by one; the rest are counted


@dataclass(frozen=True)
class MissingFile:
    acceptance_no: str
    applicant_name: str
    original_name: str


@dataclass
class StartupFindings:
    report: CheckReport
    missing_files: list[MissingFile] = field(default_factory=list)
    database: list[str] = field(default_factory=list)  # quick_check findings

    def messages(self) -> list[str]:
        out = IntegrityReport(database=self.database).messages()
        for found in self.missing_files[:MAX_NAMED]:
            out.append(
                _(
                    "受理编号 {number}（{name}）的材料文件“{file}”在本机找不到，"
                    "请联系管理员从备份恢复，或请申请人补交后重新扫描。"
                ).format(
                    number=found.acceptance_no or _("未编号"),
                    name=found.applicant_name,
                    file=found.original_name,
                )
            )
        unnamed = len(self.report.missing) - min(len(self.missing_files), MAX_NAMED)
        if unnamed > 0:
            out.append(
                _("另有 {count} 个扫描文件在本机找不到，请联系管理员。").format(
                    count=unnamed
                )
            )
        if self.report.orphans:
            out.append(
                _(
                    "发现 {count} 个不属于任何办件的扫描文件（可能是程序上次"
                    "异常退出时留下的）。不影响办件，管理员可以清理。"
                ).format(count=len(self.report.orphans))
            )
        return out


def check_store(store: Store) -> StartupFindings:
    """The blob check plus, for each missing file, whose case it belongs to."""
    report = materials.startup_check(store)
    findings = StartupFindings(report)
    for sha in report.missing:
        rows = store.db.execute(
            "SELECT COALESCE(a.acceptance_no, ''), COALESCE(a.applicant_name, ''),"
            " COALESCE(f.original_name, '') FROM material_files f"
            " LEFT JOIN applications a ON a.id = f.application_id"
            " WHERE f.sha256 = ? AND f.removed_at IS NULL ORDER BY f.id",
            [sha],
        ).fetchall()
        findings.missing_files += [MissingFile(*row) for row in rows]
    return findings


def report_startup_check(
    app: AppContext,
    *,
    done: Callable[[StartupFindings], None] | None = None,
    finished: Callable[[], None] | None = None,
) -> None:
    """Run the checks in the background; each finding becomes a warning.
    ``finished`` runs once both checks have ended, whatever they found."""
    store = app.store
    running = [2]

    def settle() -> None:
        running[0] -= 1
        if running[0] == 0 and finished is not None:
            finished()

    def failed(exc: BaseException) -> None:
        app.tasks.default_failure(exc)
        settle()

    def show(findings: StartupFindings) -> None:
        for text in findings.messages():
            app.messages.warning(text)
        if done is not None:
            done(findings)
        settle()

    app.tasks.run_op(lambda: check_store(store), success=show, failure=failed)

    def show_database(problems: list[str]) -> None:
        for text in IntegrityReport(database=problems).messages():
            app.messages.warning(text)
        settle()

    # Reading the whole file takes seconds at a million applications (10 s
    # measured): on its own connection and thread, the store worker stays free.
    app.tasks.run_io(
        lambda: database_problems(store), success=show_database, failure=failed
    )
