"""The applicant's fields. Identifiers are checked as soon as the clerk
leaves the field; the error appears beside it in red and nothing typed is
lost. A valid resident ID fills in the birth date and sex. Enter moves to
the next field, like Tab, in the order the fields are shown."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from counter_app.devices.card import CardData
from counter_app.domain.identifiers import (
    ID_TYPE_LABELS,
    IdType,
    InvalidIdentifier,
    resident_id_info,
    validate_identifier,
    validate_phone,
)
from counter_app.i18n import N_, _
from counter_app.services.intake import Applicant
from counter_app.ui.retranslate import retranslate, tr

PERSON_ID_TYPES = [t for t in IdType if t is not IdType.USCC]
SEX_LABELS = {"M": N_("男"), "F": N_("女")}
KINDS = [(N_("个人"), "person"), (N_("单位"), "organisation")]


def _id_combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for t in PERSON_ID_TYPES:
        combo.addItem(_(ID_TYPE_LABELS[t]), t.value)
    # The longest type's name (a permit's full English title) must not set
    # the form's minimum width: the field stretches with the form anyway.
    combo.setSizeAdjustPolicy(
        QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
    )
    combo.setMinimumContentsLength(12)
    return combo


class ApplicantForm(QWidget):
    changed = Signal()
    id_valid = Signal(str)  # the normalised ID number (or credit code)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # never squeezed below its rows' height (the text would be cut):
        # where the window is short the intake scrolls instead
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.kind = QComboBox(self)
        self.kind.setObjectName("applicant_type")
        for source, value in KINDS:
            self.kind.addItem(_(source), value)
        self.fields: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.id_type = _id_combo("id_type")
        self.agent_id_type = _id_combo("agent_id_type")
        self.id_info = QLabel(self)
        self.id_info.setObjectName("id_info")
        self.assisted = tr(QCheckBox(self), N_("帮办代办"))
        self.assisted.setObjectName("assisted")

        form = self._form = QFormLayout()
        form.addRow(tr(QLabel(), N_("申请人类型")), self.kind)
        self._org_rows = [
            self._add(form, "org_name", N_("单位名称")),
            self._add(form, "uscc", N_("统一社会信用代码")),
        ]
        self._name_row = self._add(form, "name", N_("姓名"))
        form.addRow(tr(QLabel(), N_("证件类型")), self.id_type)
        self._add(form, "id_number", N_("证件号码"), extra=self.id_info)
        self._add(form, "phone", N_("联系电话"))
        self._add(form, "address", N_("联系地址"))
        form.addRow("", self.assisted)

        self.agent_box = tr(QGroupBox(self), N_("代理人"), "setTitle")
        agent = QFormLayout(self.agent_box)
        self._add(agent, "agent_name", N_("代理人姓名"))
        agent.addRow(tr(QLabel(), N_("证件类型")), self.agent_id_type)
        self._add(agent, "agent_id_number", N_("证件号码"))
        self._add(agent, "agent_relation", N_("与申请人关系"))
        self.agent_box.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.agent_box)

        self._set_tab_order()
        self.kind.currentIndexChanged.connect(self._kind_changed)
        for combo in (self.id_type, self.agent_id_type):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.assisted.toggled.connect(lambda _b: self.changed.emit())
        self.fields["id_number"].editingFinished.connect(self._check_id)
        self.fields["uscc"].editingFinished.connect(self._check_uscc)
        self.fields["agent_id_number"].editingFinished.connect(self._check_agent_id)
        self.fields["phone"].editingFinished.connect(self._check_phone)
        self._kind_changed()

    def _add(
        self, form: QFormLayout, key: str, label: str, extra: QWidget | None = None
    ) -> QWidget:
        edit = QLineEdit()
        edit.setObjectName(key)
        error = QLabel()
        error.setObjectName(key + "_error")
        error.setProperty("tone", "error")
        error.hide()
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(edit, 2)
        if extra is not None:
            box.addWidget(extra)
        box.addWidget(error, 3)
        form.addRow(tr(QLabel(), label), row)
        self.fields[key] = edit
        self.errors[key] = error
        edit.textEdited.connect(lambda _t: self.changed.emit())
        return row

    def focus_chain(self) -> list[QWidget]:
        """The fields in the order they are shown (hidden ones are skipped
        by Tab itself)."""
        f = self.fields
        return [
            self.kind,
            f["org_name"],
            f["uscc"],
            f["name"],
            self.id_type,
            f["id_number"],
            f["phone"],
            f["address"],
            self.assisted,
            f["agent_name"],
            self.agent_id_type,
            f["agent_id_number"],
            f["agent_relation"],
        ]

    def first_empty(self) -> QWidget | None:
        """The first shown text field still empty (where a clerk resuming a
        consultation or draft types next)."""
        for w in self.focus_chain():
            if isinstance(w, QLineEdit) and w.isVisibleTo(self) and not w.text():
                return w
        return None

    def _set_tab_order(self) -> None:
        chain = self.focus_chain()
        for a, b in pairwise(chain):
            QWidget.setTabOrder(a, b)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter that a field did not use (line edits report it after their
        check, combo boxes and the check box ignore it) goes to the next.
        From a name it goes straight to the ID number while the ID type is
        the usual 居民身份证 (one key less per applicant; Tab and Shift+Tab
        still stop at the type)."""
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            here = self.focusWidget()
            error = self.errors.get(here.objectName())
            if error is None or error.isHidden():  # a wrong ID stays to be fixed
                skip = None
                if here is self.fields["name"]:
                    skip = self.id_type
                elif here is self.fields["agent_name"]:
                    skip = self.agent_id_type
                self.focusNextChild()
                if skip is not None and skip.currentIndex() == 0:
                    self.focusNextChild()
            return
        super().keyPressEvent(event)

    # -- checks as typed ----------------------------------------------------
    def _check(self, key: str, id_type: str) -> str | None:
        text = self.fields[key].text()
        if not text.strip():
            self.show_error(key, "")
            return None
        try:
            code = validate_identifier(IdType(id_type), text)
        except InvalidIdentifier as exc:
            self.show_error(key, str(exc))
            return None
        self.show_error(key, "")
        return code

    def _check_id(self) -> None:
        self.id_info.clear()
        code = self._check("id_number", self.id_type.currentData())
        if code is None:
            return
        if self.id_type.currentData() == IdType.RESIDENT_ID.value:
            info = resident_id_info(code)
            self.id_info.setText(
                _("出生 {birth}，{sex}").format(
                    birth=info.birth_date.isoformat(), sex=_(SEX_LABELS[info.sex])
                )
            )
        self.id_valid.emit(code)

    def _check_uscc(self) -> None:
        code = self._check("uscc", IdType.USCC.value)
        if code is not None and not self.fields["id_number"].text().strip():
            self.id_valid.emit(code)

    def _check_agent_id(self) -> None:
        self._check("agent_id_number", self.agent_id_type.currentData())

    def _check_phone(self) -> None:
        text = self.fields["phone"].text()
        try:
            if text.strip():
                validate_phone(text)
            self.show_error("phone", "")
        except InvalidIdentifier as exc:
            self.show_error("phone", str(exc))

    def _kind_changed(self) -> None:
        org = self.kind.currentData() == "organisation"
        for row in self._org_rows:
            row.setVisible(org)
            label = self._form.labelForField(row)
            if label is not None:
                label.setVisible(org)
        name_label = self._form.labelForField(self._name_row)
        if isinstance(name_label, QLabel):
            tr(name_label, N_("法定代表人/经办人姓名") if org else N_("姓名"))
        self.changed.emit()

    def retranslate(self) -> None:
        """The words in the current language; what is typed stays."""
        retranslate(self)
        for i, (source, _value) in enumerate(KINDS):
            self.kind.setItemText(i, _(source))
        for combo in (self.id_type, self.agent_id_type):
            for i, t in enumerate(PERSON_ID_TYPES):
                combo.setItemText(i, _(ID_TYPE_LABELS[t]))

    # -- public -------------------------------------------------------------
    def set_agent_visible(self, visible: bool) -> None:
        self.agent_box.setVisible(visible)

    def show_error(self, key: str, text: str) -> bool:
        label = self.errors.get(key)
        if label is None:
            return False
        label.setText(text)
        label.setVisible(bool(text))
        if text and self.isVisible():
            self.fields[key].setFocus()
        return True

    def clear_errors(self) -> None:
        for key in self.errors:
            self.show_error(key, "")

    def applicant(self) -> Applicant:
        f = {k: e.text() for k, e in self.fields.items()}
        return Applicant(
            name=f["name"],
            applicant_type=self.kind.currentData(),
            id_type=self.id_type.currentData(),
            id_number=f["id_number"],
            phone=f["phone"],
            org_name=f["org_name"],
            uscc=f["uscc"],
            agent_name=f["agent_name"],
            agent_id_type=self.agent_id_type.currentData(),
            agent_id_number=f["agent_id_number"],
            agent_relation=f["agent_relation"],
            address=f["address"],
            assisted=self.assisted.isChecked(),
        )

    def set_applicant(self, a: Applicant) -> None:
        self.kind.setCurrentIndex(max(0, self.kind.findData(a.applicant_type)))
        self.id_type.setCurrentIndex(max(0, self.id_type.findData(a.id_type)))
        self.agent_id_type.setCurrentIndex(
            max(0, self.agent_id_type.findData(a.agent_id_type))
        )
        for key, edit in self.fields.items():
            edit.setText(str(getattr(a, key)))
        self.assisted.setChecked(a.assisted)
        self.clear_errors()
        self.id_info.clear()
        if a.id_number.strip():
            self._check_id()

    def clear(self) -> None:
        self.set_applicant(Applicant(name=""))

    def fill_from_card(self, card: CardData) -> None:
        """A card read on the reader (already checked): its holder becomes
        the applicant; fields the card lacks keep what was typed."""
        self.kind.setCurrentIndex(max(0, self.kind.findData("person")))
        self.set_id_number(card.id_number, card.card_type.value)
        self.fields["name"].setText(card.name)
        if card.address:
            self.fields["address"].setText(card.address)
        self.changed.emit()

    def fill_agent_from_card(self, card: CardData) -> None:
        """The agent's card (代理人): name, document type and number."""
        self.fields["agent_name"].setText(card.name)
        combo = self.agent_id_type
        combo.setCurrentIndex(max(0, combo.findData(card.card_type.value)))
        self.fields["agent_id_number"].setText(card.id_number)
        self._check_agent_id()
        self.changed.emit()

    def set_id_number(self, number: str, id_type: str) -> None:
        """An ID number from a device (card, keyboard-wedge reader)."""
        self.id_type.setCurrentIndex(max(0, self.id_type.findData(id_type)))
        self.fields["id_number"].setText(number)
        self._check_id()
        self.changed.emit()
