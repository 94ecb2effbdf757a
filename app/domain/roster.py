"""Roster vocabulary: relations (GB/T 4761), certificate types, person statuses."""

from __future__ import annotations

from app.domain.errors import ValidationError

# GB/T 4761 family relation codes as the county systems use them.
RELATIONS: dict[str, str] = {
    "02": "户主", "10": "配偶", "20": "子", "30": "女", "40": "孙子女", "50": "父母", "99": "其他",
}
_RELATION_WORDS: dict[str, str] = {
    "户主": "02", "本人": "02", "配偶": "10", "妻": "10", "妻子": "10", "夫": "10", "丈夫": "10",
    "子": "20", "儿子": "20", "长子": "20", "次子": "20", "女": "30", "女儿": "30",
    "长女": "30", "次女": "30", "孙子女": "40", "孙子": "40", "孙女": "40", "外孙子": "40",
    "外孙女": "40", "父母": "50", "父亲": "50", "母亲": "50", "其他": "99",
    "儿媳": "99", "女婿": "99", "兄弟姐妹": "99", "祖父母": "99",
}

ID_RESIDENT = "01"
ID_BIRTH_CERTIFICATE = "91"  # local code: 出生医学证明, until the newborn gets an ID number
ID_TYPES: dict[str, str] = {
    ID_RESIDENT: "居民身份证",
    "17": "港澳台居民居住证",
    "07": "外国人永久居留证",
    ID_BIRTH_CERTIFICATE: "出生医学证明",
    "99": "其他",
}

STATUSES: dict[str, str] = {
    "active": "正常参保对象",
    "deceased": "死亡",
    "moved_out": "迁出",
    "employee_insured": "已参加职工医保",
    "other": "其他",
}

METHODS: dict[str, str] = {"cash": "现金", "wechat": "微信", "bank": "银行转账", "other": "其他"}

REFUND_REASONS: dict[str, str] = {
    "duplicate": "重复参保",
    "employee": "参加职工医保",
    "death": "死亡",
    "elsewhere": "在外地参保",
}


def parse_relation(text: str) -> str:
    """A relation given as its Chinese word or its GB/T 4761 code → the code."""
    value = (text or "").strip()
    if not value:
        return "99"
    if value in RELATIONS:
        return value
    if value in _RELATION_WORDS:
        return _RELATION_WORDS[value]
    raise ValidationError(f"无法识别的与户主关系：“{value}”（可用：{'、'.join(RELATIONS.values())}）")


def parse_id_type(text: str) -> str:
    value = (text or "").strip()
    if not value:
        return ID_RESIDENT
    if value in ID_TYPES:
        return value
    for code, name in ID_TYPES.items():
        if value == name:
            return code
    if value in ("身份证", "居民身份证号码"):
        return ID_RESIDENT
    raise ValidationError(f"无法识别的证件类型：“{value}”")
