"""Electronic certificates (电子证照) from the central platform's library:
when the link is up, a certificate the applicant already holds there can
replace the paper the item asks for (a material whose ``e_cert`` flag is set
and whose name is that certificate's). Offers come out as
:class:`~counter_app.services.reuse.ReuseOffer` for
``reusable_materials(..., extra_offers=...)``.

Never in the clerk's way: the request has short timeouts, and offline, not
enrolled or any error gives no offers plus a reason — never an exception.

Three steps so a window can keep the store and the network apart:
:func:`certificate_query` (settings, store worker), :func:`fetch_certificates`
(keyring and HTTP, I/O pool), :func:`certificate_offers` (catalog, store
worker). :func:`lookup_certificates` runs all three.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from counter_app import clock
from counter_app.domain.catalog import Material
from counter_app.domain.identifiers import normalize
from counter_app.i18n import _
from counter_app.services.reuse import ReuseOffer, reusable_materials
from counter_app.store import settings
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from sync import protocol as p
from sync.credentials import NoKeyring, load_token
from sync.transport import (
    RequestTimeout,
    RetryableError,
    SyncError,
    Timeouts,
    Transport,
    Unauthorized,
)

log = logging.getLogger(__name__)

#: What a lookup at the window is for, as the platform's log records it.
PURPOSE_INTAKE = "窗口受理核验申请材料"

#: The applicant is waiting at the window: a slow platform is no platform.
TIMEOUTS = Timeouts(connect=2.0, read_base=5.0)

#: Certificate type in the platform's library → material names it stands for.
CERTIFICATE_MATERIALS: dict[str, tuple[str, ...]] = {
    "居民身份证": ("居民身份证", "身份证"),
    "户口簿": ("户口簿", "居民户口簿", "户口本"),
    "结婚证": ("结婚证",),
    "离婚证": ("离婚证",),
    "营业执照": ("营业执照",),
    "不动产权证书": ("不动产权证书", "不动产权证", "房屋所有权证"),
    "出生医学证明": ("出生医学证明",),
    "社会保障卡": ("社会保障卡", "社保卡"),
    "残疾人证": ("残疾人证",),
    "居住证": ("居住证",),
    "机动车行驶证": ("机动车行驶证", "行驶证"),
    "机动车驾驶证": ("机动车驾驶证", "驾驶证"),
    "驾驶员从业资格证": ("驾驶员从业资格证", "从业资格证"),
    "执业药师注册证": ("执业药师注册证",),
}

#: A material naming someone else's document (代理人居民身份证) or an old
#: one handed back (原残疾人证) is not the applicant's current certificate.
_NOT_THE_HOLDERS = ("代理人", "法定代表人", "监护人", "经办人", "配偶", "原")
_ALTERNATIVES = ("或", "、", "/", "／")
PERMANENT = "长期"


class CertificateOffers(list[ReuseOffer]):
    """The offers found; ``reason`` says why there are none when the library
    could not be asked (offline, not enrolled, an error)."""

    def __init__(self, offers: Iterable[ReuseOffer] = (), *, reason: str = "") -> None:
        super().__init__(offers)
        self.reason = reason


@dataclass(frozen=True)
class CertificateQuery:
    """Where to ask, read from the desk's settings."""

    server_url: str
    desk_id: str
    ca_cert: str


@dataclass(frozen=True)
class CertificateLookup:
    """The library's answer for one ID number, or why there is none."""

    id_number: str
    certificates: tuple[p.Certificate, ...] = ()
    reason: str = ""


def certificate_query(store: Store) -> CertificateQuery | None:
    """None when this desk is not enrolled (store worker)."""
    url = settings.get(store.db, "server_url")
    desk_id = settings.get(store.db, "desk_id")
    if not url or not desk_id:
        return None
    return CertificateQuery(url, desk_id, settings.get(store.db, "server_ca_cert"))


def not_enrolled_reason() -> str:
    return _("本终端未注册到中心平台，无法查询电子证照。")


def fetch_certificates(
    query: CertificateQuery | None,
    *,
    id_number: str,
    application_id: str,
    clerk: str,
    purpose: str = PURPOSE_INTAKE,
    timeouts: Timeouts = TIMEOUTS,
) -> CertificateLookup:
    """Ask the platform for the holder's certificates (any thread; no store).
    The platform logs the lookup with the application it serves (the
    intake's id), the clerk and the purpose, and refuses one without them.
    Failures become a reason, never an exception."""
    number = normalize(id_number)
    if query is None:
        return CertificateLookup(number, reason=not_enrolled_reason())
    if not number:
        return CertificateLookup(number, reason=_("证件号码为空，无法查询电子证照。"))
    try:
        token = load_token(query.desk_id)
        if not token:
            return CertificateLookup(number, reason=not_enrolled_reason())
        transport = Transport(
            query.server_url,
            token=token,
            verify=query.ca_cert or True,
            timeouts=timeouts,
        )
        try:
            answer = transport.json_call(
                "GET",
                p.PATH_CERTIFICATES,
                params={
                    "id_number": number,
                    "application_id": application_id,
                    "clerk": clerk,
                    "purpose": purpose,
                },
            )
        finally:
            transport.close()
        certs = tuple(_certificates(answer))
    except SyncError as exc:
        log.info("certificate lookup: %s", exc)
        return CertificateLookup(number, reason=_unavailable(exc))
    except Exception as exc:  # any surprise: logged, and the intake goes on
        log.exception("certificate lookup failed")
        return CertificateLookup(number, reason=_unavailable(exc))
    return CertificateLookup(number, certificates=certs)


def certificate_offers(
    store: Store,
    certificates: Sequence[p.Certificate],
    *,
    item_codes: Sequence[str] | None = None,
    answers: Mapping[str, bool] | None = None,
) -> list[ReuseOffer]:
    """One offer per material a still-valid certificate replaces: the
    materials of ``item_codes`` (as tailored by ``answers``), or of the whole
    catalog when no items are given (store worker)."""
    valid = [c for c in certificates if _still_valid(c)]
    if not valid:
        return []
    offers: dict[str, ReuseOffer] = {}
    for material in _materials(store, item_codes, answers):
        if not material.e_cert or material.name in offers:
            continue
        cert = next((c for c in valid if replaces(material.name, c)), None)
        if cert is not None:
            offers[material.name] = ReuseOffer(
                material_key=material.key,
                material_name=material.name,
                source_text=source_text(cert),
                source_application_id="",
                acceptance_no="",
                received_on=None,
            )
    return list(offers.values())


def reuse_offers(
    store: Store,
    *,
    id_number: str,
    item_codes: Sequence[str],
    answers: Mapping[str, bool],
    certs: Sequence[p.Certificate] = (),
) -> list[ReuseOffer]:
    """What the applicant need not bring: materials handed in before (from
    the local store, these win) and those the certificates replace."""
    return reusable_materials(
        store,
        id_number=id_number,
        item_codes=item_codes,
        answers=answers,
        extra_offers=certificate_offers(
            store, certs, item_codes=item_codes, answers=answers
        ),
    )


def lookup_certificates(
    store: Store,
    *,
    id_number: str,
    item_codes: Sequence[str] | None = None,
    answers: Mapping[str, bool] | None = None,
    application_id: str,
    clerk: str,
    timeouts: Timeouts = TIMEOUTS,
) -> CertificateOffers:
    """The three steps on one thread (command line, tests, services with a
    store of their own)."""
    found = fetch_certificates(
        certificate_query(store),
        id_number=id_number,
        application_id=application_id,
        clerk=clerk,
        timeouts=timeouts,
    )
    if found.reason:
        return CertificateOffers(reason=found.reason)
    offers = certificate_offers(
        store, found.certificates, item_codes=item_codes, answers=answers
    )
    reason = "" if offers else _("电子证照库中没有可替代本事项材料的证照。")
    return CertificateOffers(offers, reason=reason)


def replaces(material_name: str, cert: p.Certificate) -> bool:
    """Whether the certificate stands for the material: one of the material
    name's alternatives (split at 或/、) is, or ends with, a name the
    certificate type goes by — and is not someone else's document."""
    kind = cert["cert_type"].strip()
    names = CERTIFICATE_MATERIALS.get(kind, (kind,))
    for part in _alternatives(material_name):
        if part.startswith(_NOT_THE_HOLDERS):
            continue
        if any(part == n or part.endswith(n) for n in names):
            return True
    return False


def source_text(cert: p.Certificate) -> str:
    until = cert["valid_until"].strip()
    validity = (
        _("长期有效")
        if not until or until == PERMANENT
        else _("有效期至 {date}").format(date=until)
    )
    return _("电子证照：{kind}（{issuer}，{validity}）").format(
        kind=cert["cert_type"], issuer=cert["issuer"], validity=validity
    )


def _unavailable(exc: BaseException) -> str:
    """Why the library could not be asked, in words for the window (the
    technical detail goes to the log)."""
    if isinstance(exc, RequestTimeout):
        why = _("中心平台响应超时")
    elif isinstance(exc, RetryableError):
        why = _("无法连接中心平台，可能处于离线状态")
    elif isinstance(exc, Unauthorized):
        why = _("本终端的令牌已失效，请由负责人重新注册终端")
    elif isinstance(exc, NoKeyring):
        why = _("本机没有可用的系统密钥环，读不到终端令牌")
    else:
        why = str(exc)
    return _("电子证照库暂时查不到（{why}），请按纸质材料核验。").format(why=why)


def _alternatives(name: str) -> list[str]:
    # Remarks in brackets do not change which document it is.
    for bracket in ("（", "("):
        name = name.split(bracket, 1)[0]
    parts = [name]
    for sep in _ALTERNATIVES:
        parts = [piece for part in parts for piece in part.split(sep)]
    return [part.strip() for part in parts if part.strip()]


def _still_valid(cert: p.Certificate) -> bool:
    until = cert["valid_until"].strip()
    try:
        return date.fromisoformat(until) >= clock.today()
    except ValueError:
        return True  # 长期 or a wording we do not parse: the library vouches


def _certificates(answer: Mapping[str, object]) -> Iterable[p.Certificate]:
    rows = answer.get("certificates")
    if not isinstance(rows, list):
        raise SyncError(_("中心平台的电子证照应答无法识别"))
    for row in rows:
        if isinstance(row, dict) and row.get("cert_type"):
            yield p.Certificate(
                id_number=str(row.get("id_number", "")),
                cert_type=str(row["cert_type"]),
                name=str(row.get("name", "")),
                issuer=str(row.get("issuer", "")),
                valid_until=str(row.get("valid_until", "")),
            )


def _materials(
    store: Store,
    item_codes: Sequence[str] | None,
    answers: Mapping[str, bool] | None,
) -> Iterable[Material]:
    if item_codes is None:
        codes = [r[0] for r in store.db.execute("SELECT code FROM catalog_items")]
        for code in codes:
            yield from get_item(store.db, code).materials
        return
    for code in item_codes:
        yield from get_item(store.db, code).materials_for(answers or {})
