"""申请人签名: the applicant signs a document on the pad; 重签 clears it
before saving; once saved it is kept as drawn and printed on the document,
never changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.domain.signature import SIGNABLE
from counter_app.i18n import _
from counter_app.services.signatures import save_signature, signed
from counter_app.ui.context import AppContext
from counter_app.ui.devices.signature_pad import SignaturePad


class SignatureDialog(QDialog):
    def __init__(
        self,
        app: AppContext,
        *,
        application_ids: Sequence[str],
        document: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.application_ids = list(application_ids)
        self.document = document
        title = _("申请人签名：{document}").format(document=_(SIGNABLE[document]))
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.pad = SignaturePad(self)
        self.pad.setAccessibleName(_("签名框"))
        hint = QLabel(
            _(
                "请申请人在框内签名（手写板、触摸屏或鼠标均可）。保存前可以重签，保存后不能更改。"
            ),
            self,
        )
        hint.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setObjectName("signature_error")
        self.error.setProperty("tone", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.redo_button = QPushButton(_("重签(&R)"), self)
        self.redo_button.setObjectName("signature_redo")
        self.save_button = QPushButton(_("保存签名(&S)"), self)
        self.save_button.setObjectName("signature_save")
        self.save_button.setEnabled(False)
        cancel = QPushButton(_("取消"), self)
        for button, name in (
            (self.redo_button, _("重签")),
            (self.save_button, _("保存签名")),
            (cancel, _("取消")),
        ):
            button.setAccessibleName(name)
        self.redo_button.clicked.connect(self.pad.clear)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        self.pad.changed.connect(self._changed)
        row = QHBoxLayout()
        row.addWidget(self.redo_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.pad)
        layout.addWidget(self.error)
        layout.addLayout(row)

    def _changed(self) -> None:
        self.error.hide()
        self.save_button.setEnabled(self.pad.has_ink())

    def save(self) -> None:
        ctx = self.app.require_user()
        store, ids, doc = self.app.store, self.application_ids, self.document
        strokes, png = self.pad.strokes(), self.pad.to_png()
        w, h = self.pad.width(), self.pad.height()
        self.save_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        self.app.tasks.run_op(
            lambda: save_signature(
                store,
                ctx,
                application_ids=ids,
                document=doc,
                strokes=strokes,
                png=png,
                width=w,
                height=h,
            ),
            success=lambda _r: self.accept(),
            failure=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.redo_button.setEnabled(True)
        self.save_button.setEnabled(self.pad.has_ink())
        if isinstance(exc, DomainError):
            self.error.setText(str(exc))
        else:
            self.error.setText(
                _("签名未能保存，签名仍在框内，请重试：{error}").format(error=exc)
            )
        self.error.show()


def sign_button(
    app: AppContext,
    *,
    kind: str,
    application_ids: Sequence[str],
    after_save: Callable[[], None],
    parent: QWidget,
) -> QPushButton | None:
    """The 申请人签名 button of a document dialog (None for documents that are
    not signed at the window). Disabled once the document is signed."""
    if kind not in SIGNABLE or not application_ids:
        return None
    button = QPushButton(_("申请人签名(&G)"), parent)
    button.setObjectName("sign")
    button.setAccessibleName(_("申请人签名"))
    ids = list(application_ids)

    def mark_signed() -> None:
        button.setText(_("已签名"))
        button.setEnabled(False)
        button.setToolTip(_("签名保存后不能更改"))

    def open_pad() -> None:
        dialog = SignatureDialog(app, application_ids=ids, document=kind, parent=parent)

        def finished(result: int) -> None:
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted:
                mark_signed()
                after_save()

        dialog.finished.connect(finished)
        dialog.open()

    button.clicked.connect(open_pad)
    store = app.store
    app.tasks.run_op(
        lambda: all(signed(store, i, kind) for i in ids),
        success=lambda done: mark_signed() if done else None,
    )
    return button
