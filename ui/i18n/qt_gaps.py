"""Qt's own dialog words that Qt 6's qtbase_zh_CN.qm leaves in English.

Keyed by Qt's translation context and source text, as Qt's .ui files and sources spell them;
``python -m ui.i18n.build`` adds them to our catalogue, which is installed after Qt's and so
is asked first. tests/test_ui_qt_dialogs.py opens every Qt dialog the app uses and fails on
any English it still shows.
"""

QT_GAPS: dict[tuple[str, str], str] = {
    # QFileDialog (non-native): the labels above the list and beside the filter.
    ("QFileDialog", "&Look in:"): "查找范围(&L)：",
    ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
    # QPrintDialog's options and its 属性 (page setup) dialog.
    ("QPrintSettingsOutput", "Page &Set:"): "打印页面(&S)：",
    ("QPageSetupWidget", "Page &order:"): "页面顺序(&O)：",
    ("QPageSetupWidget", "Pages &per sheet:"): "每张纸页数(&P)：",
}
