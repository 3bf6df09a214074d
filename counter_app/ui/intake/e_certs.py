"""The applicant's electronic certificates, asked of the central platform
once per valid ID number: the desk's settings on the store worker, the
request on the I/O pool. The intake merges them into its reuse offers; a
line under the checklist says what the library holds, or why it could not
be asked. Never blocks the intake: no answer simply means no offers."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QWidget

from counter_app.i18n import _, listing
from counter_app.services.certificates import (
    CertificateLookup,
    CertificateQuery,
    certificate_query,
    fetch_certificates,
)
from counter_app.ui.context import AppContext
from sync import protocol as p


class CertificateFetcher(QObject):
    #: the certificates of the current ID number arrived
    arrived = Signal()

    def __init__(self, app: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.app = app
        self.id_number = ""
        self.result: CertificateLookup | None = None
        self.label = QLabel(parent)
        self.label.setObjectName("e_cert_status")
        self.label.setWordWrap(True)
        self.label.setAccessibleName(_("电子证照查询结果"))
        self.label.hide()

    def lookup(self, id_number: str, *, application_id: str) -> None:
        """Ask for this ID's certificates unless already asked; the lookup
        names the intake's application id and the clerk (the platform logs
        both and refuses a lookup without them)."""
        if id_number == self.id_number:
            return
        self.reset()
        self.id_number = id_number
        store = self.app.store
        clerk = self.app.user.username if self.app.user else ""
        self.app.tasks.run_op(
            lambda: certificate_query(store),
            success=lambda query: self._ask(id_number, query, application_id, clerk),
            failure=lambda exc: self._show(str(exc)),
        )

    def certificates(self, id_number: str) -> tuple[p.Certificate, ...]:
        result = self.result
        if result is None or id_number != self.id_number:
            return ()
        return result.certificates

    def reset(self) -> None:
        self.id_number = ""
        self.result = None
        self.label.clear()
        self.label.hide()

    def _ask(
        self,
        id_number: str,
        query: CertificateQuery | None,
        application_id: str,
        clerk: str,
    ) -> None:
        if query is None or id_number != self.id_number:
            return  # not enrolled: nothing to ask, nothing to say
        self.app.tasks.run_io(
            lambda: fetch_certificates(
                query, id_number=id_number, application_id=application_id, clerk=clerk
            ),
            success=self._got,
            failure=lambda exc: self._show(str(exc)),
        )

    def _got(self, result: CertificateLookup) -> None:
        if result.id_number != self.id_number:
            return  # the clerk has moved on to another applicant
        self.result = result
        if result.reason:
            self._show(result.reason)
        elif result.certificates:
            self._show(
                _("电子证照库：{kinds}").format(
                    kinds=listing(c["cert_type"] for c in result.certificates)
                )
            )
        else:
            self._show(_("电子证照库中没有此人的证照。"))
        self.arrived.emit()

    def _show(self, text: str) -> None:
        self.label.setText(text)
        self.label.setVisible(bool(text))
