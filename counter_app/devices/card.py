"""What an ID card reader returns, and the checks card data passes before
it fills a form.

A card is read by a driver (``sdk``, ``wedge``, ``simulator``); the reading
is plain data here, checked with the same domain validators the typed form
uses (GB 11643 for 居民身份证 and the 港澳台居民居住证, the 2023/2017 rules
for the 外国人永久居留身份证). An expired card or a bad number raises
``CardRejected`` with a message naming what to do; the caller keeps whatever
the clerk had typed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from counter_app.domain.errors import DomainError
from counter_app.domain.identifiers import (
    IdType,
    InvalidIdentifier,
    validate_identifier,
)
from counter_app.domain.text import NAME_MAX, clean_text
from counter_app.i18n import N_, _


class CardError(DomainError):
    """The reader could not read a card (no reader, no card, a fault)."""


class CardRejected(DomainError):
    """A card was read, but its data cannot be used (expired, bad number)."""


# GB/T 3304 codes of the 56 ethnic groups as the chip stores them.
ETHNIC_GROUPS: tuple[str, ...] = (
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜",
    "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳",
    "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
    "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米",
    "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
    "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)  # fmt: skip
OTHER_ETHNIC = {"97": "其他", "98": "外国血统中国籍人士"}


def ethnic_name(code_or_name: str) -> str:
    """The group's name from a chip code ("01" → 汉); names pass through."""
    text = code_or_name.strip()
    if text.isdigit():
        n = int(text)
        if 1 <= n <= len(ETHNIC_GROUPS):
            return ETHNIC_GROUPS[n - 1]
        return OTHER_ETHNIC.get(f"{n:02d}", text)
    return text.removesuffix("族") if text not in ("", "族") else text


CARD_TYPE_LABELS: dict[IdType, str] = {
    IdType.RESIDENT_ID: N_("居民身份证"),
    IdType.FOREIGN_PERMANENT: N_("外国人永久居留身份证"),
    IdType.HK_MACAO_RESIDENCE: N_("港澳居民居住证"),
    IdType.TAIWAN_RESIDENCE: N_("台湾居民居住证"),
}


@dataclass(frozen=True)
class CardData:
    """One card as read. ``valid_to`` None means 长期 (no end date)."""

    card_type: IdType
    name: str
    sex: str  # "M" | "F"
    birth_date: date
    id_number: str
    valid_from: date
    valid_to: date | None
    ethnicity: str = ""  # resident cards only
    address: str = ""  # not on foreigner's cards
    authority: str = ""  # 签发机关
    photo: bytes = b""  # PNG
    english_name: str = ""  # foreigner's cards
    nationality: str = ""  # ISO 3166 alpha-3, foreigner's cards
    permit_number: str = ""  # 通行证号码 on HK/Macao/Taiwan residence permits
    issue_count: int = 0  # 签发次数 on residence permits

    def expired_on(self, day: date) -> bool:
        return self.valid_to is not None and self.valid_to < day

    def validity_text(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else _("长期")
        return _("{start} 至 {end}").format(start=self.valid_from.isoformat(), end=end)


def check_card(card: CardData, *, today: date, field: str = "id_number") -> CardData:
    """The card with its number normalised and its text cleaned, or
    ``CardRejected`` saying why it cannot be used."""
    try:
        number = validate_identifier(card.card_type, card.id_number, field=field)
    except InvalidIdentifier as exc:
        raise CardRejected(
            _("卡内证件号码无效（{reason}），请核对证件或手工录入").format(
                reason=str(exc)
            ),
            field=field,
        ) from None
    if card.card_type is IdType.RESIDENT_ID:
        sex = "M" if int(number[16]) % 2 else "F"
        birth = number[6:14]
        if sex != card.sex or birth != f"{card.birth_date:%Y%m%d}":
            raise CardRejected(
                _("卡内性别或出生日期与证件号码不一致，请核对证件或手工录入"),
                field=field,
            )
    if card.expired_on(today):
        raise CardRejected(
            _(
                "{doc}已于{date}过期，不能作为有效身份证件；"
                "请申请人出示有效证件（临时身份证或其他证件），已填写的内容未改动"
            ).format(
                doc=_(CARD_TYPE_LABELS.get(card.card_type, N_("证件"))),
                date=card.valid_to.isoformat() if card.valid_to else "",
            ),
            field=field,
        )
    return replace(
        card,
        id_number=number,
        name=clean_text(card.name, field="name", label=_("姓名"), max_len=NAME_MAX),
        address=clean_text(card.address, field="address", label=_("住址")),
        authority=clean_text(card.authority, field="authority", label=_("签发机关")),
        ethnicity=ethnic_name(card.ethnicity),
    )


class CardReader(Protocol):
    """A driver. ``read`` blocks (a reader takes up to a second): call it
    off the UI thread. It raises ``CardError`` with a clerk-readable reason."""

    name: str

    def probe(self) -> str:
        """ "" when the reader answers, else why not (shown beside its button)."""
        ...

    def read(self) -> CardData: ...
