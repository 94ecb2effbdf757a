<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="76" />
        <location filename="../main_window.py" line="93" />
        <source>Yibao Collect</source>
        <translation>医保收缴通</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="80" />
        <source>Overview</source>
        <translation>概况</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="91" />
        <source>Unexpected error: %1</source>
        <translation>意外错误：%1</translation>
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <location filename="../main_window.py" line="33" />
        <source>Check integrity (verify)</source>
        <translation>校验数据完整性</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="47" />
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="48" />
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="49" />
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="50" />
        <source>Journal events</source>
        <translation>日志事件数</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="51" />
        <source>Journal head</source>
        <translation>日志末条哈希</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="52" />
        <source>Schema version</source>
        <translation>数据库结构版本</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="58" />
        <source>Checking…</source>
        <translation>正在校验…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="63" />
        <source>All %1 journal events verified; the ledger is consistent.</source>
        <translation>全部 %1 条日志事件校验通过，账务一致。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="66" />
        <source>Problems found:</source>
        <translation>发现问题：</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <location filename="../unlock.py" line="35" />
        <source>Yibao Collect — unlock</source>
        <translation>医保收缴通 — 解锁</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="38" />
        <source>Yibao Collect</source>
        <translation>医保收缴通</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="41" />
        <source>Residents' medical insurance premium collection</source>
        <translation>城乡居民基本医疗保险费收缴</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="42" />
        <source>Database: %1</source>
        <translation>数据库：%1</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="49" />
        <location filename="../unlock.py" line="60" />
        <source>Passphrase</source>
        <translation>口令</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="53" />
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="55" />
        <source>Forgot passphrase?</source>
        <translation>忘记口令？</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="59" />
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="67" />
        <source>Demo database — passphrase: %1</source>
        <translation>演示数据库 — 口令：%1</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="93" />
        <source>collector</source>
        <translation>收款员</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="93" />
        <source>township</source>
        <translation>财政所</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="109" />
        <source>Please enter your passphrase.</source>
        <translation>请输入口令。</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="112" />
        <source>Unlocking…</source>
        <translation>正在解锁…</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="136" />
        <source>Unexpected error: %1</source>
        <translation>意外错误：%1</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="142" />
        <source>You may try again now.</source>
        <translation>现在可以再试一次。</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="144" />
        <source>Too many wrong passphrases. Please wait %1 seconds.</source>
        <translation>口令错误次数过多，请等待 %1 秒。</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="150" />
        <source>Forgot passphrase</source>
        <translation>忘记口令</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="151" />
        <source>Your data stays encrypted and safe. Ask the township finance office (乡镇财政所) for help: with the recovery code you were given when the database was created, or with the township's recovery key, they can set a new passphrase for you:

    yibao recover --code RECOVERY-CODE

Nothing is lost, and your receipts and payments stay as they are.</source>
        <translation>您的数据仍然加密保存，不会丢失。请联系乡镇财政所：凭创建数据库时交给财政所保管的恢复码，或由财政所用其恢复私钥，为您设置新口令：

    yibao recover --code 恢复码

票据和收款记录都不会改变。</translation>
    </message>
</context>
</TS>