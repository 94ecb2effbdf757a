<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AssignIdDialog</name>
    <message>
        <location filename="../roster_dialogs.py" line="401" />
        <source>ID number for %1</source>
        <translation>补录 %1 的身份证号</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="402" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="405" />
        <source>18-character ID number</source>
        <translation>18 位身份证号码</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="408" />
        <source>Now registered with</source>
        <translation>现登记证件</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="410" />
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
</context>
<context>
    <name>BankCreditDialog</name>
    <message>
        <location filename="../township_deposits.py" line="36" />
        <source>Add a bank credit</source>
        <translation>登记银行到账</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="36" />
        <source>Add</source>
        <translation>登记</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="42" />
        <source>Amount (yuan)</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="43" />
        <source>Bank reference</source>
        <translation>银行流水号</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="44" />
        <source>Credit date</source>
        <translation>到账日期</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="45" />
        <source>Memo</source>
        <translation>摘要</translation>
    </message>
</context>
<context>
    <name>CashPage</name>
    <message>
        <location filename="../cash_page.py" line="154" />
        <source>Cash collected</source>
        <translation>累计收取现金</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="155" />
        <source>Cash refunds paid</source>
        <translation>现金退费</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="156" />
        <source>Deposited</source>
        <translation>已缴存</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="157" />
        <source>Held since</source>
        <translation>最早未缴存</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="171" />
        <source>Record a deposit…</source>
        <translation>登记缴存…</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="172" />
        <source>Daily close…</source>
        <translation>日清…</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="179" />
        <source>Cash on hand = cash collected − cash refunds − deposits. Deposit the cash into the township account within the day and amount limits, and count it at the end of every day.</source>
        <translation>现金在手 = 收取现金 − 现金退费 − 已缴存。请在规定的天数和金额限度内把现金缴存到乡镇账户，每天结束时清点现金（日清）。</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="186" />
        <source>Deposit date</source>
        <translation>缴存日期</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="187" />
        <source>Slip number</source>
        <translation>缴款单号</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="188" />
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="189" />
        <source>Recorded by</source>
        <translation>登记人</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="192" />
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="193" />
        <source>Books</source>
        <translation>账面</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="194" />
        <source>Counted</source>
        <translation>实点</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="195" />
        <source>Difference</source>
        <translation>差额</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="197" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="200" />
        <source>Deposits</source>
        <translation>缴存记录</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="201" />
        <source>Daily closes</source>
        <translation>日清记录</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="211" />
        <source>Cash on hand</source>
        <translation>现金在手</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="247" />
        <source>Deposit %1 recorded (slip %2). Cash on hand now %3.</source>
        <translation>已登记缴存 %1（回单 %2），现金在手 %3。</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="259" />
        <source>Day %1 closed: books %2, counted %3, difference %4.</source>
        <translation>%1 日清完成：账面 %2，实点 %3，差额 %4。</translation>
    </message>
</context>
<context>
    <name>CertificateChecker</name>
    <message>
        <location filename="../roster_dialogs.py" line="109" />
        <source>Already in the roster: household %1 (%2). The same certificate cannot be registered twice.</source>
        <translation>此证件号码已登记在户 %1（%2），同一证件不能重复登记。</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="117" />
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="117" />
        <source>female</source>
        <translation>女</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="118" />
        <source>Valid ID number: %1, born %2</source>
        <translation>身份证号有效：%1，%2 出生</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="121" />
        <source>Format accepted</source>
        <translation>格式正确</translation>
    </message>
</context>
<context>
    <name>ChasePage</name>
    <message>
        <location filename="../chase_page.py" line="32" />
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="33" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="34" />
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="35" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="36" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="37" />
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="38" />
        <source>Last year's tier</source>
        <translation>上年档次</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="39" />
        <source>Paid last year</source>
        <translation>上年个人缴费</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="40" />
        <source>Due this year</source>
        <translation>本年按上年档次应缴</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="42" />
        <source>Subsidy category</source>
        <translation>资助类别</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="45" />
        <source>Save as Excel…</source>
        <translation>保存为 Excel…</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="46" />
        <source>Print chase notices</source>
        <translation>打印催缴通知单</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="47" />
        <source>Save notices as PDF…</source>
        <translation>催缴通知单保存为 PDF…</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="76" />
        <source>Chase list — %1</source>
        <translation>催缴名单 — %1</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="79" />
        <source>No campaign of the year before is loaded on this computer: there is nobody to chase.</source>
        <translation>本机没有上一年度的征缴记录：没有需要催缴的人。</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="82" />
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="84" />
        <source>Enrolled in %1 and not yet renewed: %2 people in %3 households. %4</source>
        <translation>%1已参保、本年度尚未续保：%3 户 %2 人。%4</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="97" />
        <source>Save chase list</source>
        <translation>保存催缴名单</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="97" />
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="100" />
        <source>Save chase notices</source>
        <translation>保存催缴通知单</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="100" />
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="113" />
        <source>Saved %1 rows to %2.</source>
        <translation>已导出 %1 行到 %2。</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="118" />
        <source>Saved the notices of %1 households to %2.</source>
        <translation>已将 %1 户的催缴通知单保存到 %2。</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="123" />
        <source>Chase notices</source>
        <translation>催缴通知单</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="125" />
        <source>Printing cancelled.</source>
        <translation>已取消打印。</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="134" />
        <source>Printing failed: %1</source>
        <translation>打印失败：%1</translation>
    </message>
    <message>
        <location filename="../chase_page.py" line="139" />
        <source>Printed the notices of %1 households.</source>
        <translation>已打印 %1 户的催缴通知单。</translation>
    </message>
</context>
<context>
    <name>CollectView</name>
    <message>
        <location filename="../collect_view.py" line="105" />
        <source>Type in the search box and press Enter to open a household.</source>
        <translation>在左侧搜索框输入，按 Enter 打开一户。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="109" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="110" />
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="111" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="114" />
        <source>Category</source>
        <translation>资助类别</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="115" />
        <source>Price</source>
        <translation>标准</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="116" />
        <source>Subsidy</source>
        <translation>资助</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="118" />
        <source>Payable</source>
        <translation>应缴</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="129" />
        <source>Tier:</source>
        <translation>档次：</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="134" />
        <source>Newborn: covered from birth in the birth year</source>
        <translation>新生儿参保（出生当年，自出生之日起）</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="142" />
        <source>Method:</source>
        <translation>方式：</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="154" />
        <source>Transaction reference</source>
        <translation>交易参考号</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="159" />
        <source>Outside the collection period — reason:</source>
        <translation>不在征缴期内 — 收款原因：</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="170" />
        <source>Collect and print (Ctrl+Enter)</source>
        <translation>收款并打印（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="187" />
        <source>Space: tick or untick a member · Alt+1/2: tier · Alt+X/W/Y/Q: method · Ctrl+Enter: collect · Esc: back to search</source>
        <translation>空格 勾选/取消成员 · Alt+1/2 档次 · Alt+X/W/Y/Q 方式 · Ctrl+Enter 收款 · Esc 返回搜索</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="193" />
        <source>Payment history (Alt+J)</source>
        <translation>缴费记录（Alt+J）</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="227" />
        <source>Paid · %1</source>
        <translation>已缴 · %1</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="227" />
        <source>Paid</source>
        <translation>已缴</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="257" />
        <source>No household found. Try pinyin initials, the last digits of an ID number or the household number.</source>
        <translation>没有找到。可试试拼音首字母、身份证号后几位或户号。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="316" />
        <source>From the county's lists, not collected: %1</source>
        <translation>县医保名单所列，不在村里收款：%1</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="319" />
        <source>Household %1 · %2 · head %3</source>
        <translation>户号 %1 · %2 · 户主 %3</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="325" />
        <source>Nobody in this household needs to pay: everyone is enrolled, paid elsewhere or not insurable.</source>
        <translation>本户没有需要缴费的成员：都已参保、已通过其他渠道缴费或不在参保状态。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="403" />
        <source>Total %1</source>
        <translation>合计 %1</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="423" />
        <source>Open a household first.</source>
        <translation>请先打开一户。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="427" />
        <source>Tick at least one member to collect for.</source>
        <translation>请至少勾选一名成员。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="431" />
        <source>Enter the transaction reference for a non-cash payment.</source>
        <translation>非现金缴费请填写交易参考号。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="436" />
        <source>Today is outside the collection period: enter the reason to collect anyway.</source>
        <translation>今天不在征缴期内：确需收款请填写原因。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="481" />
        <source>Enrolled household %1 (fully subsidised, no receipt).</source>
        <translation>户 %1 已登记参保（全额资助，不开票据）。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="486" />
        <source>Collected %1 on receipt %2 — printing…</source>
        <translation>已收款 %1，票据 %2 — 正在打印…</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="523" />
        <source>Collected %1, %2</source>
        <translation>已收款 %1，%2</translation>
    </message>
</context>
<context>
    <name>ConfirmDialog</name>
    <message>
        <location filename="../collect_confirm.py" line="36" />
        <source>Confirm collection</source>
        <translation>确认收款</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="40" />
        <source>Household %1 · head %2 · %3 member(s) · %4 · %5</source>
        <translation>户号 %1 · 户主 %2 · %3 人 · %4 · %5</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="47" />
        <source>This receipt form will be used:</source>
        <translation>将使用票据：</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="51" />
        <source>Please check the number on the paper receipt form</source>
        <translation>请核对纸质票据号码</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="55" />
        <source>Fully subsidised: the members are enrolled and no receipt number is used.</source>
        <translation>全额资助：登记参保，不使用票据号码。</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="59" />
        <source>Amount %1</source>
        <translation>金额 %1</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="70" />
        <source>Collect and print (Enter)</source>
        <translation>确认收款并打印（Enter）</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="71" />
        <source>Enrol (Enter)</source>
        <translation>确认参保（Enter）</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="75" />
        <source>Back (Esc)</source>
        <translation>返回（Esc）</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="86" />
        <source>&amp;Received (optional):</source>
        <translation>收到(&amp;S)（可不填）：</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="88" />
        <source>yuan</source>
        <translation>元</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="108" />
        <source>not an amount</source>
        <translation>不是有效金额</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="111" />
        <source>%1 short</source>
        <translation>还差 %1</translation>
    </message>
    <message>
        <location filename="../collect_confirm.py" line="114" />
        <source>Change %1</source>
        <translation>找零 %1</translation>
    </message>
</context>
<context>
    <name>ConfirmVoidDialog</name>
    <message>
        <location filename="../township_books.py" line="131" />
        <source>Confirm a voided receipt</source>
        <translation>确认作废票据</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="131" />
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="134" />
        <source>Series</source>
        <translation>字轨</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="135" />
        <source>Number</source>
        <translation>号码</translation>
    </message>
</context>
<context>
    <name>CountyListDialog</name>
    <message>
        <location filename="../county_import_dialog.py" line="49" />
        <location filename="../county_import_dialog.py" line="99" />
        <source>Import a county list</source>
        <translation>导入县医保名单</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="56" />
        <source>The county's list (.xlsx or .csv)</source>
        <translation>县医保下发的名单（.xlsx 或 .csv）</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="57" />
        <source>Choose file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="61" />
        <source>Kind: from the header</source>
        <translation>类型：按表头判断</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="62" />
        <source>Online payments</source>
        <translation>线上缴费名单</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="63" />
        <source>Employee-insured</source>
        <translation>职工医保参保名单</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="64" />
        <source>Duplicate enrolment feedback</source>
        <translation>重复参保反馈</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="66" />
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="77" />
        <source>Importing the same file again changes nothing.</source>
        <translation>同一文件再次导入不会改变任何数据。</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="82" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="110" />
        <source>Importing…</source>
        <translation>正在导入…</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="124" />
        <source>Reading the file: %1 rows…</source>
        <translation>正在读取文件：已读 %1 行…</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="134" />
        <source>Imported.</source>
        <translation>导入完成。</translation>
    </message>
    <message>
        <location filename="../county_import_dialog.py" line="136" />
        <source>Rows %1 · new %2 · unchanged %3 · rejected rows %4</source>
        <translation>共 %1 行 · 新增 %2 · 未变 %3 · 拒收 %4 行</translation>
    </message>
</context>
<context>
    <name>DailyCloseDialog</name>
    <message>
        <location filename="../cash_page.py" line="98" />
        <source>Daily close</source>
        <translation>日清</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="98" />
        <source>Close the day</source>
        <translation>日清结账</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="103" />
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="105" />
        <source>Count the cash and type the total</source>
        <translation>清点现金后输入合计</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="108" />
        <source>Required when the count differs</source>
        <translation>金额不符时必填</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="109" />
        <source>Cash on hand (books)</source>
        <translation>账面现金</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="110" />
        <source>Counted (yuan)</source>
        <translation>实点现金（元）</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="111" />
        <source>Difference</source>
        <translation>差额</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="112" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="124" />
        <source>none — the cash agrees</source>
        <translation>无 — 账实相符</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="127" />
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="128" />
        <source>over</source>
        <translation>长款</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="129" />
        <source>short</source>
        <translation>短款</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="137" />
        <source>The count differs from the books: write a note saying why.</source>
        <translation>实点现金与账面不符，请填写说明。</translation>
    </message>
</context>
<context>
    <name>DepositDialog</name>
    <message>
        <location filename="../cash_page.py" line="56" />
        <source>Record a deposit</source>
        <translation>登记缴存</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="56" />
        <source>Record deposit</source>
        <translation>登记缴存</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="59" />
        <source>Number on the bank slip</source>
        <translation>银行缴款单上的编号</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="64" />
        <source>Cash on hand</source>
        <translation>现金在手</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="65" />
        <source>Amount deposited (yuan)</source>
        <translation>缴存金额（元）</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="66" />
        <source>Slip number</source>
        <translation>缴款单号</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="67" />
        <source>Deposit date</source>
        <translation>缴存日期</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="76" />
        <source>Enter the slip number.</source>
        <translation>请填写缴款单号。</translation>
    </message>
</context>
<context>
    <name>EndEnrolmentDialog</name>
    <message>
        <location filename="../roster_dialogs.py" line="324" />
        <source>End the enrolment of %1</source>
        <translation>终止 %1 的参保</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="325" />
        <source>End enrolment</source>
        <translation>终止参保</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="329" />
        <source>Required when the reason is 'other'</source>
        <translation>原因为“其他”时必填</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="331" />
        <source>Only for an enrolment that took no money (fully subsidised). It stays on record as ended; a paid enrolment is ended by a refund on its receipt.</source>
        <translation>仅用于未缴费的参保（全额资助）。记录保留，标为已终止；已缴费的参保请在票据上办理退费。</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="333" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="334" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>EnrolDialog</name>
    <message>
        <location filename="../sync_page.py" line="78" />
        <source>Enrol this device</source>
        <translation>登记本机</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="78" />
        <source>Enrol</source>
        <translation>登记</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="84" />
        <source>One-time code from the township</source>
        <translation>乡镇或县医保发放的一次性登记码</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="85" />
        <source>County server</source>
        <translation>县医保服务器</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="86" />
        <source>Enrolment code</source>
        <translation>登记码</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="92" />
        <source>Enter the server address and the enrolment code.</source>
        <translation>请填写服务器地址和登记码。</translation>
    </message>
</context>
<context>
    <name>ExportBundleDialog</name>
    <message>
        <location filename="../sync_page.py" line="116" />
        <source>Export bundle for USB</source>
        <translation>导出U盘数据包</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="116" />
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="122" />
        <source>Save as</source>
        <translation>保存为</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="126" />
        <source>This device is not enrolled yet: the bundle enrols it, with the county's key file and a one-time code.</source>
        <translation>本机尚未登记：数据包将同时申请登记，需要县医保公钥文件和一次性登记码。</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="129" />
        <source>County key file</source>
        <translation>县医保公钥文件</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="131" />
        <source>Enrolment code</source>
        <translation>登记码</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="136" />
        <source>Sync bundles (*.json)</source>
        <translation>同步数据包 (*.json)</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="155" />
        <source>Choose where to save the bundle.</source>
        <translation>请选择数据包的保存位置。</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="160" />
        <source>Choose the county key file and enter the enrolment code.</source>
        <translation>请选择县医保公钥文件并填写登记码。</translation>
    </message>
</context>
<context>
    <name>ExportMenu</name>
    <message>
        <location filename="../import_dialog.py" line="305" />
        <source>Export to Excel</source>
        <translation>导出到 Excel</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="308" />
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="316" />
        <source>Saved %1 rows to %2.</source>
        <translation>已导出 %1 行到 %2。</translation>
    </message>
</context>
<context>
    <name>FiguresPanel</name>
    <message>
        <location filename="../overview_figures.py" line="40" />
        <source>Collected today</source>
        <translation>今日收款</translation>
    </message>
    <message>
        <location filename="../overview_figures.py" line="41" />
        <source>%1 on %2 receipt(s), %3 person(s)</source>
        <translation>%1（票据 %2 张，%3 人）</translation>
    </message>
    <message>
        <location filename="../overview_figures.py" line="43" />
        <source>Campaign %1 so far</source>
        <translation>%1累计收款</translation>
    </message>
    <message>
        <location filename="../overview_figures.py" line="44" />
        <source>Households paid</source>
        <translation>已缴户数</translation>
    </message>
    <message>
        <location filename="../overview_figures.py" line="44" />
        <location filename="../overview_figures.py" line="46" />
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <location filename="../overview_figures.py" line="46" />
        <source>Persons paid</source>
        <translation>已参保人数</translation>
    </message>
    <message>
        <location filename="../overview_figures.py" line="48" />
        <source>Cash on hand</source>
        <translation>现金在手</translation>
    </message>
</context>
<context>
    <name>FileDialog</name>
    <message>
        <location filename="../common.py" line="400" />
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../common.py" line="402" />
        <source>%1 file</source>
        <translation>%1 文件</translation>
    </message>
    <message>
        <location filename="../common.py" line="403" />
        <source>File</source>
        <translation>文件</translation>
    </message>
</context>
<context>
    <name>HistoryDialog</name>
    <message>
        <location filename="../history_dialog.py" line="22" />
        <source>Payment history of household %1</source>
        <translation>户号 %1 的缴费记录</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="27" />
        <source>Year</source>
        <translation>年度</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="28" />
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="29" />
        <source>Receipt</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="29" />
        <source>fully subsidised</source>
        <translation>全额资助</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="30" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="31" />
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="32" />
        <source>Paid</source>
        <translation>已缴</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="33" />
        <source>Method</source>
        <translation>方式</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="34" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="39" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="45" />
        <source>Household %1 · head %2</source>
        <translation>户号 %1 · 户主 %2</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="53" />
        <source>paid</source>
        <translation>已缴</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="55" />
        <source>refunded %1 on %2 (%3)</source>
        <translation>%2 已退费 %1（%3）</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="58" />
        <source>receipt voided: %1</source>
        <translation>票据已作废：%1</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="63" />
        <source>%1 line(s) on %2 receipt(s)</source>
        <translation>共 %1 人次，%2 张票据</translation>
    </message>
    <message>
        <location filename="../history_dialog.py" line="65" />
        <source>No payment recorded for this household yet.</source>
        <translation>本户还没有缴费记录。</translation>
    </message>
</context>
<context>
    <name>HouseholdDialog</name>
    <message>
        <location filename="../roster_dialogs.py" line="132" />
        <source>Edit household</source>
        <translation>修改户信息</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="132" />
        <source>New household</source>
        <translation>新增户</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="133" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="144" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="145" />
        <source>Head of household</source>
        <translation>户主姓名</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="146" />
        <source>Group (村民小组)</source>
        <translation>村民小组</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="147" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="148" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="156" />
        <source>The household number and the head's name are required.</source>
        <translation>户号和户主姓名必须填写。</translation>
    </message>
</context>
<context>
    <name>HouseholdSearch</name>
    <message>
        <location filename="../collect_search.py" line="58" />
        <source>Name, pinyin initials (wjg), ID digits or household number</source>
        <translation>姓名、拼音首字母（如 wjg）、身份证号或户号</translation>
    </message>
    <message>
        <location filename="../collect_search.py" line="63" />
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../collect_search.py" line="64" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../collect_search.py" line="65" />
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../collect_search.py" line="66" />
        <source>Members</source>
        <translation>人数</translation>
    </message>
    <message>
        <location filename="../collect_search.py" line="67" />
        <source>Matched</source>
        <translation>匹配成员</translation>
    </message>
    <message>
        <location filename="../collect_search.py" line="72" />
        <source>Enter: open · ↑↓: choose</source>
        <translation>Enter 打开 · ↑↓ 选择</translation>
    </message>
</context>
<context>
    <name>IssueBookDialog</name>
    <message>
        <location filename="../township_books.py" line="60" />
        <source>Issue a receipt book</source>
        <translation>发放票据（领用）</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="60" />
        <source>Issue</source>
        <translation>发放</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="70" />
        <source>(no name set for this code)</source>
        <translation>（这个村代码还没有设置村名）</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="73" />
        <source>Only when the previous book is not settled</source>
        <translation>仅在上一本未核销时填写</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="74" />
        <source>Series</source>
        <translation>字轨</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="75" />
        <source>First number</source>
        <translation>起始号</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="76" />
        <source>Last number</source>
        <translation>终止号</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="77" />
        <source>Village code</source>
        <translation>村代码</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="79" />
        <source>Collector</source>
        <translation>收款员</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="80" />
        <source>Reason for an exception</source>
        <translation>例外发放原因</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="89" />
        <source>Enter the village code and the collector's name.</source>
        <translation>请填写村代码和收款员姓名。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="181" />
        <source>Collect</source>
        <translation>收款</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="181" />
        <source>Roster</source>
        <translation>花名册</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="181" />
        <source>Receipts</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="182" />
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="182" />
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="182" />
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="183" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="346" />
        <source>Received from %1 village(s), %2 device(s)</source>
        <translation>已收 %1 个村 %2 台设备</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="348" />
        <source>Books issued %1, not settled %2</source>
        <translation>已发票据 %1 本，未核销 %2 本</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="352" />
        <source>%1 deposit(s) without bank credit</source>
        <translation>%1 笔缴存未见银行到账</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="353" />
        <source>All deposits credited</source>
        <translation>缴存均已到账</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="357" />
        <source>%1 reconciliation problem(s)</source>
        <translation>对账问题 %1 个</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="358" />
        <source>No reconciliation problems</source>
        <translation>对账无问题</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="367" />
        <source>No county server configured</source>
        <translation>未配置县级服务器</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="373" />
        <source>last sync %1</source>
        <translation>上次同步 %1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="375" />
        <source>never synced</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="376" />
        <source>%1 to sync · %2</source>
        <translation>待同步 %1 条 · %2</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="378" />
        <source>%1 refund task(s)</source>
        <translation>退费任务 %1 条</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="289" />
        <source>No active campaign</source>
        <translation>没有启用的征缴年度</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="299" />
        <source>Yibao Collect</source>
        <translation>医保收缴通</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="307" />
        <source>No receipt forms left</source>
        <translation>没有可用票据</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="310" />
        <source>Receipt %1 (%2 left)</source>
        <translation>票据 %1（剩 %2 张）</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="315" />
        <source>Cash on hand %1</source>
        <translation>现金在手 %1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="324" />
        <source>%1 not printed</source>
        <translation>%1 张待打印</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="183" />
        <source>Overview</source>
        <translation>概况</translation>
    </message>
</context>
<context>
    <name>MemberDialog</name>
    <message>
        <location filename="../roster_dialogs.py" line="178" />
        <source>Edit member</source>
        <translation>修改成员</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="180" />
        <source>Register a newborn</source>
        <translation>新生儿登记</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="182" />
        <source>New member</source>
        <translation>新增成员</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="183" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="190" />
        <source>Local household registration</source>
        <translation>本地户籍</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="191" />
        <source>Non-local (residence permit)</source>
        <translation>外地户籍（持居住证）</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="196" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="197" />
        <source>Relation to head</source>
        <translation>与户主关系</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="204" />
        <source>Certificate</source>
        <translation>证件</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="205" />
        <source>Residence</source>
        <translation>户籍</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="206" />
        <source>Ethnicity</source>
        <translation>民族</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="207" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="208" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="210" />
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="211" />
        <source>(certified by the township; collectors cannot change them)</source>
        <translation>（由乡镇认定，收款员不能修改）</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="214" />
        <source>Subsidy categories</source>
        <translation>资助类别</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="221" />
        <source>Birth certificate number</source>
        <translation>出生医学证明编号</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="222" />
        <source>18-character ID number</source>
        <translation>18 位身份证号码</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="226" />
        <source>not given</source>
        <translation>未填</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="227" />
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="228" />
        <source>female</source>
        <translation>女</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="235" />
        <source>Certificate type</source>
        <translation>证件类型</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="236" />
        <source>Certificate number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="238" />
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="239" />
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="269" />
        <source>Enter the name.</source>
        <translation>请填写姓名。</translation>
    </message>
</context>
<context>
    <name>MoveDialog</name>
    <message>
        <location filename="../roster_dialogs.py" line="350" />
        <source>Move %1 to another household</source>
        <translation>将 %1 迁至其他户</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="351" />
        <source>Move</source>
        <translation>迁移</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="355" />
        <source>Search the new household</source>
        <translation>搜索迁入的户（姓名、首字母、户号）</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="357" />
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="358" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="359" />
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="363" />
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="388" />
        <source>Find and select the household to move to.</source>
        <translation>请搜索并选中要迁入的户。</translation>
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <location filename="../main_window.py" line="87" />
        <source>Check integrity (verify)</source>
        <translation>校验数据完整性</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="102" />
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="103" />
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="103" />
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="105" />
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="106" />
        <source>Journal events</source>
        <translation>日志事件数</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="107" />
        <source>Journal head</source>
        <translation>日志末条哈希</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="108" />
        <source>Schema version</source>
        <translation>数据库结构版本</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="114" />
        <source>Checking…</source>
        <translation>正在校验…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="119" />
        <source>All %1 journal events verified; the ledger is consistent.</source>
        <translation>全部 %1 条日志事件校验通过，账务一致。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="122" />
        <source>Problems found:</source>
        <translation>发现问题：</translation>
    </message>
</context>
<context>
    <name>PendingPrintBanner</name>
    <message>
        <location filename="../main_window.py" line="150" />
        <source>%1 receipt(s) collected but NOT printed: %2 — the payer has no receipt yet!</source>
        <translation>%1 张票据已收款但未打印：%2 — 交款人还没有拿到收据！</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="153" />
        <source>Print %1 now</source>
        <translation>立即打印 %1</translation>
    </message>
</context>
<context>
    <name>ProgressPage</name>
    <message>
        <location filename="../progress_page.py" line="35" />
        <location filename="../progress_page.py" line="48" />
        <location filename="../progress_page.py" line="116" />
        <source>Enrolled</source>
        <translation>已参保</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="35" />
        <source>Enrolment rate</source>
        <translation>参保率</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="36" />
        <source>Collected</source>
        <translation>已收金额</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="36" />
        <source>Collection period</source>
        <translation>征缴期</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="45" />
        <location filename="../progress_page.py" line="61" />
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="46" />
        <source>Households</source>
        <translation>户数</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="47" />
        <source>Insurable</source>
        <translation>应参保</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="49" />
        <location filename="../progress_page.py" line="117" />
        <source>Unpaid</source>
        <translation>未缴</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="50" />
        <source>Subsidised</source>
        <translation>资助人数</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="51" />
        <source>Rate</source>
        <translation>参保率</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="59" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="60" />
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="62" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="63" />
        <source>Unpaid members</source>
        <translation>未缴人数</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="64" />
        <source>Payable</source>
        <translation>应缴</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="95" />
        <source>Collection progress — %1</source>
        <translation>征缴进度 — %1</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="96" />
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="101" />
        <source>starts %1</source>
        <translation>%1 开始</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="103" />
        <source>ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="105" />
        <source>%1 days left (until %2)</source>
        <translation>剩 %1 天（至 %2）</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="110" />
        <source>Households still to visit: %1 (amounts at %2)</source>
        <translation>待上门收缴：%1 户（金额按%2计）</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="133" />
        <source>Members enrolled and unpaid by group</source>
        <translation>各组参保与未缴人数</translation>
    </message>
</context>
<context>
    <name>ReceiptsPage</name>
    <message>
        <location filename="../receipts_page.py" line="250" />
        <source>issued</source>
        <translation>已开具</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="250" />
        <source>voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="251" />
        <source>lost</source>
        <translation>遗失</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="254" />
        <source>Book</source>
        <translation>票据本</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="256" />
        <location filename="../receipts_page.py" line="290" />
        <source>Issued</source>
        <translation>已开具</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="257" />
        <location filename="../receipts_page.py" line="291" />
        <source>Voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="258" />
        <location filename="../receipts_page.py" line="292" />
        <source>Lost</source>
        <translation>遗失</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="259" />
        <source>Unused</source>
        <translation>未用</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="260" />
        <location filename="../receipts_page.py" line="277" />
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="261" />
        <source>Refunds</source>
        <translation>退费</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="262" />
        <source>Collector</source>
        <translation>收款员</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="270" />
        <source>Receipt</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="271" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="273" />
        <source>Printed</source>
        <translation>打印</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="279" />
        <source>Refunded</source>
        <translation>已退费</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="304" />
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="315" />
        <source>Refund voucher</source>
        <translation>退费凭证</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="351" />
        <source>NOT PRINTED</source>
        <translation>待打印</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="355" />
        <source>printed, reprinted ×%1</source>
        <translation>已打印，补打 %1 次</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="356" />
        <source>printed</source>
        <translation>已打印</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="470" />
        <source>Print the refund voucher to sign</source>
        <translation>打印退费凭证（请居民签字）</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="275" />
        <source>Payer</source>
        <translation>交款人</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="276" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="281" />
        <source>Method</source>
        <translation>方式</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="282" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="283" />
        <source>Void reason / note</source>
        <translation>作废原因 / 说明</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="298" />
        <source>Number, payer or household no. contains…</source>
        <translation>票号、交款人或户号包含…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="290" />
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="291" />
        <source>Not printed</source>
        <translation>待打印</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="301" />
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="310" />
        <location filename="../receipts_page.py" line="421" />
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="311" />
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="312" />
        <source>Void…</source>
        <translation>作废…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="313" />
        <source>Refund…</source>
        <translation>退费…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="314" />
        <source>Void next blank form…</source>
        <translation>作废下一张空白票…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="332" />
        <source>Receipt books</source>
        <translation>票据本</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="335" />
        <source>Receipts</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="369" />
        <source>No receipt forms left: register a new book from the township.</source>
        <translation>票据已用完：请向乡镇财政所领用新票据并登记。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="372" />
        <source>Next receipt: %1 (%2 left in this book)</source>
        <translation>下一张票据：%1（本册剩 %2 张）</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="384" />
        <source>All books</source>
        <translation>全部票据本</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="399" />
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="422" />
        <source>Reprint (补打)</source>
        <translation>补打</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="468" />
        <source>Refunded %1 to %2 (receipt %3).</source>
        <translation>已为 %2 退费 %1（票据 %3）。</translation>
    </message>
</context>
<context>
    <name>ReceiveBooksDialog</name>
    <message>
        <location filename="../township_books.py" line="41" />
        <source>Receive receipt books</source>
        <translation>票据入库</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="41" />
        <source>Receive</source>
        <translation>入库</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="45" />
        <source>Series</source>
        <translation>字轨</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="46" />
        <source>First number</source>
        <translation>起始号</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="47" />
        <source>Last number</source>
        <translation>终止号</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <location filename="../receipts_page.py" line="141" />
        <source>Refund on receipt %1</source>
        <translation>票据 %1 退费</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="142" />
        <source>Refund…</source>
        <translation>退费…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="142" />
        <source>Yes, refund</source>
        <translation>确认退费</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="147" />
        <source>Paid</source>
        <translation>已缴</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="189" />
        <source>Select the member to refund.</source>
        <translation>请选中要退费的成员。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="145" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="146" />
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="148" />
        <source>Refund</source>
        <translation>退费</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="160" />
        <source>Paid out of my cash on hand</source>
        <translation>由我用现金退付（从现金在手中支出）</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="161" />
        <source>Paid by the township office</source>
        <translation>由乡镇财政所退付（不动用现金在手）</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="163" />
        <source>Required when the reason is 'other'</source>
        <translation>原因为“其他”时必填</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="165" />
        <source>Receipt</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="166" />
        <source>Member</source>
        <translation>成员</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="167" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="168" />
        <source>Refund paid by</source>
        <translation>退付方式</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="169" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="192" />
        <source>%1 was refunded on this receipt already.</source>
        <translation>%1 在这张票据上已经退过费。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="194" />
        <source>Refund %1 to %2 (%3) on receipt %4 because: %5? Their enrolment ends; %6.</source>
        <translation>确认退费 %1 给 %2（%3），票据 %4，原因：%5？其本年度参保随之终止；%6。</translation>
    </message>
</context>
<context>
    <name>ReportsPage</name>
    <message>
        <location filename="../reports_page.py" line="97" />
        <source>Daily collection report</source>
        <translation>收款日报</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="98" />
        <source>Receipt book settlement sheet</source>
        <translation>票据核销表</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="100" />
        <source>Payment notice for a household</source>
        <translation>缴费（催缴）通知单</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="103" />
        <source>Coverage by village and group (with rewards)</source>
        <translation>征缴进度表（含奖惩）</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="105" />
        <source>Subsidised people by category and channel</source>
        <translation>资助参保人员名册</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="121" />
        <location filename="../reports_page.py" line="126" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="124" />
        <source>Business day</source>
        <translation>收款日期</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="125" />
        <source>Receipt book</source>
        <translation>票据本</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="127" />
        <source>Tier</source>
        <translation>档次</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="134" />
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="135" />
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="136" />
        <source>Save as PDF…</source>
        <translation>保存为 PDF…</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="137" />
        <source>Save as Excel…</source>
        <translation>保存为 Excel…</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="172" />
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="236" />
        <source>No receipt book is registered yet.</source>
        <translation>还没有登记票据本。</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="241" />
        <source>Enter the household number first.</source>
        <translation>请先填写户号。</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="255" />
        <source>Choose the report and press Preview.</source>
        <translation>选择报表后点“预览”。</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="274" />
        <source>Preparing the report…</source>
        <translation>正在生成报表…</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="283" />
        <source>The report could not be made: %1</source>
        <translation>报表未能生成：%1</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="299" />
        <source>%1 page(s). Print it or save it.</source>
        <translation>共 %1 页。可以打印或保存。</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="307" />
        <source>Printing cancelled.</source>
        <translation>已取消打印。</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="309" />
        <source>Printing…</source>
        <translation>正在打印…</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="312" />
        <source>Printed %1 page(s).</source>
        <translation>已打印 %1 页。</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="315" />
        <source>Printing failed: %1</source>
        <translation>打印失败：%1</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="323" />
        <source>Save report</source>
        <translation>保存报表</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="326" />
        <source>PDF documents (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="327" />
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="338" />
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location filename="../reports_page.py" line="341" />
        <location filename="../reports_page.py" line="354" />
        <source>Saved to %1.</source>
        <translation>已保存到 %1。</translation>
    </message>
</context>
<context>
    <name>RosterImportDialog</name>
    <message>
        <location filename="../import_dialog.py" line="61" />
        <location filename="../import_dialog.py" line="143" />
        <source>Import roster</source>
        <translation>导入花名册</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="70" />
        <source>Last year's roster (.xlsx or .csv)</source>
        <translation>上年花名册（.xlsx 或 .csv）</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="71" />
        <source>Choose file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="74" />
        <source>Check file</source>
        <translation>检查文件</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="84" />
        <source>Choose the file, then check it: nothing is written until you confirm.</source>
        <translation>请选择文件并检查：确认导入之前不会写入任何数据。</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="99" />
        <source>Row</source>
        <translation>行号</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="92" />
        <source>Warning</source>
        <translation>提示</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="95" />
        <source>Rejected rows</source>
        <translation>未通过的行</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="96" />
        <source>Warnings</source>
        <translation>提示</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="100" />
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="101" />
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="102" />
        <source>Before</source>
        <translation>原登记</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="103" />
        <source>After</source>
        <translation>改为</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="106" />
        <source>Moves and renames</source>
        <translation>迁户和改名</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="109" />
        <source>I have checked every move and rename above against the paper roster: apply them with this import</source>
        <translation>我已对照纸质花名册逐条核对以上迁户和改名，确认随本次导入一并办理</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="115" />
        <source>Confirm import</source>
        <translation>确认导入</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="118" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="182" />
        <source>Reading the file: %1 rows…</source>
        <translation>正在读取文件：已读 %1 行…</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="195" />
        <source>Checking the file…</source>
        <translation>正在检查文件…</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="208" />
        <source>Nothing has been written yet. This file moves %1 people to another household and renames %2: check each one below and tick the box to confirm them before importing.</source>
        <translation>尚未写入任何数据。此文件将把 %1 人迁到其他户、为 %2 人改名：请逐条核对下方列表，勾选确认后才能导入。</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="212" />
        <source>Nothing has been written yet. Check the report, then confirm: the accepted rows are imported all together.</source>
        <translation>尚未写入任何数据。请核对检查结果，确认后通过检查的行将一次性全部导入。</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="215" />
        <source>Nothing to import: the roster already has every accepted row.</source>
        <translation>没有需要导入的内容：通过检查的行都已在花名册中。</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="229" />
        <source>Importing…</source>
        <translation>正在导入…</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="241" />
        <source>Imported.</source>
        <translation>导入完成。</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="248" />
        <source>New households %1 · new persons %2 · updated %3 · unchanged %4 · rejected rows %5 · warnings %6</source>
        <translation>新户 %1 · 新增人员 %2 · 更新 %3 · 未变 %4 · 未通过 %5 行 · 提示 %6 条</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="252" />
        <source>Household move</source>
        <translation>迁户</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="253" />
        <location filename="../import_dialog.py" line="254" />
        <source>%1 in household %2</source>
        <translation>%1（户 %2）</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="256" />
        <source>Name change</source>
        <translation>改名</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="259" />
        <source>Moves and renames to confirm (%1)</source>
        <translation>须确认的迁户和改名（%1）</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="268" />
        <source>Rejected rows (%1)</source>
        <translation>未通过的行（%1）</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="269" />
        <source>Warnings (%1)</source>
        <translation>提示（%1）</translation>
    </message>
</context>
<context>
    <name>RosterPage</name>
    <message>
        <location filename="../roster_page.py" line="56" />
        <source>Search: name, initials, ID digits, household no. (empty lists all)</source>
        <translation>搜索：姓名、拼音首字母、身份证号、户号（留空显示全部）</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="60" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="61" />
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="62" />
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="63" />
        <source>Members</source>
        <translation>人数</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="67" />
        <source>New household…</source>
        <translation>新增户…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="69" />
        <source>Import roster…</source>
        <translation>导入花名册…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="72" />
        <source>County lists…</source>
        <translation>县医保名单…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="74" />
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="89" />
        <source>Choose a household</source>
        <translation>请选择一户</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="92" />
        <source>Edit household…</source>
        <translation>修改户信息…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="98" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="99" />
        <source>Relation</source>
        <translation>与户主关系</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="100" />
        <source>Certificate</source>
        <translation>证件</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="101" />
        <source>Number</source>
        <translation>号码</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="102" />
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="102" />
        <source>M</source>
        <translation>男</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="102" />
        <source>F</source>
        <translation>女</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="103" />
        <source>Born</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="104" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="106" />
        <source>This year</source>
        <translation>本年度</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="109" />
        <source>Categories</source>
        <translation>资助类别</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="111" />
        <source>Residence</source>
        <translation>户籍</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="111" />
        <source>non-local</source>
        <translation>外地</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="112" />
        <source>local</source>
        <translation>本地</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="113" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="121" />
        <source>Add member…</source>
        <translation>新增成员…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="122" />
        <source>Register newborn…</source>
        <translation>新生儿登记…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="123" />
        <source>Edit member…</source>
        <translation>修改成员…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="124" />
        <source>Add ID number…</source>
        <translation>补录身份证号…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="125" />
        <source>Change status…</source>
        <translation>变更状态…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="126" />
        <source>Move to household…</source>
        <translation>迁至他户…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="127" />
        <source>End enrolment…</source>
        <translation>终止参保…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="134" />
        <source>Subsidy categories come from the township's certified lists and are read-only here.</source>
        <translation>资助类别来自乡镇认定的名单，此处只能查看，不能修改。</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="175" />
        <source>%1 households</source>
        <translation>共 %1 户</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="191" />
        <source>Household %1 · head %2</source>
        <translation>户号 %1 · 户主 %2</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="209" />
        <source>Enrolled (receipt %1)</source>
        <translation>已参保 %1</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="210" />
        <source>Enrolled</source>
        <translation>已参保</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="212" />
        <source>Enrolled elsewhere (%1)</source>
        <translation>已在别处参保（%1）</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="214" />
        <source>Ended (%1)</source>
        <translation>已终止（%1）</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="215" />
        <source>Not paid</source>
        <translation>未缴费</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <location filename="../settings_page.py" line="67" />
        <source>Print calibration page</source>
        <translation>打印校准页</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="70" />
        <source>A4, three parts on one sheet</source>
        <translation>A4 纸，三联一页</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="71" />
        <source>One part per page (210 × 99 mm)</source>
        <translation>每联一页（210 × 99 mm）</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="72" />
        <source>Pre-printed forms (overlay)</source>
        <translation>预印票据套打</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="75" />
        <location filename="../settings_page.py" line="99" />
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="88" />
        <source>e.g. 东关村 — printed instead of the village code</source>
        <translation>例如：东关村（收据、报表上印村名而不是村代码）</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="91" />
        <source>Leave empty to print the unit the policy names</source>
        <translation>留空则印政策文件中的收款单位</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="93" />
        <source>Standard</source>
        <translation>标准</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="93" />
        <source>Large</source>
        <translation>大</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="94" />
        <source>Largest</source>
        <translation>特大</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="97" />
        <source>Asked at the first receipt when no printer is installed</source>
        <translation>未安装打印机时，打印第一张票据时询问；之后的票据按号码存入此文件夹</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="106" />
        <source>Save settings</source>
        <translation>保存设置</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="112" />
        <source>right</source>
        <translation>向右</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="115" />
        <source>down</source>
        <translation>向下</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="122" />
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="123" />
        <source>Overlay offsets</source>
        <translation>套打偏移</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="124" />
        <source>Receipt paper</source>
        <translation>收据版式</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="125" />
        <location filename="../settings_page.py" line="300" />
        <source>Receipt PDF folder</source>
        <translation>票据 PDF 文件夹</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="126" />
        <location filename="../settings_page.py" line="294" />
        <source>Backup folder</source>
        <translation>备份文件夹</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="127" />
        <source>Language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="128" />
        <source>Font size</source>
        <translation>字号</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="129" />
        <source>County server address</source>
        <translation>县级服务器地址</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="130" />
        <source>Name on receipts</source>
        <translation>本村（乡镇）名称</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="131" />
        <source>Issuing unit</source>
        <translation>收款单位</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="132" />
        <source>Cash limits</source>
        <translation>现金限额</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="136" />
        <source>Calibration: print the page on plain A4 paper at actual size, measure where the red cross lands and follow the instructions printed on the page; enter the offsets here and print it again until the cross sits 20 mm from the left and top edges.</source>
        <translation>校准方法：用普通 A4 纸按实际大小打印校准页，量出红色十字的位置，按页上的说明算出偏移，填在这里后再打印一次，直到十字中心距纸张左边缘和上边缘各 20 mm。</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="145" />
        <source>Settings of this computer</source>
        <translation>本机设置</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="158" />
        <source>Backup and passphrase</source>
        <translation>备份与口令</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="159" />
        <source>Back up to a folder (USB)…</source>
        <translation>备份到文件夹（U 盘）…</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="164" />
        <source>Change passphrase</source>
        <translation>修改口令</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="178" />
        <source>Backup</source>
        <translation>备份</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="179" />
        <source>Current passphrase</source>
        <translation>当前口令</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="180" />
        <source>New passphrase</source>
        <translation>新口令</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="181" />
        <source>New passphrase again</source>
        <translation>再次输入新口令</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="199" />
        <source>Choose the backup folder</source>
        <translation>选择备份文件夹</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="209" />
        <source>Backing up…</source>
        <translation>正在备份…</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="212" />
        <source>Backup written to %1 (with its key file %2). Keep the stick in a safe place.</source>
        <translation>已备份到 %1（密钥文件 %2 在同一文件夹）。请妥善保管 U 盘。</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="217" />
        <source>Backup failed: %1</source>
        <translation>备份失败：%1</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="224" />
        <source>Enter the current passphrase and the new one.</source>
        <translation>请填写当前口令和新口令。</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="227" />
        <source>The two new passphrases differ. Type them again.</source>
        <translation>两次输入的新口令不一致，请重新输入。</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="231" />
        <source>The new passphrase is the same as the current one.</source>
        <translation>新口令与当前口令相同。</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="234" />
        <source>Changing the passphrase…</source>
        <translation>正在修改口令…</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="239" />
        <source>Passphrase changed. Use the new passphrase from the next unlock.</source>
        <translation>口令已修改。下次解锁时请使用新口令。</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="244" />
        <source>The passphrase was not changed: %1</source>
        <translation>口令未修改：%1</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="256" />
        <source>Ask every time</source>
        <translation>每次询问</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="261" />
        <source>%1 (not connected)</source>
        <translation>%1（未连接）</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="274" />
        <source>deposit when cash on hand exceeds %1 or is older than %2 day(s) (set by the township)</source>
        <translation>现金在手超过 %1 或超过 %2 天须缴存（由乡镇设定）</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="309" />
        <source>The server address must start with https://</source>
        <translation>服务器地址必须以 https:// 开头</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="318" />
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="320" />
        <source>The new language is used from the next start.</source>
        <translation>新的界面语言在下次启动时生效。</translation>
    </message>
</context>
<context>
    <name>SettleBookDialog</name>
    <message>
        <location filename="../township_books.py" line="100" />
        <source>Settle a receipt book</source>
        <translation>票据结报核销</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="100" />
        <source>Settle</source>
        <translation>核销</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="103" />
        <source>Book</source>
        <translation>票据本</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="104" />
        <source>Village / collector</source>
        <translation>村 / 收款员</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="106" />
        <source>Used</source>
        <translation>已开具</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="107" />
        <source>Voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="108" />
        <source>Lost</source>
        <translation>遗失</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="109" />
        <source>Returned unused</source>
        <translation>缴销（未用）</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="110" />
        <source>Amount on receipts</source>
        <translation>票面金额</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="111" />
        <source>Cash not deposited</source>
        <translation>未缴存现金</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="115" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="117" />
        <source>Cannot settle yet:</source>
        <translation>暂不能核销：</translation>
    </message>
</context>
<context>
    <name>StatusDialog</name>
    <message>
        <location filename="../roster_dialogs.py" line="301" />
        <source>Change status of %1</source>
        <translation>变更 %1 的状态</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="302" />
        <source>Change status</source>
        <translation>变更状态</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="306" />
        <source>e.g. date of death, where they moved</source>
        <translation>例如：死亡日期、迁往何处</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="307" />
        <source>Current status</source>
        <translation>当前状态</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="308" />
        <source>New status</source>
        <translation>新状态</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="309" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>SyncButton</name>
    <message>
        <location filename="../sync_controller.py" line="135" />
        <location filename="../sync_controller.py" line="166" />
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="155" />
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <location filename="../sync_page.py" line="176" />
        <source>Enrolled twice</source>
        <translation>重复参保</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="177" />
        <source>In employee insurance</source>
        <translation>已参加职工医保</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="178" />
        <source>Paid through another channel</source>
        <translation>已通过其他渠道缴费</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="179" />
        <source>to refund</source>
        <translation>待退费</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="179" />
        <source>refunded</source>
        <translation>已退费</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="180" />
        <source>receipt voided</source>
        <translation>票据已作废</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="184" />
        <location filename="../sync_page.py" line="307" />
        <source>Enrol this device…</source>
        <translation>登记本机…</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="185" />
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="193" />
        <source>Export bundle for USB…</source>
        <translation>导出U盘数据包…</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="194" />
        <source>Import reply bundle…</source>
        <translation>导入县医保回执…</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="208" />
        <source>No network? Take the bundle to the township on a USB stick and bring back the county's reply bundle.</source>
        <translation>没有网络？用U盘把数据包交到乡镇，再把县医保的回执数据包带回导入。</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="213" />
        <source>Received</source>
        <translation>收到时间</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="214" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="215" />
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="216" />
        <source>Receipt</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="217" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="218" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="220" />
        <source>County's message</source>
        <translation>县医保说明</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="224" />
        <source>Refund…</source>
        <translation>退费…</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="234" />
        <source>County server</source>
        <translation>县医保服务器</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="239" />
        <source>USB bundle</source>
        <translation>U盘数据包</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="243" />
        <source>Refund tasks from the county</source>
        <translation>县医保下发的退费任务</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="263" />
        <source>enrolled (village %1)</source>
        <translation>已登记（村代码 %1）</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="265" />
        <source>enrolment sent by USB bundle, waiting for the county's reply</source>
        <translation>已通过U盘数据包申请登记，等待县医保回执</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="267" />
        <source>not enrolled</source>
        <translation>尚未登记</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="268" />
        <source>Server</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="269" />
        <source>This device</source>
        <translation>本机</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="270" />
        <source>Waiting to sync</source>
        <translation>待同步</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="270" />
        <source>%1 records</source>
        <translation>%1 条记录</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="271" />
        <source>Last sync</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="272" />
        <source>County confirmed</source>
        <translation>县医保已确认</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="273" />
        <source>up to record %1</source>
        <translation>到第 %1 条记录</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="274" />
        <source>not yet</source>
        <translation>尚未确认</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="280" />
        <source>The county refused %1 record(s); they count for nothing there. Check them with the township:</source>
        <translation>县医保按账目规则拒绝了 %1 条记录（已上传但不计入），请与乡镇财政所核对：</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="282" />
        <source>record %1: %2</source>
        <translation>第 %1 条：%2</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="306" />
        <source>Enrol again…</source>
        <translation>重新登记…</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="319" />
        <source>Syncing in the background — you can keep collecting.</source>
        <translation>正在后台同步，可以继续收款。</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="327" />
        <source>Sending records: %1 of %2</source>
        <translation>正在上传记录：%1 / %2</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="330" />
        <source>Receiving county data: %1 pages, %2 items applied</source>
        <translation>正在接收县医保数据：已应用 %1 页、%2 条</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="335" />
        <source>Sync complete: %1 sent, %2 received, %3 still waiting.</source>
        <translation>同步完成：上传 %1 条，接收 %2 条，仍待同步 %3 条。</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="338" />
        <source>%1 refund task(s) from the county: see below.</source>
        <translation>县医保下发 %1 个退费任务，见下方列表。</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="341" />
        <source>Skipped:</source>
        <translation>已跳过：</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="363" />
        <source>This device is enrolled with %1 for village %2. Press “Sync now”.</source>
        <translation>本机已登记到 %1（村代码 %2）。请点“立即同步”。</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="371" />
        <source>Bundle saved: %1 (%2 records). Take it to the township.</source>
        <translation>数据包已保存：%1（%2 条记录）。请交到乡镇。</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="376" />
        <source>Import reply bundle</source>
        <translation>导入县医保回执</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="378" />
        <source>Sync bundles (*.json)</source>
        <translation>同步数据包 (*.json)</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="383" />
        <source>Importing the reply bundle…</source>
        <translation>正在导入回执数据包…</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="386" />
        <source>Reply bundle imported: %1 acknowledged, %2 received, %3 still waiting.</source>
        <translation>回执已导入：确认 %1 条，接收 %2 条，仍待同步 %3 条。</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="400" />
        <source>The county did not name the receipt for this task: find the payment on the Receipts page.</source>
        <translation>县医保没有注明此任务的票号：请在“票据”页找到这笔收款后退费。</translation>
    </message>
</context>
<context>
    <name>TownshipBooksPage</name>
    <message>
        <location filename="../township_books.py" line="151" />
        <source>Book</source>
        <translation>票据本</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="152" />
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="153" />
        <source>Collector</source>
        <translation>收款员</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="154" />
        <source>Used</source>
        <translation>已开具</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="155" />
        <source>Voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="156" />
        <source>Unused</source>
        <translation>未用</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="157" />
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="158" />
        <source>Settled</source>
        <translation>核销</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="158" />
        <source>no</source>
        <translation>未核销</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="160" />
        <source>Exception</source>
        <translation>例外原因</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="166" />
        <source>Receive books…</source>
        <translation>票据入库…</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="167" />
        <source>Issue a book…</source>
        <translation>发放票据…</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="168" />
        <source>Settle selected book…</source>
        <translation>核销所选票据…</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="169" />
        <source>Confirm voided receipt…</source>
        <translation>确认作废票据…</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="176" />
        <source>Receipt books issued to collectors</source>
        <translation>收款员票据领用与核销</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="196" />
        <source>Received %1 %2–%3.</source>
        <translation>已入库 %1 %2–%3。</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="200" />
        <source>Issued %1 %2–%3 to %4 (%5).</source>
        <translation>已将 %1 %2–%3 发给 %4（%5）。</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="205" />
        <source>Voided receipt %1: all parts handed in.</source>
        <translation>作废票据 %1：各联已收回。</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="210" />
        <source>Select a book first.</source>
        <translation>请先选择一本票据。</translation>
    </message>
    <message>
        <location filename="../township_books.py" line="218" />
        <source>Book %1 %2–%3 settled: %4 used, %5 voided, %6 returned.</source>
        <translation>票据 %1 %2–%3 已核销：开具 %4 张，作废 %5 张，缴销 %6 张。</translation>
    </message>
</context>
<context>
    <name>TownshipDepositsPage</name>
    <message>
        <location filename="../township_deposits.py" line="64" />
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="65" />
        <source>Collector</source>
        <translation>收款员</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="66" />
        <source>Slip</source>
        <translation>缴款单号</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="67" />
        <location filename="../township_deposits.py" line="74" />
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="68" />
        <location filename="../township_deposits.py" line="75" />
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="69" />
        <source>Bank credit</source>
        <translation>银行到账</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="69" />
        <source>not matched</source>
        <translation>未核对</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="73" />
        <source>Bank reference</source>
        <translation>银行流水号</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="76" />
        <source>Memo</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="82" />
        <source>Add bank credit…</source>
        <translation>登记银行到账…</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="83" />
        <source>Import bank statement…</source>
        <translation>导入银行对账单…</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="84" />
        <source>Match selected</source>
        <translation>核对所选</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="85" />
        <source>Match automatically</source>
        <translation>自动核对</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="96" />
        <source>Deposits recorded by collectors</source>
        <translation>收款员登记的缴存</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="100" />
        <source>Bank credits not yet matched</source>
        <translation>尚未核对的银行到账</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="107" />
        <source>Deposits and bank credits</source>
        <translation>缴存与银行到账核对</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="122" />
        <source>Bank credit %1 (%2) added.</source>
        <translation>已登记银行到账 %1（%2）。</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="127" />
        <source>Bank statement (CSV)</source>
        <translation>银行对账单（CSV）</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="132" />
        <source>%1 credits imported, %2 already known.</source>
        <translation>导入到账 %1 笔，已有 %2 笔。</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="139" />
        <source>Select a deposit and a bank credit.</source>
        <translation>请选择一笔缴存和一笔银行到账。</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="144" />
        <source>Slip %1 matched with bank credit %2.</source>
        <translation>缴款单 %1 已与银行流水 %2 核对。</translation>
    </message>
    <message>
        <location filename="../township_deposits.py" line="151" />
        <source>%1 matched; %2 deposits and %3 credits left unmatched.</source>
        <translation>核对 %1 笔；未核对缴存 %2 笔，到账 %3 笔。</translation>
    </message>
</context>
<context>
    <name>TownshipProgressPage</name>
    <message>
        <location filename="../township_progress.py" line="88" />
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="89" />
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="90" />
        <source>Roster</source>
        <translation>花名册</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="91" />
        <location filename="../township_progress.py" line="153" />
        <source>Enrolled</source>
        <translation>已参保</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="92" />
        <source>Subsidised</source>
        <translation>资助人数</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="93" />
        <location filename="../township_progress.py" line="154" />
        <source>Target</source>
        <translation>征缴任务</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="95" />
        <source>Completion</source>
        <translation>完成率</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="96" />
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="97" />
        <source>Reward</source>
        <translation>奖励</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="107" />
        <source>Export to Excel…</source>
        <translation>导出 Excel…</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="108" />
        <source>Export to PDF…</source>
        <translation>导出 PDF…</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="111" />
        <source>Name a village…</source>
        <translation>设置村名…</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="119" />
        <source>Collection progress by village and group</source>
        <translation>各村、各村民小组征缴进度</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="138" />
        <source>(whole village)</source>
        <translation>（全村）</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="143" />
        <source>%1: %2 enrolled, %3 subsidised, %4 collected, rewards %5</source>
        <translation>%1：参保 %2 人，资助参保 %3 人，收取 %4，奖励 %5</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="195" />
        <source>Enrolled and target by village</source>
        <translation>各村参保人数与征缴任务</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="200" />
        <source>%1 is now shown as %2.</source>
        <translation>村代码 %1 今后显示为“%2”。</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="205" />
        <source>Export progress</source>
        <translation>导出征缴进度</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="209" />
        <source>Saved %1.</source>
        <translation>已保存 %1。</translation>
    </message>
</context>
<context>
    <name>TownshipReconcilePage</name>
    <message>
        <location filename="../township_reconcile.py" line="30" />
        <location filename="../township_reconcile.py" line="51" />
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="31" />
        <location filename="../township_reconcile.py" line="52" />
        <source>Collector</source>
        <translation>收款员</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="32" />
        <source>Receipts</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="33" />
        <source>Voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="34" />
        <source>Refunds</source>
        <translation>退费</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="35" />
        <source>Cash collected</source>
        <translation>累计收取现金</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="36" />
        <source>Deposited</source>
        <translation>已缴存</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="37" />
        <source>On hand</source>
        <translation>在手现金</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="38" />
        <location filename="../township_reconcile.py" line="70" />
        <source>Problems</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="42" />
        <location filename="../township_reconcile.py" line="53" />
        <source>Receipt</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="43" />
        <source>Household</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="44" />
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="45" />
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="46" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="47" />
        <source>Signature</source>
        <translation>签名</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="54" />
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="60" />
        <source>Problems of every village</source>
        <translation>显示所有村的问题</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="69" />
        <source>Receipts of the selected collector</source>
        <translation>所选收款员的票据</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="78" />
        <source>Receipts, money and collectors across villages</source>
        <translation>各村票、款、人核对</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="84" />
        <source>issued</source>
        <translation>已开具</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="84" />
        <source>not printed</source>
        <translation>待打印</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="85" />
        <source>voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="88" />
        <source>verified</source>
        <translation>有效</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="88" />
        <source>DOES NOT VERIFY</source>
        <translation>校验失败</translation>
    </message>
    <message>
        <location filename="../township_reconcile.py" line="116" />
        <source>Problems (%1)</source>
        <translation>问题（%1）</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <location filename="../unlock.py" line="47" />
        <source>Yibao Collect — unlock</source>
        <translation>医保收缴通 — 解锁</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="50" />
        <source>Yibao Collect</source>
        <translation>医保收缴通</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="53" />
        <source>Residents' medical insurance premium collection</source>
        <translation>城乡居民基本医疗保险费收缴</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="54" />
        <source>Database: %1</source>
        <translation>数据库：%1</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="61" />
        <location filename="../unlock.py" line="72" />
        <source>Passphrase</source>
        <translation>口令</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="65" />
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="67" />
        <source>Forgot passphrase?</source>
        <translation>忘记口令？</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="71" />
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="79" />
        <source>Demo database — passphrase: %1</source>
        <translation>演示数据库 — 口令：%1</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="105" />
        <source>collector</source>
        <translation>收款员</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="105" />
        <source>township</source>
        <translation>财政所</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="121" />
        <source>Please enter your passphrase.</source>
        <translation>请输入口令。</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="124" />
        <source>Unlocking…</source>
        <translation>正在解锁…</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="147" />
        <source>Unexpected error: %1</source>
        <translation>意外错误：%1</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="153" />
        <source>You may try again now.</source>
        <translation>现在可以再试一次。</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="155" />
        <source>Too many wrong passphrases. Please wait %1 seconds.</source>
        <translation>口令错误次数过多，请等待 %1 秒。</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="161" />
        <source>Forgot passphrase</source>
        <translation>忘记口令</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="162" />
        <source>Your data stays encrypted and safe. Ask the township finance office (乡镇财政所) for help: with the recovery code you were given when the database was created, or with the township's recovery key, they can set a new passphrase for you (the command asks for the code):

    yibao recover

Nothing is lost, and your receipts and payments stay as they are.</source>
        <translation>您的数据仍然加密保存，不会丢失。请联系乡镇财政所：凭创建数据库时交给财政所保管的恢复码，或由财政所用其恢复私钥，为您设置新口令（命令会提示输入恢复码）：

    yibao recover

票据和收款记录都不会改变。</translation>
    </message>
</context>
<context>
    <name>VillageNameDialog</name>
    <message>
        <location filename="../township_progress.py" line="54" />
        <source>Name a village</source>
        <translation>设置村名</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="54" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="62" />
        <source>e.g. 东关村</source>
        <translation>例如：东关村</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="66" />
        <source>Village code</source>
        <translation>村代码</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="67" />
        <source>Village name</source>
        <translation>村名</translation>
    </message>
    <message>
        <location filename="../township_progress.py" line="76" />
        <source>Enter the village code and its name.</source>
        <translation>请填写村代码和村名。</translation>
    </message>
</context>
<context>
    <name>VoidDialog</name>
    <message>
        <location filename="../receipts_page.py" line="94" />
        <source>Void receipt %1</source>
        <translation>作废票据 %1</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="95" />
        <source>Void…</source>
        <translation>作废…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="95" />
        <source>Yes, void it</source>
        <translation>确认作废</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="102" />
        <source>Why is it voided? (required)</source>
        <translation>作废原因（必填）</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="103" />
        <source>Receipt</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="105" />
        <source>This is the next unused (blank) form, spoiled before use.</source>
        <translation>这是下一张未用的空白票据，使用前已损坏。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="108" />
        <source>Payer</source>
        <translation>交款人</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="108" />
        <source>%1 (household %2)</source>
        <translation>%1（户号 %2）</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="111" />
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="112" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="117" />
        <source>A reason is required to void a receipt.</source>
        <translation>作废票据必须填写原因。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="120" />
        <source>Void the blank form %1? Its number is never used again. Keep all parts of the paper form.</source>
        <translation>确认作废空白票据 %1？此号码以后不再使用。请保留纸质票据的全部联次。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="122" />
        <source>Void %1 of %2 for %3? The payment is cancelled, the members are no longer enrolled and the household must be collected again on a new receipt. Keep all parts of the paper receipt.</source>
        <translation>确认作废 %1（交款人 %2，金额 %3）？该笔收款将撤销，成员不再算参保，该户需要用新票据重新收款。请收回并保留纸质票据的全部联次。</translation>
    </message>
</context>
<context>
    <name>cash</name>
    <message>
        <location filename="../cash_page.py" line="84" />
        <source>%1: %2 receipt(s) for %3 person(s) · cash %4 · non-cash %5 · %6 void(s) · %7 refund(s) %8 · %9 deposit(s) %10</source>
        <translation>%1 日清：开票 %2 张（%3 人）· 现金 %4 · 非现金 %5 · 作废 %6 张 · 退费 %7 笔 %8 · 缴存 %9 笔 %10</translation>
    </message>
</context>
<context>
    <name>chase</name>
    <message>
        <location filename="../chase_page.py" line="149" />
        <source>Chase</source>
        <translation>催缴</translation>
    </message>
</context>
<context>
    <name>common</name>
    <message>
        <location filename="../common.py" line="73" />
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <location filename="../common.py" line="73" />
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <location filename="../common.py" line="74" />
        <source>Bank transfer</source>
        <translation>银行转账</translation>
    </message>
    <message>
        <location filename="../common.py" line="74" />
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../common.py" line="83" />
        <source>Unexpected error: %1. The details were written to the log file.</source>
        <translation>意外错误：%1。详细信息已写入日志文件。</translation>
    </message>
    <message>
        <location filename="../common.py" line="93" />
        <source>Yibao Collect</source>
        <translation>医保收缴通</translation>
    </message>
    <message>
        <location filename="../common.py" line="326" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../common.py" line="418" />
        <source>Spreadsheets (*.xlsx *.csv)</source>
        <translation>表格文件 (*.xlsx *.csv)</translation>
    </message>
    <message>
        <location filename="../common.py" line="427" />
        <source>Row</source>
        <translation>行号</translation>
    </message>
    <message>
        <location filename="../common.py" line="428" />
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <location filename="../common.py" line="429" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>exports</name>
    <message>
        <location filename="../import_dialog.py" line="284" />
        <source>Roster</source>
        <translation>花名册</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="285" />
        <source>Payments with lines</source>
        <translation>收款明细</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="286" />
        <source>Receipts with states</source>
        <translation>票据状态表</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="287" />
        <source>Deposits</source>
        <translation>缴存记录</translation>
    </message>
    <message>
        <location filename="../import_dialog.py" line="288" />
        <source>Unpaid list</source>
        <translation>未缴费名单</translation>
    </message>
</context>
<context>
    <name>page</name>
    <message>
        <location filename="../reports_page.py" line="364" />
        <source>Reports</source>
        <translation>报表</translation>
    </message>
</context>
<context>
    <name>printing</name>
    <message>
        <location filename="../printing.py" line="73" />
        <source>The receipt PDF could not be read (%1).</source>
        <translation>无法读取票据 PDF（%1）。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="79" />
        <source>The printer could not be opened. Is it switched on and connected?</source>
        <translation>无法连接打印机。请检查打印机是否开机并已连接。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="88" />
        <source>The printer stopped in the middle of the job.</source>
        <translation>打印机在打印过程中停止了。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="187" />
        <source>No printer is installed: choose the folder for the receipt PDF files</source>
        <translation>未安装打印机：请选择保存票据 PDF 文件的文件夹</translation>
    </message>
    <message>
        <location filename="../printing.py" line="213" />
        <source>Receipt %1</source>
        <translation>票据 %1</translation>
    </message>
    <message>
        <location filename="../printing.py" line="222" />
        <source>Reprint of %1 failed: %2</source>
        <translation>补打 %1 失败：%2</translation>
    </message>
    <message>
        <location filename="../printing.py" line="225" />
        <source>Printing failed: %1
Receipt %2 is collected but NOT printed yet. Check the printer, then print it from the banner or the Receipts page.</source>
        <translation>打印失败：%1
票据 %2 已收款，但还没有打印！请检查打印机，然后点窗口上方红色提示条或“票据”页的“打印”重新打印。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="233" />
        <source>Reprint of %1 cancelled.</source>
        <translation>已取消补打 %1。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="235" />
        <source>Printing cancelled. Receipt %1 is collected but NOT printed yet: print it from the banner or the Receipts page.</source>
        <translation>已取消打印。票据 %1 已收款，但还没有打印！请点窗口上方红色提示条或“票据”页的“打印”。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="243" />
        <source>Receipt %1 printed to the PDF file %2.</source>
        <translation>票据 %1 已打印为 PDF 文件：%2</translation>
    </message>
    <message>
        <location filename="../printing.py" line="246" />
        <source>Receipt %1 printed.</source>
        <translation>票据 %1 已打印。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="271" />
        <source>Refund voucher %1</source>
        <translation>退费凭证 %1</translation>
    </message>
    <message>
        <location filename="../printing.py" line="267" />
        <source>Refund voucher %1 saved as %2.</source>
        <translation>退费凭证 %1 已保存为 %2。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="269" />
        <source>Refund voucher %1 printed.</source>
        <translation>退费凭证 %1 已打印。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="277" />
        <source>Calibration page</source>
        <translation>套打校准页</translation>
    </message>
    <message>
        <location filename="../printing.py" line="291" />
        <source>Printing failed: %1</source>
        <translation>打印失败：%1</translation>
    </message>
    <message>
        <location filename="../printing.py" line="295" />
        <source>Printing cancelled.</source>
        <translation>已取消打印。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="278" />
        <source>Calibration page printed.</source>
        <translation>校准页已打印。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="309" />
        <source>Preview of receipt %1</source>
        <translation>预览票据 %1</translation>
    </message>
</context>
<context>
    <name>sync</name>
    <message>
        <location filename="../sync_page.py" line="67" />
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="104" />
        <source>This computer is not enrolled with the county server yet. Press “Enrol this device…” and enter the server address and the one-time code from the township.</source>
        <translation>本机还没有登记到县医保服务器。请点击“登记本机…”，填写县医保服务器地址和乡镇财政所给的一次性登记码。</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="116" />
        <source>Sync failed: %1</source>
        <translation>同步失败：%1</translation>
    </message>
    <message>
        <location filename="../sync_page.py" line="99" />
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
</context>
<context>
    <name>township</name>
    <message>
        <location filename="../township_pages.py" line="23" />
        <source>Book issuance</source>
        <translation>票据领用</translation>
    </message>
    <message>
        <location filename="../township_pages.py" line="24" />
        <source>Deposit matching</source>
        <translation>缴存核对</translation>
    </message>
    <message>
        <location filename="../township_pages.py" line="25" />
        <source>Cross-village reconciliation</source>
        <translation>各村对账</translation>
    </message>
    <message>
        <location filename="../township_pages.py" line="26" />
        <source>Village progress</source>
        <translation>各村进度</translation>
    </message>
</context>
<context><name>QFileDialog</name><message><source>&amp;Look in:</source><translation>查找范围(&amp;L)：</translation></message><message><source>Files of &amp;type:</source><translation>文件类型(&amp;T)：</translation></message></context><context><name>QPrintSettingsOutput</name><message><source>Page &amp;Set:</source><translation>打印页面(&amp;S)：</translation></message></context><context><name>QPageSetupWidget</name><message><source>Page &amp;order:</source><translation>页面顺序(&amp;O)：</translation></message><message><source>Pages &amp;per sheet:</source><translation>每张纸页数(&amp;P)：</translation></message></context></TS>