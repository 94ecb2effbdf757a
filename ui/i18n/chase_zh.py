"""Simplified Chinese for the 催缴 page (ui/chase_page.py), merged into zh_CN.CATALOGUE."""

CHASE: dict[str, str] = {
    "Chase": "催缴",
    "Chase list — %1": "催缴名单 — %1",
    "Last year's tier": "上年档次",
    "Paid last year": "上年个人缴费",
    "Due this year": "本年按上年档次应缴",
    "Subsidy category": "资助类别",
    "Save as Excel…": "保存为 Excel…",
    "Print chase notices": "打印催缴通知单",
    "Save notices as PDF…": "催缴通知单保存为 PDF…",
    "No campaign of the year before is loaded on this computer: there is nobody to chase.":
    "本机没有上一年度的征缴记录：没有需要催缴的人。",
    "%1: %2": "%1：%2",
    "Enrolled in %1 and not yet renewed: %2 people in %3 households. %4":
    "%1已参保、本年度尚未续保：%3 户 %2 人。%4",
    "Save chase list": "保存催缴名单",
    "Save chase notices": "保存催缴通知单",
    "PDF files (*.pdf)": "PDF 文件 (*.pdf)",
    "Saved the notices of %1 households to %2.": "已将 %1 户的催缴通知单保存到 %2。",
    "Chase notices": "催缴通知单",
    "Printed the notices of %1 households.": "已打印 %1 户的催缴通知单。",
}
