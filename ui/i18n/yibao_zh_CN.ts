<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AssignIdDialog</name>
    <message>
        <location filename="../roster_dialogs.py" line="374" />
        <source>ID number for %1</source>
        <translation>补录 %1 的身份证号</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="375" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="378" />
        <source>18-character ID number</source>
        <translation>18 位身份证号码</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="381" />
        <source>Now registered with</source>
        <translation>现登记证件</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="383" />
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
</context>
<context>
    <name>CashPage</name>
    <message>
        <location filename="../cash_page.py" line="123" />
        <source>Cash collected</source>
        <translation>累计收取现金</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="124" />
        <source>Cash refunds paid</source>
        <translation>现金退费</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="125" />
        <source>Deposited</source>
        <translation>已缴存</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="126" />
        <source>Held since</source>
        <translation>最早未缴存</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="138" />
        <source>Record a deposit…</source>
        <translation>登记缴存…</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="139" />
        <source>Daily close…</source>
        <translation>日清…</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="146" />
        <source>Cash on hand = cash collected − cash refunds − deposits. Deposit the cash into the township account within the day and amount limits, and count it at the end of every day.</source>
        <translation>现金在手 = 收取现金 − 现金退费 − 已缴存。请在规定的天数和金额限度内把现金缴存到乡镇账户，每天结束时清点现金（日清）。</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="154" />
        <source>Cash on hand</source>
        <translation>现金在手</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="182" />
        <source>Deposit %1 recorded (slip %2). Cash on hand now %3.</source>
        <translation>已登记缴存 %1（回单 %2），现金在手 %3。</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="193" />
        <source>Day %1 closed: books %2, counted %3, difference %4.</source>
        <translation>%1 日清完成：账面 %2，实点 %3，差额 %4。</translation>
    </message>
</context>
<context>
    <name>CertificateChecker</name>
    <message>
        <location filename="../roster_dialogs.py" line="113" />
        <source>Already in the roster: household %1 (%2). The same certificate cannot be registered twice.</source>
        <translation>此证件号码已登记在户 %1（%2），同一证件不能重复登记。</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="121" />
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="121" />
        <source>female</source>
        <translation>女</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="122" />
        <source>Valid ID number: %1, born %2</source>
        <translation>身份证号有效：%1，%2 出生</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="125" />
        <source>Format accepted</source>
        <translation>格式正确</translation>
    </message>
</context>
<context>
    <name>CollectView</name>
    <message>
        <location filename="../collect_view.py" line="139" />
        <source>Name, pinyin initials (wjg), ID digits or household number</source>
        <translation>姓名、拼音首字母（如 wjg）、身份证号或户号</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="144" />
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="145" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="146" />
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="147" />
        <source>Members</source>
        <translation>人数</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="148" />
        <source>Matched</source>
        <translation>匹配成员</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="153" />
        <source>Enter: open · ↑↓: choose</source>
        <translation>Enter 打开 · ↑↓ 选择</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="200" />
        <source>Type in the search box and press Enter to open a household.</source>
        <translation>在左侧搜索框输入，按 Enter 打开一户。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="204" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="205" />
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="206" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="209" />
        <source>Category</source>
        <translation>资助类别</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="210" />
        <source>Price</source>
        <translation>标准</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="211" />
        <source>Subsidy</source>
        <translation>资助</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="213" />
        <source>Payable</source>
        <translation>应缴</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="224" />
        <source>Tier:</source>
        <translation>档次：</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="231" />
        <source>Method:</source>
        <translation>方式：</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="243" />
        <source>Transaction reference</source>
        <translation>交易参考号</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="248" />
        <source>Outside the collection period — reason:</source>
        <translation>不在征缴期内 — 收款原因：</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="259" />
        <source>Collect and print (Ctrl+Enter)</source>
        <translation>收款并打印（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="273" />
        <source>Space: tick or untick a member · Alt+1/2: tier · Alt+X/W/Y/Q: method · Ctrl+Enter: collect · Esc: back to search</source>
        <translation>空格 勾选/取消成员 · Alt+1/2 档次 · Alt+X/W/Y/Q 方式 · Ctrl+Enter 收款 · Esc 返回搜索</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="351" />
        <source>No household found. Try pinyin initials, the last digits of an ID number or the household number.</source>
        <translation>没有找到。可试试拼音首字母、身份证号后几位或户号。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="390" />
        <source>Household %1 · %2 · head %3</source>
        <translation>户号 %1 · %2 · 户主 %3</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="396" />
        <source>Nobody in this household needs to pay: everyone is enrolled, paid elsewhere or not insurable.</source>
        <translation>本户没有需要缴费的成员：都已参保、已通过其他渠道缴费或不在参保状态。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="447" />
        <source>Total %1</source>
        <translation>合计 %1</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="463" />
        <source>Open a household first.</source>
        <translation>请先打开一户。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="467" />
        <source>Tick at least one member to collect for.</source>
        <translation>请至少勾选一名成员。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="471" />
        <source>Enter the transaction reference for a non-cash payment.</source>
        <translation>非现金缴费请填写交易参考号。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="476" />
        <source>Today is outside the collection period: enter the reason to collect anyway.</source>
        <translation>今天不在征缴期内：确需收款请填写原因。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="518" />
        <source>Enrolled household %1 (fully subsidised, no receipt).</source>
        <translation>户 %1 已登记参保（全额资助，不开票据）。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="522" />
        <source>Collected %1 on receipt %2 — printing…</source>
        <translation>已收款 %1，票据 %2 — 正在打印…</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="539" />
        <source>Collected %1 on receipt %2 and printed.</source>
        <translation>已收款 %1，票据 %2 已打印。</translation>
    </message>
</context>
<context>
    <name>ConfirmDialog</name>
    <message>
        <location filename="../collect_view.py" line="77" />
        <source>Confirm collection</source>
        <translation>确认收款</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="80" />
        <source>Household %1 · head %2 · %3 member(s) · %4 · %5</source>
        <translation>户号 %1 · 户主 %2 · %3 人 · %4 · %5</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="87" />
        <source>This receipt form will be used:</source>
        <translation>将使用票据：</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="91" />
        <source>Please check the number on the paper receipt form</source>
        <translation>请核对纸质票据号码</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="95" />
        <source>Fully subsidised: the members are enrolled and no receipt number is used.</source>
        <translation>全额资助：登记参保，不使用票据号码。</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="99" />
        <source>Amount %1</source>
        <translation>金额 %1</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="106" />
        <source>Collect and print (Enter)</source>
        <translation>确认收款并打印（Enter）</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="107" />
        <source>Enrol (Enter)</source>
        <translation>确认参保（Enter）</translation>
    </message>
    <message>
        <location filename="../collect_view.py" line="111" />
        <source>Back (Esc)</source>
        <translation>返回（Esc）</translation>
    </message>
</context>
<context>
    <name>DailyCloseDialog</name>
    <message>
        <location filename="../cash_page.py" line="72" />
        <source>Daily close</source>
        <translation>日清</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="72" />
        <source>Close the day</source>
        <translation>日清结账</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="75" />
        <source>Count the cash and type the total</source>
        <translation>清点现金后输入合计</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="78" />
        <source>Required when the count differs</source>
        <translation>金额不符时必填</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="79" />
        <source>Cash on hand (books)</source>
        <translation>账面现金</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="80" />
        <source>Counted (yuan)</source>
        <translation>实点现金（元）</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="81" />
        <source>Difference</source>
        <translation>差额</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="82" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="94" />
        <source>none — the cash agrees</source>
        <translation>无 — 账实相符</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="97" />
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="98" />
        <source>over</source>
        <translation>长款</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="99" />
        <source>short</source>
        <translation>短款</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="109" />
        <source>The count differs from the books: write a note saying why.</source>
        <translation>实点现金与账面不符，请填写说明。</translation>
    </message>
</context>
<context>
    <name>DepositDialog</name>
    <message>
        <location filename="../cash_page.py" line="39" />
        <source>Record a deposit</source>
        <translation>登记缴存</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="39" />
        <source>Record deposit</source>
        <translation>登记缴存</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="42" />
        <source>Number on the bank slip</source>
        <translation>银行回单上的编号</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="47" />
        <source>Cash on hand</source>
        <translation>现金在手</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="48" />
        <source>Amount deposited (yuan)</source>
        <translation>缴存金额（元）</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="49" />
        <source>Slip number</source>
        <translation>回单号</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="50" />
        <source>Deposit date</source>
        <translation>缴存日期</translation>
    </message>
    <message>
        <location filename="../cash_page.py" line="61" />
        <source>Enter the slip number.</source>
        <translation>请填写回单号。</translation>
    </message>
</context>
<context>
    <name>HouseholdDialog</name>
    <message>
        <location filename="../roster_dialogs.py" line="134" />
        <source>Edit household</source>
        <translation>修改户信息</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="134" />
        <source>New household</source>
        <translation>新增户</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="135" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="146" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="147" />
        <source>Head of household</source>
        <translation>户主姓名</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="148" />
        <source>Group (村民小组)</source>
        <translation>村民小组</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="149" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="150" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="158" />
        <source>The household number and the head's name are required.</source>
        <translation>户号和户主姓名必须填写。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="140" />
        <source>Collect</source>
        <translation>收款</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="140" />
        <source>Roster</source>
        <translation>花名册</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="140" />
        <source>Receipts</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="141" />
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="141" />
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="141" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="242" />
        <source>No county server configured</source>
        <translation>未配置县级服务器</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="248" />
        <source>last sync %1</source>
        <translation>上次同步 %1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="250" />
        <source>never synced</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="251" />
        <source>%1 to sync · %2</source>
        <translation>待同步 %1 条 · %2</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="253" />
        <source>%1 refund task(s)</source>
        <translation>退费任务 %1 条</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="202" />
        <source>No active campaign</source>
        <translation>没有启用的征缴年度</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="205" />
        <source>%1 campaign (cover %2)</source>
        <translation>%1年度征缴（%2年待遇）</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="209" />
        <source>Yibao Collect</source>
        <translation>医保收缴通</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="213" />
        <source>No receipt forms left</source>
        <translation>没有可用票据</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="216" />
        <source>Receipt %1 (%2 left)</source>
        <translation>票据 %1（剩 %2 张）</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="221" />
        <source>Cash on hand %1</source>
        <translation>现金在手 %1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="230" />
        <source>%1 not printed</source>
        <translation>%1 张待打印</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="142" />
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
        <location filename="../roster_dialogs.py" line="321" />
        <source>Move %1 to another household</source>
        <translation>将 %1 迁至其他户</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="322" />
        <source>Move</source>
        <translation>迁移</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="326" />
        <source>Search the new household</source>
        <translation>搜索迁入的户（姓名、首字母、户号）</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="328" />
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="329" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="330" />
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="334" />
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="363" />
        <source>Find and select the household to move to.</source>
        <translation>请搜索并选中要迁入的户。</translation>
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <location filename="../main_window.py" line="53" />
        <source>Check integrity (verify)</source>
        <translation>校验数据完整性</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="66" />
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="67" />
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="68" />
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="69" />
        <source>Journal events</source>
        <translation>日志事件数</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="70" />
        <source>Journal head</source>
        <translation>日志末条哈希</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="71" />
        <source>Schema version</source>
        <translation>数据库结构版本</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="77" />
        <source>Checking…</source>
        <translation>正在校验…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="82" />
        <source>All %1 journal events verified; the ledger is consistent.</source>
        <translation>全部 %1 条日志事件校验通过，账务一致。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="85" />
        <source>Problems found:</source>
        <translation>发现问题：</translation>
    </message>
</context>
<context>
    <name>PendingPrintBanner</name>
    <message>
        <location filename="../main_window.py" line="113" />
        <source>%1 receipt(s) collected but NOT printed: %2 — the payer has no receipt yet!</source>
        <translation>%1 张票据已收款但未打印：%2 — 交款人还没有拿到收据！</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="116" />
        <source>Print %1 now</source>
        <translation>立即打印 %1</translation>
    </message>
</context>
<context>
    <name>ProgressPage</name>
    <message>
        <location filename="../progress_page.py" line="38" />
        <location filename="../progress_page.py" line="51" />
        <location filename="../progress_page.py" line="123" />
        <source>Enrolled</source>
        <translation>已参保</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="38" />
        <source>Enrolment rate</source>
        <translation>参保率</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="39" />
        <source>Collected</source>
        <translation>已收金额</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="39" />
        <source>Collection period</source>
        <translation>征缴期</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="48" />
        <location filename="../progress_page.py" line="68" />
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="49" />
        <source>Households</source>
        <translation>户数</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="50" />
        <source>Insurable</source>
        <translation>应参保</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="52" />
        <location filename="../progress_page.py" line="124" />
        <source>Unpaid</source>
        <translation>未缴</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="53" />
        <source>Rate</source>
        <translation>参保率</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="66" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="67" />
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="69" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="70" />
        <source>Unpaid members</source>
        <translation>未缴人数</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="71" />
        <source>Payable</source>
        <translation>应缴</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="101" />
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="106" />
        <source>starts %1</source>
        <translation>%1 开始</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="108" />
        <source>ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="110" />
        <source>%1 days left (until %2)</source>
        <translation>剩 %1 天（至 %2）</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="115" />
        <source>Households still to visit: %1 (amounts at %2)</source>
        <translation>待上门收缴：%1 户（金额按%2计）</translation>
    </message>
    <message>
        <location filename="../progress_page.py" line="144" />
        <source>Members enrolled and unpaid by group</source>
        <translation>各组参保与未缴人数</translation>
    </message>
</context>
<context>
    <name>ReceiptsPage</name>
    <message>
        <location filename="../receipts_page.py" line="202" />
        <source>issued</source>
        <translation>已开具</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="202" />
        <source>voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="203" />
        <source>lost</source>
        <translation>遗失</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="206" />
        <source>Book</source>
        <translation>票据本</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="208" />
        <location filename="../receipts_page.py" line="242" />
        <source>Issued</source>
        <translation>已开具</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="209" />
        <location filename="../receipts_page.py" line="243" />
        <source>Voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="210" />
        <location filename="../receipts_page.py" line="244" />
        <source>Lost</source>
        <translation>遗失</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="211" />
        <source>Unused</source>
        <translation>未用</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="212" />
        <location filename="../receipts_page.py" line="230" />
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="213" />
        <source>Refunds</source>
        <translation>退费</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="214" />
        <source>Collector</source>
        <translation>收款员</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="222" />
        <source>Receipt</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="223" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="225" />
        <source>Printed</source>
        <translation>打印</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="225" />
        <source>NOT PRINTED</source>
        <translation>待打印</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="226" />
        <source>printed</source>
        <translation>已打印</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="228" />
        <source>Payer</source>
        <translation>交款人</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="229" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="232" />
        <source>Method</source>
        <translation>方式</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="233" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="235" />
        <source>Void reason / note</source>
        <translation>作废原因 / 说明</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="248" />
        <source>Number, payer or household no. contains…</source>
        <translation>票号、交款人或户号包含…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="242" />
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="243" />
        <source>Not printed</source>
        <translation>待打印</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="251" />
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="258" />
        <location filename="../receipts_page.py" line="356" />
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="259" />
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="260" />
        <source>Void…</source>
        <translation>作废…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="261" />
        <source>Refund…</source>
        <translation>退费…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="262" />
        <source>Void next blank form…</source>
        <translation>作废下一张空白票…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="278" />
        <source>Receipt books</source>
        <translation>票据本</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="281" />
        <source>Receipts</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="305" />
        <source>No receipt forms left: register a new book from the township.</source>
        <translation>票据已用完：请向乡镇财政所领用新票据并登记。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="308" />
        <source>Next receipt: %1 (%2 left in this book)</source>
        <translation>下一张票据：%1（本册剩 %2 张）</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="320" />
        <source>All books</source>
        <translation>全部票据本</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="334" />
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="357" />
        <source>Reprint (补打)</source>
        <translation>补打</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="398" />
        <source>Refunded %1 to %2 (receipt %3).</source>
        <translation>已为 %2 退费 %1（票据 %3）。</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <location filename="../receipts_page.py" line="117" />
        <source>Refund on receipt %1</source>
        <translation>票据 %1 退费</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="118" />
        <source>Refund…</source>
        <translation>退费…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="118" />
        <source>Yes, refund</source>
        <translation>确认退费</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="123" />
        <source>Paid</source>
        <translation>已缴</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="149" />
        <source>Select the member to refund.</source>
        <translation>请选中要退费的成员。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="152" />
        <source>This member is no longer in the payer's household: refund from the command line with the full ID number.</source>
        <translation>此成员已不在交款户中：请用命令行凭完整身份证号办理退费。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="121" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="122" />
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="130" />
        <source>Receipt</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="131" />
        <source>Member</source>
        <translation>成员</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="132" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="155" />
        <source>Refund %1 (%2) on receipt %3 because: %4? Their enrolment ends; a cash refund is paid out of the cash on hand.</source>
        <translation>确认为 %1（%2）办理票据 %3 的退费，原因：%4？其参保将终止；现金退费从现金在手中支付。</translation>
    </message>
</context>
<context>
    <name>RosterPage</name>
    <message>
        <location filename="../roster_page.py" line="42" />
        <source>Search: name, initials, ID digits, household no. (empty lists all)</source>
        <translation>搜索：姓名、拼音首字母、身份证号、户号（留空显示全部）</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="46" />
        <source>Household no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="47" />
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="48" />
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="49" />
        <source>Members</source>
        <translation>人数</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="53" />
        <source>New household…</source>
        <translation>新增户…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="65" />
        <source>Choose a household</source>
        <translation>请选择一户</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="68" />
        <source>Edit household…</source>
        <translation>修改户信息…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="74" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="75" />
        <source>Relation</source>
        <translation>与户主关系</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="76" />
        <source>Certificate</source>
        <translation>证件</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="77" />
        <source>Number</source>
        <translation>号码</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="78" />
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="78" />
        <source>M</source>
        <translation>男</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="78" />
        <source>F</source>
        <translation>女</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="79" />
        <source>Born</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="80" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="82" />
        <source>Categories</source>
        <translation>资助类别</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="84" />
        <source>Residence</source>
        <translation>户籍</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="84" />
        <source>non-local</source>
        <translation>外地</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="85" />
        <source>local</source>
        <translation>本地</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="86" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="94" />
        <source>Add member…</source>
        <translation>新增成员…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="95" />
        <source>Register newborn…</source>
        <translation>新生儿登记…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="96" />
        <source>Edit member…</source>
        <translation>修改成员…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="97" />
        <source>Add ID number…</source>
        <translation>补录身份证号…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="98" />
        <source>Change status…</source>
        <translation>变更状态…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="99" />
        <source>Move to household…</source>
        <translation>迁至他户…</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="106" />
        <source>Subsidy categories come from the township's certified lists and are read-only here.</source>
        <translation>资助类别来自乡镇认定的名单，此处只能查看，不能修改。</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="157" />
        <source>%1 households</source>
        <translation>共 %1 户</translation>
    </message>
    <message>
        <location filename="../roster_page.py" line="173" />
        <source>Household %1 · head %2</source>
        <translation>户号 %1 · 户主 %2</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <location filename="../settings_page.py" line="50" />
        <source>Print calibration page</source>
        <translation>打印校准页</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="53" />
        <source>A4, three parts on one sheet</source>
        <translation>A4 纸，三联一页</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="54" />
        <source>One part per page (210 × 99 mm)</source>
        <translation>每联一页（210 × 99 mm）</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="55" />
        <source>Pre-printed forms (overlay)</source>
        <translation>预印票据套打</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="58" />
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="70" />
        <source>Save settings</source>
        <translation>保存设置</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="76" />
        <source>right</source>
        <translation>向右</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="79" />
        <source>down</source>
        <translation>向下</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="86" />
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="87" />
        <source>Overlay offsets</source>
        <translation>套打偏移</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="88" />
        <source>Receipt paper</source>
        <translation>收据版式</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="89" />
        <location filename="../settings_page.py" line="148" />
        <source>Backup folder</source>
        <translation>备份文件夹</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="90" />
        <source>Language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="91" />
        <source>County server address</source>
        <translation>县级服务器地址</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="92" />
        <source>Cash limits</source>
        <translation>现金限额</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="96" />
        <source>Calibration: print the page on plain A4 paper at actual size, measure where the red cross lands and follow the instructions printed on the page; enter the offsets here and print it again until the cross sits 20 mm from the left and top edges.</source>
        <translation>校准方法：用普通 A4 纸按实际大小打印校准页，量出红色十字的位置，按页上的说明算出偏移，填在这里后再打印一次，直到十字中心距纸张左边缘和上边缘各 20 mm。</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="105" />
        <source>Settings of this computer</source>
        <translation>本机设置</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="118" />
        <source>Ask every time</source>
        <translation>每次询问</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="123" />
        <source>%1 (not connected)</source>
        <translation>%1（未连接）</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="132" />
        <source>deposit when cash on hand exceeds %1 or is older than %2 day(s) (set by the township)</source>
        <translation>现金在手超过 %1 或超过 %2 天须缴存（由乡镇设定）</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="157" />
        <source>The server address must start with https://</source>
        <translation>服务器地址必须以 https:// 开头</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="164" />
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <location filename="../settings_page.py" line="166" />
        <source>The new language is used from the next start.</source>
        <translation>新的界面语言在下次启动时生效。</translation>
    </message>
</context>
<context>
    <name>StatusDialog</name>
    <message>
        <location filename="../roster_dialogs.py" line="299" />
        <source>Change status of %1</source>
        <translation>变更 %1 的状态</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="300" />
        <source>Change status</source>
        <translation>变更状态</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="304" />
        <source>e.g. date of death, where they moved</source>
        <translation>例如：死亡日期、迁往何处</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="305" />
        <source>Current status</source>
        <translation>当前状态</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="306" />
        <source>New status</source>
        <translation>新状态</translation>
    </message>
    <message>
        <location filename="../roster_dialogs.py" line="307" />
        <source>Note</source>
        <translation>备注</translation>
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
        <source>Your data stays encrypted and safe. Ask the township finance office (乡镇财政所) for help: with the recovery code you were given when the database was created, or with the township's recovery key, they can set a new passphrase for you:

    yibao recover --code RECOVERY-CODE

Nothing is lost, and your receipts and payments stay as they are.</source>
        <translation>您的数据仍然加密保存，不会丢失。请联系乡镇财政所：凭创建数据库时交给财政所保管的恢复码，或由财政所用其恢复私钥，为您设置新口令：

    yibao recover --code 恢复码

票据和收款记录都不会改变。</translation>
    </message>
</context>
<context>
    <name>VoidDialog</name>
    <message>
        <location filename="../receipts_page.py" line="79" />
        <source>Void receipt %1</source>
        <translation>作废票据 %1</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="80" />
        <source>Void…</source>
        <translation>作废…</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="80" />
        <source>Yes, void it</source>
        <translation>确认作废</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="87" />
        <source>Why is it voided? (required)</source>
        <translation>作废原因（必填）</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="88" />
        <source>Receipt</source>
        <translation>票据</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="90" />
        <source>This is the next unused (blank) form, spoiled before use.</source>
        <translation>这是下一张未用的空白票据，使用前已损坏。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="92" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="97" />
        <source>A reason is required to void a receipt.</source>
        <translation>作废票据必须填写原因。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="100" />
        <source>Void the blank form %1? Its number is never used again. Keep all parts of the paper form.</source>
        <translation>确认作废空白票据 %1？此号码以后不再使用。请保留纸质票据的全部联次。</translation>
    </message>
    <message>
        <location filename="../receipts_page.py" line="102" />
        <source>Void %1? The payment is cancelled, the members are no longer enrolled and the household must be collected again on a new receipt. Keep all parts of the paper receipt.</source>
        <translation>确认作废 %1？该笔收款将撤销，成员不再算参保，该户需要用新票据重新收款。请收回并保留纸质票据的全部联次。</translation>
    </message>
</context>
<context>
    <name>common</name>
    <message>
        <location filename="../common.py" line="56" />
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <location filename="../common.py" line="56" />
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <location filename="../common.py" line="57" />
        <source>Bank transfer</source>
        <translation>银行转账</translation>
    </message>
    <message>
        <location filename="../common.py" line="57" />
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../common.py" line="63" />
        <source>Unexpected error: %1. The details were written to the log file.</source>
        <translation>意外错误：%1。详细信息已写入日志文件。</translation>
    </message>
    <message>
        <location filename="../common.py" line="73" />
        <source>Yibao Collect</source>
        <translation>医保收缴通</translation>
    </message>
    <message>
        <location filename="../common.py" line="207" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>printing</name>
    <message>
        <location filename="../printing.py" line="54" />
        <source>The receipt PDF could not be read (%1).</source>
        <translation>无法读取票据 PDF（%1）。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="60" />
        <source>The printer could not be opened. Is it switched on and connected?</source>
        <translation>无法连接打印机。请检查打印机是否开机并已连接。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="69" />
        <source>The printer stopped in the middle of the job.</source>
        <translation>打印机在打印过程中停止了。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="146" />
        <source>Receipt %1</source>
        <translation>票据 %1</translation>
    </message>
    <message>
        <location filename="../printing.py" line="155" />
        <source>Reprint of %1 failed: %2</source>
        <translation>补打 %1 失败：%2</translation>
    </message>
    <message>
        <location filename="../printing.py" line="158" />
        <source>Printing failed: %1
Receipt %2 is collected but NOT printed yet. Check the printer, then print it from the banner or the Receipts page.</source>
        <translation>打印失败：%1
票据 %2 已收款，但还没有打印！请检查打印机，然后点窗口上方红色提示条或“票据”页的“打印”重新打印。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="166" />
        <source>Reprint of %1 cancelled.</source>
        <translation>已取消补打 %1。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="168" />
        <source>Printing cancelled. Receipt %1 is collected but NOT printed yet: print it from the banner or the Receipts page.</source>
        <translation>已取消打印。票据 %1 已收款，但还没有打印！请点窗口上方红色提示条或“票据”页的“打印”。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="174" />
        <source>Receipt %1 printed.</source>
        <translation>票据 %1 已打印。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="187" />
        <source>Calibration page</source>
        <translation>套打校准页</translation>
    </message>
    <message>
        <location filename="../printing.py" line="194" />
        <source>Printing failed: %1</source>
        <translation>打印失败：%1</translation>
    </message>
    <message>
        <location filename="../printing.py" line="198" />
        <source>Printing cancelled.</source>
        <translation>已取消打印。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="204" />
        <source>Calibration page printed.</source>
        <translation>校准页已打印。</translation>
    </message>
    <message>
        <location filename="../printing.py" line="214" />
        <source>Preview of receipt %1</source>
        <translation>预览票据 %1</translation>
    </message>
</context>
</TS>