"""Preview, print and save the documents of a decision.

The record is committed before this dialog opens; a failed or cancelled
print leaves it intact and reprintable from the detail view. Printer and
paper choice are remembered per desk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import N_, _
from counter_app.services import documents
from counter_app.services.applications import DecisionResult
from counter_app.services.consultations import Consultation
from counter_app.ui.context import AppContext
from counter_app.ui.devices.signature_dialog import sign_button
from counter_app.ui.printer import default_printer, print_pdf, printer_names
from printing import ROLL_DOCUMENTS
from printing.model import Paper

DOCUMENT_TITLES = {
    "receipt": N_("受理回执"),
    "materials_receipt": N_("材料接收凭证"),
    "notice": N_("一次性告知书"),
    "rejection": N_("不予受理决定书"),
    "deferred": N_("容缺受理通知书"),
    "commitment": N_("告知承诺书"),
    "delivery": N_("送达回证"),
    "checklist": N_("一次性告知单"),
}


def offer_documents(
    app: AppContext,
    results: Sequence[DecisionResult],
    decision: object,
    parent: QWidget | None = None,
) -> None:
    """After a decision: render its document off the UI thread, then preview."""
    if not results:
        return
    first = results[0]
    ids = [r.application_id for r in results]

    def kind_of() -> str:
        from counter_app.store import records

        record = records.application(app.store.db, first.application_id)
        assert record is not None
        return documents.DOCUMENT_FOR_DECISION[record["decision"]]

    def show(kind: str) -> None:
        open_application_document(app, ids, kind, parent)

    app.tasks.run_op(
        kind_of, success=show, failure=lambda exc: app.messages.error(str(exc))
    )


def open_application_document(
    app: AppContext,
    application_ids: Sequence[str],
    kind: str,
    parent: QWidget | None = None,
) -> DocumentDialog:
    dialog = DocumentDialog(
        app,
        title=_(DOCUMENT_TITLES[kind]),
        kind=kind,
        application_ids=list(application_ids),
        render=lambda paper: documents.render_for_applications(
            app.store,
            app.require_user(),
            kind=kind,
            application_ids=application_ids,
            paper=paper,
        ),
        parent=parent,
    )
    dialog.show()
    return dialog


def offer_checklist(
    app: AppContext, consultation: Consultation, parent: QWidget | None = None
) -> DocumentDialog:
    dialog = DocumentDialog(
        app,
        title=_("一次性告知单"),
        kind="checklist",
        application_ids=[],
        render=lambda _paper: documents.render_checklist(
            app.store, app.require_user(), consultation
        ),
        parent=parent,
    )
    dialog.show()
    return dialog


class DocumentDialog(QDialog):
    def __init__(
        self,
        app: AppContext,
        *,
        title: str,
        kind: str,
        application_ids: list[str],
        render: Callable[[Paper], bytes],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.kind = kind
        self.application_ids = application_ids
        self._render = render
        self.pdf = b""
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(760, 900)

        self.document = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setAccessibleName(_("文书预览"))

        self.printers = QComboBox(self)
        self.printers.setAccessibleName(_("打印机"))
        names = printer_names()
        self.printers.addItems(names)
        saved = str(app.settings.value("print/printer", "") or default_printer())
        if saved in names:
            self.printers.setCurrentText(saved)
        self.paper = QComboBox(self)
        self.paper.setAccessibleName(_("纸张"))
        self.paper.addItem(_("A4"), Paper.A4.value)
        if kind in ROLL_DOCUMENTS:
            self.paper.addItem(_("80 毫米卷纸"), Paper.ROLL_80.value)
            saved_paper = str(app.settings.value("print/paper", Paper.A4.value))
            self.paper.setCurrentIndex(max(0, self.paper.findData(saved_paper)))
        self.paper.currentIndexChanged.connect(self._reload)

        self.status = QLabel(self)
        self.print_button = QPushButton(_("打印(&P)"), self)
        self.print_button.setDefault(True)
        self.print_button.setEnabled(bool(names))
        if not names:
            self.status.setText(_("本机没有可用的打印机，可先“另存为 PDF”。"))
        self.save_button = QPushButton(_("另存为 PDF(&S)"), self)
        # Ctrl+P / Ctrl+S beside the underlined Alt+P / Alt+S (a button's
        # own shortcut would replace its mnemonic)
        for key, button in (
            (QKeySequence.StandardKey.Print, self.print_button),
            (QKeySequence.StandardKey.Save, self.save_button),
        ):
            QShortcut(QKeySequence(key), self, button.animateClick)
        close = QPushButton(_("关闭"), self)
        close.clicked.connect(self.reject)
        self.print_button.clicked.connect(self.print_now)
        self.save_button.clicked.connect(self.save_as)

        row = QHBoxLayout()
        row.addWidget(QLabel(_("打印机：")))
        row.addWidget(self.printers, 1)
        row.addWidget(QLabel(_("纸张：")))
        row.addWidget(self.paper)
        self.sign_button = sign_button(
            app,
            kind=kind,
            application_ids=application_ids,
            after_save=self._reload,
            parent=self,
        )
        if self.sign_button is not None:
            row.addWidget(self.sign_button)
        row.addWidget(self.print_button)
        row.addWidget(self.save_button)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        self._reload()

    def current_paper(self) -> Paper:
        return Paper(self.paper.currentData())

    def _reload(self) -> None:
        self.status.setText(_("正在生成文书……"))
        paper = self.current_paper()
        self.app.tasks.run_op(
            lambda: self._render(paper), success=self._show, failure=self._failed
        )

    def _show(self, pdf: bytes) -> None:
        self.pdf = pdf
        self.document.close()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer
        self.document.load(buffer)
        self.status.setText(_("共 {n} 页").format(n=self.document.pageCount()))

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(str(exc))
        self.app.messages.error(str(exc))

    def print_now(self) -> None:
        if not self.pdf:
            return
        name = self.printers.currentText()
        self.app.settings.setValue("print/printer", name)
        self.app.settings.setValue("print/paper", self.current_paper().value)
        self.print_button.setEnabled(False)
        self.status.setText(_("正在打印……"))
        pdf = self.pdf
        self.app.tasks.run_io(
            lambda: print_pdf(pdf, printer_name=name, doc_name=self.windowTitle()),
            success=lambda _r: self._printed(name, "printed", ""),
            failure=lambda exc: self._printed(name, "failed", str(exc)),
        )

    def _printed(self, printer: str, status: str, error: str) -> None:
        self.print_button.setEnabled(True)
        if status == "printed":
            self.status.setText(_("已发送到打印机 {name}").format(name=printer))
        else:
            self.status.setText(
                _("打印失败：{error}。办件已保存，可稍后补打。").format(error=error)
            )
        self._record(printer, status, error)

    def save_as(self, path: str | None = None) -> None:
        if not self.pdf:
            return
        if not path:
            path, _filter = QFileDialog.getSaveFileName(
                self, _("另存为 PDF"), self.windowTitle() + ".pdf", "PDF (*.pdf)"
            )
        if not path:
            return
        target = Path(path)
        pdf = self.pdf

        def saved(_result: object) -> None:
            self.status.setText(_("已保存 {path}").format(path=target))
            self._record("file", "saved", "")

        self.app.tasks.run_io(
            lambda: target.write_bytes(pdf), success=saved, failure=self._failed
        )

    def _record(self, printer: str, status: str, error: str) -> None:
        user = self.app.require_user()
        ids: list[str | None] = list(self.application_ids) or [None]
        kind = self.kind

        def record() -> None:
            for app_id in ids:
                documents.record_print(
                    self.app.store,
                    user,
                    application_id=app_id,
                    document=kind,
                    printer=printer,
                    status=status,
                    error=error,
                )

        self.app.tasks.run_op(
            record, failure=lambda exc: self.app.messages.error(str(exc))
        )

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape:
            self.reject()
            return
        super().keyPressEvent(event)
