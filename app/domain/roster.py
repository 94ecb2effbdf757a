"""Roster vocabulary: relations (GB/T 4761-2008), certificate types, person statuses."""

from __future__ import annotations

from app.domain.errors import ValidationError

# GB/T 4761-2008 家庭关系代码 (two-digit codes), as the county systems use them. The labels are
# what the app shows and exports; each parses back to its own code. 40 孙子女, 60 祖父母 and
# 99 其他 keep the short labels the app has always stored and shown.
RELATIONS: dict[str, str] = {
    "01": "本人", "02": "户主",
    "10": "配偶", "11": "夫", "12": "妻",
    "20": "子", "21": "独生子", "22": "长子", "23": "次子", "24": "三子", "25": "四子",
    "26": "五子", "27": "养子或继子", "28": "女婿", "29": "其他儿子",
    "30": "女", "31": "独生女", "32": "长女", "33": "次女", "34": "三女", "35": "四女",
    "36": "五女", "37": "养女或继女", "38": "儿媳", "39": "其他女儿",
    "40": "孙子女", "41": "孙子", "42": "孙女", "43": "外孙子", "44": "外孙女",
    "45": "孙媳妇或外孙媳妇", "46": "孙女婿或外孙女婿", "47": "曾孙子或外曾孙子",
    "48": "曾孙女或外曾孙女", "49": "其他孙子女或外孙子女",
    "50": "父母", "51": "父亲", "52": "母亲", "53": "公公", "54": "婆婆", "55": "岳父",
    "56": "岳母", "57": "继父或养父", "58": "继母或养母", "59": "其他父母关系",
    "60": "祖父母", "61": "祖父", "62": "祖母", "63": "外祖父", "64": "外祖母",
    "65": "配偶的祖父母或外祖父母", "66": "曾祖父", "67": "曾祖母",
    "68": "配偶的曾祖父母或外曾祖父母", "69": "其他祖父母或外祖父母关系",
    "70": "兄弟姐妹", "71": "兄", "72": "嫂", "73": "弟", "74": "弟媳", "75": "姐姐",
    "76": "姐夫", "77": "妹妹", "78": "妹夫", "79": "其他兄弟姐妹",
    "80": "其他亲属关系", "81": "伯父", "82": "伯母", "83": "叔父", "84": "婶母", "85": "舅父",
    "86": "舅母", "87": "姨父", "88": "姨母", "89": "姑父", "90": "姑母",
    "91": "堂兄弟、堂姐妹", "92": "表兄弟、表姐妹", "93": "侄子", "94": "侄女", "95": "外甥",
    "96": "外甥女", "97": "其他亲属",
    "99": "其他",
}
HEAD = "02"
# Other words clerks write in the 与户主关系 column. In that column 本人 (01) is the head
# himself, so it is stored as 02 户主 (a household's head is the member with 02).
_RELATION_WORDS: dict[str, str] = {
    "本人": HEAD, "01": HEAD,
    "丈夫": "11", "妻子": "12",
    "儿子": "20", "二子": "23", "养子": "27", "继子": "27",
    "女儿": "30", "二女": "33", "养女": "37", "继女": "37", "儿媳妇": "38",
    "孙子、孙女或外孙子、外孙女": "40", "孙辈": "40", "外孙子女": "40",
    "孙媳": "45", "孙媳妇": "45", "外孙媳妇": "45", "孙女婿": "46", "外孙女婿": "46",
    "曾孙": "47", "曾孙子": "47", "外曾孙子": "47", "曾外孙子": "47",
    "曾孙女": "48", "外曾孙女": "48", "曾外孙女": "48",
    "其他孙子、孙女或外孙子、外孙女": "49",
    "父": "51", "爸爸": "51", "母": "52", "妈妈": "52",
    "继父": "57", "养父": "57", "继母": "58", "养母": "58",
    "祖父母或外祖父母": "60", "外祖父母": "60",
    "爷爷": "61", "奶奶": "62", "外公": "63", "姥爷": "63", "外婆": "64", "姥姥": "64",
    "兄弟": "70", "姐妹": "70",
    "哥哥": "71", "哥": "71", "嫂子": "72", "弟弟": "73", "弟妹": "74", "姐": "75", "妹": "77",
    "其他": "99", "亲属": "80", "亲戚": "80",
    "伯伯": "81", "大伯": "81", "叔叔": "83", "婶婶": "84", "婶子": "84", "舅舅": "85",
    "舅妈": "86", "姨妈": "88", "姑妈": "90", "姑姑": "90",
    "堂兄弟": "91", "堂姐妹": "91", "堂兄": "91", "堂弟": "91", "堂姐": "91", "堂妹": "91",
    "表兄弟": "92", "表姐妹": "92", "表哥": "92", "表弟": "92", "表姐": "92", "表妹": "92",
    "外甥子": "95",
    "非亲属": "99", "其它": "99",
}
OTHER = "99"
_LOOKUP: dict[str, str] = {**{code: code for code in RELATIONS},
                            **{label: code for code, label in RELATIONS.items()},
                            **_RELATION_WORDS}

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
    "military": "参军",
    "other": "其他",
}


def lookup_relation(text: str) -> str | None:
    """A relation given as its Chinese word or its GB/T 4761 code → the code; blank → 99
    其他; ``None`` when the word is not known (the caller decides: refuse or fall back)."""
    value = (text or "").strip()
    if not value:
        return OTHER
    return _LOOKUP.get(value)


def parse_relation(text: str) -> str:
    """Like ``lookup_relation``, but an unknown word is refused with the words to use."""
    code = lookup_relation(text)
    if code is None:
        raise ValidationError(
            f"无法识别的与户主关系：“{text.strip()}”（请填 GB/T 4761 的两位代码或称谓，例如 "
            "户主、配偶、子、女、儿媳、女婿、孙子女、父母、祖父母、兄弟姐妹、其他）")
    return code


# A certificate type as written → its code: the code itself, its name, or a common alias.
_ID_TYPE_LOOKUP: dict[str, str] = {"身份证": ID_RESIDENT, "居民身份证号码": ID_RESIDENT, "": ID_RESIDENT,
                                   **{name: code for code, name in ID_TYPES.items()},
                                   **{code: code for code in ID_TYPES}}


def parse_id_type(text: str) -> str:
    value = (text or "").strip()
    code = _ID_TYPE_LOOKUP.get(value)
    if code is None:
        raise ValidationError(f"无法识别的证件类型：“{value}”")
    return code
