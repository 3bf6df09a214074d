"""The item catalog (事项目录): items, their materials, bundles (一件事).

The seed lives in ``counter_app/resources/catalog/``:

- ``items.json``: ``{"format": "counter-catalog/1", "version": ...,
  "conditions": {key: label}, "items": [...]}``. A condition is a yes/no
  question about the applicant's situation (e.g. ``agent`` = 由代理人办理); a
  material that names a condition is required only when the answer is yes.
- ``bundles.json``: ``{"format": "counter-bundles/1", "bundles": [...]}``, each
  bundle listing item codes in the order they are handled.

Shared materials in a bundle: two materials of different items of one bundle
are the same document when they have the same ``name`` *and* the same
``condition``; the bundle intake collects it once (``Catalog.bundle_materials``).
Catalog authors must therefore spell a shared document identically in every
item (居民身份证, 户口簿, 授权委托书 …) and give it the same condition. The
merged entry keeps the key, source and note of the first item that lists it,
asks for the largest number of originals and copies any item asks for, and
allows 电子证照 or 容缺 only if every item allows it.

Parsing is strict: any missing or unknown field, wrong type or broken rule
raises ``CatalogFileError`` naming the file, the item and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import NoReturn

from counter_app.domain.errors import DomainError
from counter_app.domain.text import TextError, clean_text, shown
from counter_app.i18n import N_, _, listing
from counter_app.resources import resource_path

ITEMS_FORMAT = "counter-catalog/1"
BUNDLES_FORMAT = "counter-bundles/1"
DEFAULT_DIR = resource_path("catalog")

# Basic item code (DB52/T 1264-2018): type letters + 5-digit main + 3-digit sub.
ITEM_TYPES: dict[str, str] = {
    "XK": N_("行政许可"),
    "QR": N_("行政确认"),
    "JF": N_("行政给付"),
    "GG": N_("公共服务"),
    "QT": N_("其他"),
}
_CODE_RE = re.compile(r"^(XK|QR|JF|GG|QT)[0-9]{8}$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogFileError(DomainError):
    """A catalog or bundle file that cannot be used as it is."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        source: str = "",
        code: str | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.source = source
        self.code = code


class UnknownItem(DomainError):
    """An item code that is not in the catalog."""


class UnknownBundle(DomainError):
    """A bundle code that is not in the catalog."""


@dataclass(frozen=True)
class Material:
    key: str
    name: str
    originals: int
    copies: int
    e_cert: bool
    deferrable: bool
    condition: str | None
    source: str
    note: str | None = None
    # 告知承诺: the applicant's promise replaces this proof (国办发〔2020〕42号).
    # Optional in the file; absent means no.
    promise: bool = False


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    department: str
    item_type: str
    legal_days: int | None
    promised_days: int
    fee: str
    on_the_spot: bool
    allows_commitment: bool
    address: str
    hours: str
    guide_url: str
    legal_basis: str
    materials: tuple[Material, ...]
    # Words clerks and applicants use for the item (低保, 社保卡, 个体户).
    keywords: tuple[str, ...] = ()

    def materials_for(self, answers: Mapping[str, bool]) -> tuple[Material, ...]:
        """The materials this applicant must bring, given yes/no answers."""
        return tuple(
            m
            for m in self.materials
            if m.condition is None or answers.get(m.condition, False)
        )

    def condition_keys(self) -> tuple[str, ...]:
        """The conditions worth asking about for this item, in material order."""
        return tuple(dict.fromkeys(m.condition for m in self.materials if m.condition))


@dataclass(frozen=True)
class Bundle:
    code: str
    name: str
    description: str
    item_codes: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    items: Mapping[str, Item]
    bundles: Mapping[str, Bundle]
    conditions: Mapping[str, str]
    version: str

    def item(self, code: str) -> Item:
        try:
            return self.items[code]
        except KeyError:
            raise UnknownItem(
                _(
                    "事项目录中没有编码为 {code} 的事项。"
                    "请按事项名称或拼音首字母搜索后选择。"
                ).format(code=code),
                field="code",
            ) from None

    def bundle(self, code: str) -> Bundle:
        try:
            return self.bundles[code]
        except KeyError:
            raise UnknownBundle(
                _("事项目录中没有编码为 {code} 的一件事。请按名称搜索后选择。").format(
                    code=code
                ),
                field="code",
            ) from None

    def bundle_items(self, code: str) -> tuple[Item, ...]:
        return tuple(self.item(c) for c in self.bundle(code).item_codes)

    def bundle_materials(
        self, bundle_code: str, answers: Mapping[str, bool]
    ) -> list[tuple[Material, tuple[str, ...]]]:
        """Each material of the bundle once, with the item codes needing it.

        Materials are shared when name and condition match (module docstring).
        """
        merged: dict[tuple[str, str | None], tuple[Material, list[str]]] = {}
        for item in self.bundle_items(bundle_code):
            for m in item.materials_for(answers):
                slot = (m.name, m.condition)
                if slot not in merged:
                    merged[slot] = (m, [item.code])
                    continue
                first, codes = merged[slot]
                merged[slot] = (
                    replace(
                        first,
                        originals=max(first.originals, m.originals),
                        copies=max(first.copies, m.copies),
                        e_cert=first.e_cert and m.e_cert,
                        deferrable=first.deferrable and m.deferrable,
                        promise=first.promise and m.promise,
                    ),
                    codes if item.code in codes else [*codes, item.code],
                )
        return [(m, tuple(codes)) for m, codes in merged.values()]

    def search(self, query: str) -> list[Item]:
        """Items whose code, name or pinyin (initials or full) contains query."""
        q = "".join(query.split()).lower()
        if not q:
            return list(self.items.values())
        return [
            it
            for it in self.items.values()
            if q in it.code.lower()
            or q in it.name
            or q in pinyin_initials(it.name)
            or q in pinyin_full(it.name)
        ]


def _ascii_keep(chunks: list[str]) -> str:
    return "".join(
        ch.lower() for chunk in chunks for ch in chunk if ch.isascii() and ch.isalnum()
    )


@lru_cache(maxsize=4096)
def pinyin_initials(text: str) -> str:
    """营业执照 → ``yyzz``; ASCII letters/digits kept (lower-cased)."""
    # Imported on first use: loading the pinyin tables costs ~0.1 s at start-up.
    from pypinyin import Style, lazy_pinyin

    return _ascii_keep(lazy_pinyin(text, style=Style.FIRST_LETTER))


@lru_cache(maxsize=4096)
def pinyin_full(text: str) -> str:
    """营业执照 → ``yingyezhizhao``; ASCII letters/digits kept (lower-cased)."""
    from pypinyin import lazy_pinyin

    return _ascii_keep(lazy_pinyin(text))


# --------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Where:
    """Where a value sits, for error messages."""

    source: str
    code: str | None = None
    bundle: bool = False

    def fail(self, field: str | None, problem: str, action: str) -> NoReturn:
        # The problem quotes the file's values: a hostile file must not put
        # broken Unicode, control characters or pages of text into the message.
        problem = shown(problem, limit=200)
        action = shown(action, limit=200)  # it may list the file's names
        field = None if field is None else shown(field, limit=60)
        code = None if self.code is None else shown(self.code, limit=30)
        if field is None:
            where = (
                _("一件事文件“{source}”")
                if self.bundle
                else _("事项目录文件“{source}”")
            )
        elif self.bundle:
            where = (
                _("一件事文件“{source}”，一件事 {code}，字段“{field}”")
                if self.code
                else _("一件事文件“{source}”，字段“{field}”")
            )
        else:
            where = (
                _("事项目录文件“{source}”，事项 {code}，字段“{field}”")
                if self.code
                else _("事项目录文件“{source}”，字段“{field}”")
            )
        message = _("{where}：{problem}。{action}").format(
            where=where.format(source=self.source, code=code, field=field),
            problem=problem,
            action=action,
        )
        raise CatalogFileError(message, field=field, source=self.source, code=code)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int):
        return _("整数")
    if isinstance(value, str):
        return _("文本")
    if isinstance(value, list):
        return _("列表")
    if isinstance(value, dict):
        return _("对象")
    return type(value).__name__


def _wrong_type(w: _Where, field: str, expected: str, value: object) -> NoReturn:
    w.fail(
        field,
        _("应为{expected}，实际为{actual}").format(
            expected=expected, actual=_type_name(value)
        ),
        _("请按目录格式改正该字段的值。"),
    )


def _check_fields(
    w: _Where,
    d: Mapping[str, object],
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    prefix: str = "",
) -> None:
    for name in required:
        if name not in d:
            w.fail(
                prefix + name,
                _("缺少该字段"),
                _("请补充该字段后重新导入。"),
            )
    for name in d:
        if name not in required and name not in optional:
            w.fail(
                prefix + name,
                _("不是目录格式中的字段"),
                _("请检查字段名拼写，或删除该字段。"),
            )


def _text(w: _Where, d: Mapping[str, object], name: str, prefix: str = "") -> str:
    value = d[name]
    if not isinstance(value, str):
        _wrong_type(w, prefix + name, _("文本"), value)
    value = _clean(w, value, prefix + name)
    if not value:
        w.fail(prefix + name, _("不能为空"), _("请填写该字段。"))
    return value


#: Legal bases and notes run long; nothing in a catalog runs longer.
CATALOG_TEXT_MAX = 2000


def _clean(w: _Where, value: str, field: str) -> str:
    """A catalog text by the desk's one rule for text (``domain.text``)."""
    try:
        return clean_text(
            value, field=field, label=field, max_len=CATALOG_TEXT_MAX, multiline=True
        )
    except TextError:
        w.fail(
            field,
            _("含有无法识别的字符（乱码），或超过 {limit} 个字").format(
                limit=CATALOG_TEXT_MAX
            ),
            _("请用文本编辑器改正该字段后重新导入，或从中心重新同步目录。"),
        )


def _opt_text(
    w: _Where, d: Mapping[str, object], name: str, prefix: str = ""
) -> str | None:
    value = d.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        _wrong_type(w, prefix + name, _("文本或 null"), value)
    return _clean(w, value, prefix + name)


def _flag(w: _Where, d: Mapping[str, object], name: str, prefix: str = "") -> bool:
    value = d[name]
    if not isinstance(value, bool):
        _wrong_type(w, prefix + name, _("true 或 false"), value)
    return value


def _count(
    w: _Where, d: Mapping[str, object], name: str, prefix: str = ""
) -> int | None:
    value = d[name]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        _wrong_type(w, prefix + name, _("不小于 0 的整数"), value)
    if value < 0:
        w.fail(
            prefix + name,
            _("不能为负数（{value}）").format(value=value),
            _("请填写不小于 0 的整数。"),
        )
    return value


def _int(w: _Where, d: Mapping[str, object], name: str, prefix: str = "") -> int:
    value = _count(w, d, name, prefix)
    if value is None:
        _wrong_type(w, prefix + name, _("不小于 0 的整数"), None)
    return value


def _object(w: _Where, value: object, field: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        _wrong_type(w, field, _("对象"), value)
    return value


def _list(w: _Where, value: object, field: str) -> list[object]:
    if not isinstance(value, list):
        _wrong_type(w, field, _("列表"), value)
    return value


_MATERIAL_FIELDS = tuple(
    f.name for f in fields(Material) if f.name not in ("note", "promise")
)
_ITEM_FIELDS = tuple(f.name for f in fields(Item) if f.name != "keywords")


def _material(
    w: _Where, raw: object, index: int, conditions: Mapping[str, str] | None
) -> Material:
    p = f"materials[{index}]."
    d = _object(w, raw, p.rstrip("."))
    _check_fields(w, d, _MATERIAL_FIELDS, ("note", "promise"), prefix=p)
    key = _text(w, d, "key", p)
    if not _KEY_RE.match(key):
        w.fail(
            p + "key",
            _("材料标识“{key}”格式不正确").format(key=key),
            _("请使用小写英文字母开头的字母、数字或下划线，如 id_card。"),
        )
    condition = _opt_text(w, d, "condition", p)
    if condition is not None and conditions is not None and condition not in conditions:
        w.fail(
            p + "condition",
            _("引用了未定义的条件“{condition}”").format(condition=condition),
            _("请在 conditions 中定义该条件，或改用已定义的条件：{known}。").format(
                known=listing(conditions) or _("（无）")
            ),
        )
    material = Material(
        key=key,
        name=_text(w, d, "name", p),
        originals=_int(w, d, "originals", p),
        copies=_int(w, d, "copies", p),
        e_cert=_flag(w, d, "e_cert", p),
        deferrable=_flag(w, d, "deferrable", p),
        condition=condition,
        source=_text(w, d, "source", p),
        note=_opt_text(w, d, "note", p),
        promise=_flag(w, d, "promise", p) if "promise" in d else False,
    )
    if material.originals + material.copies == 0:
        w.fail(
            p + "originals",
            _("原件和复印件份数都为 0"),
            _("请至少填写 1 份原件或复印件。"),
        )
    return material


def item_from_dict(
    d: Mapping[str, object],
    *,
    conditions: Mapping[str, str] | None = None,
    source: str = "",
) -> Item:
    """One item from its JSON object; ``conditions`` given → conditions checked."""
    code_value = d.get("code")
    code = code_value if isinstance(code_value, str) else None
    w = _Where(source or _("（未命名来源）"), code)
    _check_fields(w, d, _ITEM_FIELDS, ("keywords",))
    code = _text(w, d, "code")
    match = _CODE_RE.match(code)
    if match is None:
        w.fail(
            "code",
            _("事项编码“{code}”格式不正确").format(code=code),
            _(
                "请改为基本编码格式：2 位类型字母（XK/QR/JF/GG/QT）+ 5 位主项编码"
                " + 3 位子项编码，如 XK00012001。"
            ),
        )
    item_type = _text(w, d, "item_type")
    expected_type = ITEM_TYPES[match.group(1)]
    if item_type != expected_type:
        w.fail(
            "item_type",
            _("事项类型“{value}”与编码前缀 {prefix}（{expected}）不一致").format(
                value=item_type, prefix=match.group(1), expected=expected_type
            ),
            _("请改正事项类型或事项编码。"),
        )
    legal = _count(w, d, "legal_days")
    promised = _int(w, d, "promised_days")
    if legal is not None and promised > legal:
        w.fail(
            "promised_days",
            _("承诺时限（{promised} 个工作日）超过法定时限（{legal} 个工作日）").format(
                promised=promised, legal=legal
            ),
            _("承诺时限不得超过法定时限，请改为不大于 {legal} 的天数。").format(
                legal=legal
            ),
        )
    on_the_spot = _flag(w, d, "on_the_spot")
    if on_the_spot != (promised == 0):
        w.fail(
            "on_the_spot",
            _("即办件标记与承诺时限（{promised} 个工作日）不一致").format(
                promised=promised
            ),
            _("请改正：承诺时限为 0 的即办件填 true，其余承诺件填 false。"),
        )
    guide_url = _text(w, d, "guide_url")
    if not guide_url.startswith(("https://", "http://")):
        w.fail(
            "guide_url",
            _("办事指南地址“{url}”不是网址").format(url=guide_url),
            _("请填写以 https:// 开头的办事指南地址。"),
        )
    materials: list[Material] = []
    seen: set[str] = set()
    for index, raw in enumerate(_list(w, d["materials"], "materials")):
        material = _material(w, raw, index, conditions)
        if material.key in seen:
            w.fail(
                f"materials[{index}].key",
                _("材料标识“{key}”在本事项中重复").format(key=material.key),
                _("同一事项内每份材料的标识必须唯一，请改用其他标识。"),
            )
        seen.add(material.key)
        materials.append(material)
    return Item(
        code=code,
        name=_text(w, d, "name"),
        department=_text(w, d, "department"),
        item_type=item_type,
        legal_days=legal,
        promised_days=promised,
        fee=_text(w, d, "fee"),
        on_the_spot=on_the_spot,
        allows_commitment=_flag(w, d, "allows_commitment"),
        address=_text(w, d, "address"),
        hours=_text(w, d, "hours"),
        guide_url=guide_url,
        legal_basis=_text(w, d, "legal_basis"),
        materials=tuple(materials),
        keywords=_keywords(w, d),
    )


def _keywords(w: _Where, d: Mapping[str, object]) -> tuple[str, ...]:
    if "keywords" not in d:
        return ()
    words = _list(w, d["keywords"], "keywords")
    if not all(isinstance(k, str) and k.strip() for k in words):
        w.fail(
            "keywords",
            _("关键词必须是非空文字"),
            _('请把 keywords 写成文字列表，如 ["低保"]。'),
        )
    cleaned = tuple(_clean(w, str(k), "keywords") for k in words)
    if not all(cleaned):
        w.fail(
            "keywords",
            _("关键词必须是非空文字"),
            _('请把 keywords 写成文字列表，如 ["低保"]。'),
        )
    return cleaned


def item_to_dict(item: Item) -> dict[str, object]:
    """The JSON object ``item_from_dict`` reads back to an equal item."""
    d: dict[str, object] = asdict(item)
    materials = [asdict(m) for m in item.materials]
    for m in materials:
        if not m["promise"]:  # optional: files without it stay as they were
            del m["promise"]
    d["materials"] = materials
    d["keywords"] = list(item.keywords)
    if not item.keywords:
        del d["keywords"]
    return d


def _load_json(w: _Where, text: str) -> Mapping[str, object]:
    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in pairs:
            if key in out:
                w.fail(
                    key,
                    _("同一对象中字段“{key}”出现了两次").format(key=key),
                    _("请删除重复的字段。"),
                )
            out[key] = value
        return out

    try:
        data: object = json.loads(text, object_pairs_hook=no_duplicates)
    except RecursionError:
        w.fail(
            None,
            _("JSON 嵌套层次过深"),
            _("请确认导入的是本程序的事项目录文件。"),
        )
    except json.JSONDecodeError as exc:
        w.fail(
            None,
            _("不是有效的 JSON（第 {line} 行第 {column} 列：{reason}）").format(
                line=exc.lineno, column=exc.colno, reason=exc.msg
            ),
            _("请用文本编辑器修正后重新导入，或从中心重新同步目录。"),
        )
    if not isinstance(data, dict):
        w.fail(
            None,
            _("文件内容应为 JSON 对象，实际为{actual}").format(actual=_type_name(data)),
            _("请确认导入的是本程序的事项目录文件。"),
        )
    return data


def _check_format(w: _Where, doc: Mapping[str, object], expected: str) -> None:
    if doc.get("format") != expected:
        w.fail(
            "format",
            _("格式标识应为“{expected}”，实际为“{actual}”").format(
                expected=expected, actual=doc.get("format")
            ),
            _("请确认导入的是本程序的事项目录文件，或升级程序。"),
        )


def _parse_bundles(
    text: str, source: str, items: Mapping[str, Item]
) -> dict[str, Bundle]:
    w = _Where(source, bundle=True)
    doc = _load_json(w, text)
    _check_fields(w, doc, ("format", "bundles"))
    _check_format(w, doc, BUNDLES_FORMAT)
    bundles: dict[str, Bundle] = {}
    for index, raw in enumerate(_list(w, doc["bundles"], "bundles")):
        d = _object(w, raw, f"bundles[{index}]")
        code_value = d.get("code")
        bw = _Where(source, code_value if isinstance(code_value, str) else None, True)
        _check_fields(bw, d, ("code", "name", "description", "items"))
        code = _text(bw, d, "code")
        if code in bundles:
            bw.fail(
                "code",
                _("一件事编码 {code} 重复出现").format(code=code),
                _("每个一件事编码只能出现一次，请删除或改正重复的一件事。"),
            )
        codes: list[str] = []
        for pos, ref in enumerate(_list(bw, d["items"], "items")):
            field = f"items[{pos}]"
            if not isinstance(ref, str):
                _wrong_type(bw, field, _("文本"), ref)
            if ref not in items:
                bw.fail(
                    field,
                    _("引用了事项目录中不存在的事项 {ref}").format(ref=ref),
                    _("请先在事项目录中添加该事项，或从一件事中删除它。"),
                )
            if ref in codes:
                bw.fail(
                    field,
                    _("事项 {ref} 重复列出").format(ref=ref),
                    _("请删除重复的事项。"),
                )
            codes.append(ref)
        if len(codes) < 2:
            bw.fail(
                "items",
                _("一件事只包含 {count} 个事项").format(count=len(codes)),
                _("一件事应联办至少 2 个事项，请补充事项。"),
            )
        bundles[code] = Bundle(
            code=code,
            name=_text(bw, d, "name"),
            description=_text(bw, d, "description"),
            item_codes=tuple(codes),
        )
    return bundles


def _file_label(source: str, name: str) -> str:
    return str(Path(source) / name) if source else name


def parse_catalog(
    items_text: str, bundles_text: str | None = None, *, source: str = ""
) -> Catalog:
    """A catalog from the texts of ``items.json`` and (optionally) ``bundles.json``.

    ``source`` names where the texts came from (a directory, "中心下发"); it
    prefixes the file names in error messages.
    """
    items_source = _file_label(source, "items.json")
    w = _Where(items_source)
    doc = _load_json(w, items_text)
    _check_fields(w, doc, ("format", "version", "conditions", "items"))
    _check_format(w, doc, ITEMS_FORMAT)
    version = _text(w, doc, "version")
    raw_conditions = _object(w, doc["conditions"], "conditions")
    conditions: dict[str, str] = {}
    for key, label in raw_conditions.items():
        if not _KEY_RE.match(key):
            w.fail(
                "conditions." + key,
                _("条件标识“{key}”格式不正确").format(key=key),
                _("请使用小写英文字母开头的字母、数字或下划线，如 agent。"),
            )
        if not isinstance(label, str) or not label.strip():
            _wrong_type(w, "conditions." + key, _("非空文本"), label)
        conditions[key] = _clean(w, label, "conditions." + key)
    items: dict[str, Item] = {}
    for index, raw in enumerate(_list(w, doc["items"], "items")):
        d = _object(w, raw, f"items[{index}]")
        item = item_from_dict(d, conditions=conditions, source=items_source)
        if item.code in items:
            _Where(items_source, item.code).fail(
                "code",
                _("事项编码 {code} 重复出现").format(code=item.code),
                _("每个事项编码只能出现一次，请删除或改正重复的事项。"),
            )
        items[item.code] = item
    bundles: dict[str, Bundle] = {}
    if bundles_text is not None:
        bundles = _parse_bundles(
            bundles_text, _file_label(source, "bundles.json"), items
        )
    return Catalog(items=items, bundles=bundles, conditions=conditions, version=version)


def load_catalog_dir(directory: Path) -> Catalog:
    """Read ``items.json`` and, if present, ``bundles.json`` from ``directory``."""
    items_path = directory / "items.json"
    bundles_path = directory / "bundles.json"
    try:
        items_text = items_path.read_text(encoding="utf-8")
        bundles_text = (
            bundles_path.read_text(encoding="utf-8") if bundles_path.exists() else None
        )
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogFileError(
            _(
                "无法读取事项目录文件“{path}”：{reason}。请重新安装程序或从中心同步目录。"
            ).format(path=items_path, reason=exc),
            source=str(directory),
        ) from exc
    return parse_catalog(items_text, bundles_text, source=str(directory))


def load_default_catalog() -> Catalog:
    """The catalog seed shipped in ``counter_app/resources/catalog/``."""
    return load_catalog_dir(DEFAULT_DIR)
