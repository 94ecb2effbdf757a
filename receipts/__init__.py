"""Receipt and report rendering (收据、报表): plain data in, PDF bytes out.

No Qt and no database here: ``receipts.model`` holds the documents the ledger fills;
``receipts.render`` draws receipts, ``receipts.overlay`` their pre-printed forms,
``receipts.calibration`` the printer's calibration page and ``receipts.reports`` the A4
reports on the page engine of ``receipts.paging``, all in the embedded CJK font of
``receipts.fonts``; ``receipts.qr`` signs and checks the QR code printed on every receipt.
"""
