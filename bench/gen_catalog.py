"""A county-size synthetic item catalog, in the shipped catalog's format.

    python -m bench.gen_catalog [--items 3000] [--out DIR] [--seed 17]

Writes ``DIR/items.json`` (``counter-catalog/1``, readable by
``load_catalog_dir``). The 41 shipped items come first, unchanged; the rest
are built the way county catalogs read: a subject (个体工商户, 道路运输,
残疾人 …) of a department, an action (设立登记, 变更, 注销, 补领 …) and
sometimes a qualifier (（新办）, （延续）), with the materials such items ask
for (居民身份证 and 授权委托书 in nearly all of them, so one-character
queries like 证 hit almost every item), everyday keywords for a fifth of them
and the codes of DB52/T 1264-2018. Pinyin is not stored in the file: the
store derives it with pypinyin when it indexes the catalog, as for the real
one. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from counter_app.domain.catalog import DEFAULT_DIR, ITEM_TYPES

# (department, subjects): subjects are what county items are about.
DEPARTMENTS: list[tuple[str, list[str]]] = [
    (
        "区市场监督管理局",
        [
            "个体工商户",
            "有限责任公司",
            "农民专业合作社",
            "食品经营",
            "食品生产",
            "小作坊",
            "药品零售企业",
            "医疗器械经营",
            "特种设备",
            "计量器具",
            "广告发布",
            "股权出质",
            "网络交易经营者",
        ],
    ),
    (
        "区公安分局",
        [
            "居民户口",
            "居住证",
            "居民身份证",
            "临时身份证",
            "机动车",
            "驾驶证",
            "出入境证件",
            "旅馆业",
            "印章刻制业",
            "典当业",
            "保安服务公司",
            "剧毒化学品购买",
        ],
    ),
    (
        "区人力资源和社会保障局",
        [
            "社会保障卡",
            "城乡居民基本养老保险",
            "职工基本养老保险",
            "失业保险",
            "工伤保险",
            "就业创业证",
            "职业技能等级证书",
            "人力资源服务许可",
            "劳务派遣经营",
            "技工学校",
        ],
    ),
    (
        "区医疗保障局",
        [
            "城乡居民基本医疗保险",
            "职工基本医疗保险",
            "生育保险",
            "异地就医",
            "门诊慢特病",
            "医疗救助",
            "定点医药机构",
        ],
    ),
    (
        "区民政局",
        [
            "最低生活保障",
            "特困人员",
            "临时救助",
            "高龄津贴",
            "困难残疾人生活补贴",
            "社会团体",
            "民办非企业单位",
            "养老机构",
            "婚姻",
            "收养",
            "殡葬服务",
            "地名",
        ],
    ),
    (
        "区卫生健康局",
        [
            "医疗机构执业",
            "医师执业",
            "护士执业",
            "公共场所卫生",
            "生活饮用水供水单位",
            "出生医学证明",
            "放射诊疗",
            "母婴保健技术服务",
            "计划生育家庭特别扶助",
        ],
    ),
    (
        "区住房和城乡建设局",
        [
            "建筑工程施工",
            "商品房预售",
            "建筑业企业资质",
            "房地产开发企业资质",
            "城镇污水排入排水管网",
            "燃气经营",
            "房屋租赁",
            "物业服务",
            "公共租赁住房",
        ],
    ),
    (
        "区不动产登记中心",
        [
            "不动产首次",
            "不动产转移",
            "不动产抵押权",
            "不动产预告",
            "不动产更正",
            "不动产查封",
            "不动产异议",
        ],
    ),
    (
        "区交通运输局",
        [
            "道路货物运输经营",
            "道路旅客运输经营",
            "出租汽车经营",
            "网络预约出租汽车驾驶员",
            "机动车维修经营",
            "机动车驾驶员培训",
            "公路超限运输",
            "港口经营",
        ],
    ),
    (
        "区教育局",
        [
            "教师资格",
            "民办学校",
            "校外培训机构",
            "学生资助",
            "义务教育入学",
            "幼儿园",
        ],
    ),
    (
        "区农业农村局",
        [
            "农药经营",
            "兽药经营",
            "种子生产经营",
            "动物防疫条件",
            "渔业捕捞",
            "农村宅基地",
            "农机购置补贴",
            "生猪定点屠宰",
        ],
    ),
    (
        "区自然资源局",
        [
            "建设用地规划",
            "建设工程规划",
            "乡村建设规划",
            "采矿权",
            "临时用地",
            "测绘资质",
        ],
    ),
    (
        "区生态环境局",
        ["排污许可", "建设项目环境影响评价", "危险废物经营", "辐射安全"],
    ),
    (
        "区文化广电和旅游局",
        [
            "娱乐场所",
            "营业性演出",
            "互联网上网服务营业场所",
            "旅行社",
            "出版物零售",
            "印刷经营",
        ],
    ),
    (
        "区退役军人事务局",
        ["退役军人优待证", "伤残抚恤", "退役士兵安置", "烈士褒扬"],
    ),
    (
        "区残疾人联合会",
        ["残疾人证", "残疾人辅助器具", "残疾人就业", "重度残疾人护理补贴"],
    ),
    (
        "住房公积金管理中心区管理部",
        ["住房公积金", "住房公积金贷款", "住房公积金缴存"],
    ),
    (
        "区税务局",
        ["税务登记", "发票领用", "增值税专用发票", "个人所得税", "社保费缴费"],
    ),
    (
        "区应急管理局",
        ["危险化学品经营", "烟花爆竹经营", "安全生产", "非煤矿山"],
    ),
    ("区烟草专卖局", ["烟草专卖零售", "烟草专卖批发"]),
]

# (action, item type, promised days or None for 即办)
ACTIONS: list[tuple[str, str, int | None]] = [
    ("设立登记", "XK", 3),
    ("变更登记", "XK", 3),
    ("注销登记", "XK", None),
    ("许可", "XK", 10),
    ("许可证核发", "XK", 15),
    ("许可证延续", "XK", 10),
    ("许可证变更", "XK", 5),
    ("许可证注销", "XK", None),
    ("备案", "QT", None),
    ("资格认定", "QR", 10),
    ("证书补领", "GG", 5),
    ("证书换领", "GG", 5),
    ("申领", "GG", 5),
    ("待遇申领", "JF", 10),
    ("补贴发放", "JF", 15),
    ("审核确认", "QR", 20),
    ("信息查询", "GG", None),
    ("年度报告", "GG", None),
    ("参保登记", "GG", None),
    ("关系转移", "GG", 15),
]
QUALIFIERS = [
    "",
    "",
    "",
    "",
    "（新办）",
    "（延续）",
    "（变更）",
    "（跨省通办）",
    "（个人）",
    "（单位）",
]

# Materials county items ask for; the first two appear in nearly all of them.
COMMON = [
    ("id_card", "居民身份证", None),
    ("poa", "授权委托书", "agent"),
    ("agent_id", "代理人居民身份证", "agent"),
]
MATERIALS = [
    ("application", "申请表"),
    ("licence", "营业执照"),
    ("hukou", "居民户口簿"),
    ("marriage", "结婚证"),
    ("premises", "经营场所使用证明"),
    ("lease", "房屋租赁合同"),
    ("photo", "近期免冠证件照片"),
    ("plan", "平面布局图"),
    ("staff", "从业人员健康证明"),
    ("rules", "管理制度文本"),
    ("qualification", "专业技术人员资格证书"),
    ("commitment", "告知承诺书"),
    ("old_licence", "原许可证正副本"),
    ("property", "不动产权证书"),
    ("contract", "买卖合同"),
    ("bank", "银行账户信息"),
    ("medical", "医疗诊断证明"),
    ("income", "家庭收入情况说明"),
    ("equipment", "设施设备清单"),
    ("safety", "安全评价报告"),
    ("report", "年度财务报告"),
    ("seal", "印章样式"),
    ("vehicle", "车辆行驶证"),
    ("insurance", "保险凭证"),
]
SOURCES = ["申请人自备", "可在窗口领取空白表格，也可在政务服务网下载", "相关部门核发"]
# Everyday words people say instead of the item name.
EVERYDAY = {
    "个体工商户": ["个体户", "开店"],
    "有限责任公司": ["开公司", "注册公司"],
    "居民户口": ["户口", "上户口"],
    "机动车": ["车辆", "上牌"],
    "驾驶证": ["驾照"],
    "社会保障卡": ["社保卡"],
    "城乡居民基本医疗保险": ["医保", "居民医保"],
    "职工基本医疗保险": ["医保"],
    "最低生活保障": ["低保"],
    "住房公积金": ["公积金"],
    "不动产转移": ["过户", "房产过户"],
    "残疾人证": ["残疾证"],
    "婚姻": ["结婚", "离婚"],
    "出生医学证明": ["出生证"],
    "烟草专卖零售": ["烟草证", "卖烟"],
    "食品经营": ["餐饮许可", "食品许可证"],
    "教师资格": ["教资"],
    "网络预约出租汽车驾驶员": ["网约车"],
}


def _material(
    key: str, name: str, condition: str | None, rng: random.Random
) -> dict[str, Any]:
    originals = rng.choice([0, 1, 1])
    return {
        "key": key,
        "name": name,
        "originals": originals,
        "copies": 1 if originals == 0 else rng.choice([0, 1]),
        "e_cert": rng.random() < 0.3,
        "deferrable": rng.random() < 0.2,
        "condition": condition,
        "source": rng.choice(SOURCES),
        "note": None,
    }


def synthetic_items(
    count: int, *, seed: int = 17, taken: set[str] | None = None, start_main: int = 2000
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    names: set[str] = set(taken or ())
    main = start_main
    while len(items) < count:
        department, subjects = rng.choice(DEPARTMENTS)
        subject = rng.choice(subjects)
        action, prefix, promised = rng.choice(ACTIONS)
        name = subject + action + rng.choice(QUALIFIERS)
        if name in names:
            continue
        names.add(name)
        main += 1
        code = f"{prefix}{main:05d}{rng.randint(1, 9):03d}"
        days = promised if promised is not None else 0
        materials = [_material(*COMMON[0], rng)]
        for key, mname in rng.sample(MATERIALS, rng.randint(2, 6)):
            materials.append(_material(key, mname, None, rng))
        materials += [_material(*c, rng) for c in COMMON[1:]]
        item: dict[str, Any] = {
            "code": code,
            "name": name,
            "department": department,
            "item_type": ITEM_TYPES[prefix],
            "legal_days": None if days == 0 else days * 2,
            "promised_days": days,
            "fee": rng.choice(["免费", "免费", "工本费 10 元"]),
            "on_the_spot": days == 0,
            "allows_commitment": rng.random() < 0.3,
            "address": f"综合受理区 {rng.randint(1, 30)} 号窗口",
            "hours": "周一至周五 9:00–12:00，13:30–17:00（法定节假日除外）",
            "guide_url": f"https://zwfw.example.gov.cn/guide/{code}",
            "legal_basis": f"《{subject}管理办法》第{rng.randint(2, 40)}条",
            "materials": materials,
        }
        words = EVERYDAY.get(subject)
        if words and rng.random() < 0.7:
            item["keywords"] = list(words)
        elif rng.random() < 0.15:
            item["keywords"] = [subject[:2] + action[:2]]
        items.append(item)
    return items


def county_catalog(items: int = 3000, *, seed: int = 17) -> dict[str, Any]:
    """The shipped catalog grown to ``items`` items (shipped items first)."""
    doc: dict[str, Any] = json.loads((DEFAULT_DIR / "items.json").read_text("utf-8"))
    shipped = doc["items"][:items]
    taken = {i["name"] for i in shipped}
    doc["items"] = shipped + synthetic_items(
        max(0, items - len(shipped)), seed=seed, taken=taken
    )
    doc["version"] = f"synthetic-{items}"
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--out", type=Path, default=Path("county-catalog"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "items.json"
    doc = county_catalog(args.items, seed=args.seed)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")
    print(f"{len(doc['items'])} items written to {path}")


if __name__ == "__main__":
    main()
