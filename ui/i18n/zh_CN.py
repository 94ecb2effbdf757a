"""Simplified Chinese catalogue: English source string → Chinese.

`make i18n` runs pyside6-lupdate over ui/, fills the .ts from this table, and compiles the .qm
with pyside6-lrelease. tests/test_i18n.py fails when a visible string has no translation.
"""

CATALOGUE: dict[str, str] = {
    "Yibao Collect": "医保收缴通",
    "Yibao Collect — unlock": "医保收缴通 — 解锁",
    "Residents' medical insurance premium collection": "城乡居民基本医疗保险费收缴",
    "Database: %1": "数据库：%1",
    "Passphrase": "口令",
    "Unlock": "解锁",
    "Forgot passphrase?": "忘记口令？",
    "User": "用户",
    "Demo database — passphrase: %1": "演示数据库 — 口令：%1",
    "collector": "收款员",
    "township": "财政所",
    "Please enter your passphrase.": "请输入口令。",
    "Unlocking…": "正在解锁…",
    "Unexpected error: %1": "意外错误：%1",
    "You may try again now.": "现在可以再试一次。",
    "Too many wrong passphrases. Please wait %1 seconds.": "口令错误次数过多，请等待 %1 秒。",
    "Forgot passphrase": "忘记口令",
    "Your data stays encrypted and safe. Ask the township finance office (乡镇财政所) for help: "
    "with the recovery code you were given when the database was created, or with the "
    "township's recovery key, they can set a new passphrase for you:\n\n"
    "    yibao recover --code RECOVERY-CODE\n\n"
    "Nothing is lost, and your receipts and payments stay as they are.":
    "您的数据仍然加密保存，不会丢失。请联系乡镇财政所：凭创建数据库时交给财政所保管的恢复码，"
    "或由财政所用其恢复私钥，为您设置新口令：\n\n    yibao recover --code 恢复码\n\n"
    "票据和收款记录都不会改变。",
    "Check integrity (verify)": "校验数据完整性",
    "Village": "村",
    "Database": "数据库",
    "Journal events": "日志事件数",
    "Journal head": "日志末条哈希",
    "Schema version": "数据库结构版本",
    "Checking…": "正在校验…",
    "All %1 journal events verified; the ledger is consistent.":
    "全部 %1 条日志事件校验通过，账务一致。",
    "Problems found:": "发现问题：",
    "Overview": "概况",
}
